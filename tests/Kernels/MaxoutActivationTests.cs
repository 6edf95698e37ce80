using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>Maxout against a naive reference, gradient routing to the (first) winning piece, accumulation and shape checks.</summary>
public class MaxoutActivationTests
{
    [Theory]
    [InlineData(3, 5, 1)]
    [InlineData(3, 5, 2)]
    [InlineData(4, 17, 3)]
    [InlineData(2, 64, 4)]
    public void Forward_matches_naive_reference_and_backward_routes_to_the_argmax(int batch, int units, int pieces)
    {
        float[] x = DropoutTests.Gaussian(batch * units * pieces, seed: pieces), dy = DropoutTests.Gaussian(batch * units, seed: 9);
        float[] y = new float[batch * units];
        Maxout.Forward(batch, units, pieces, x, y);
        float[] dx = Enumerable.Repeat(0.5f, x.Length).ToArray();
        Maxout.Backward(batch, units, pieces, x, y, dy, dx);

        for (int b = 0; b < batch; b++)
        {
            for (int u = 0; u < units; u++)
            {
                // Naive: scan the unit's pieces at [b, u, k] = x[(b·units + u)·pieces + k].
                int best = 0;
                for (int k = 1; k < pieces; k++)
                {
                    if (x[(((b * units) + u) * pieces) + k] > x[(((b * units) + u) * pieces) + best])
                    {
                        best = k;
                    }
                }

                int j = (b * units) + u;
                Assert.Equal(x[(j * pieces) + best], y[j]);
                for (int k = 0; k < pieces; k++)
                {
                    Assert.Equal(k == best ? 0.5f + dy[j] : 0.5f, dx[(j * pieces) + k]);
                }
            }
        }
    }

    [Fact]
    public void Ties_send_the_gradient_to_the_first_maximal_piece_only()
    {
        float[] x = [1f, 3f, 3f, -2f, /* unit 2 */ 5f, 5f, 5f, 5f];
        float[] y = new float[2], dx = new float[8];
        Maxout.Forward(1, 2, 4, x, y);
        Maxout.Backward(1, 2, 4, x, y, [10f, 20f], dx);
        Assert.Equal([3f, 5f], y);
        Assert.Equal([0f, 10f, 0f, 0f, 20f, 0f, 0f, 0f], dx);
        Maxout.Backward(1, 2, 4, x, y, [10f, 20f], Span<float>.Empty); // skipped
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Maxout.Forward(2, 3, 2, new float[11], new float[6]));
        Assert.Throws<ArgumentException>(() => Maxout.Forward(2, 3, 2, new float[12], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Maxout.Forward(2, 3, 0, new float[0], new float[6]));
        Assert.Throws<ArgumentException>(() => Maxout.Backward(2, 3, 2, new float[12], new float[6], new float[5], new float[12]));
    }
}
