using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Fractional max pooling (Graham 2014): the region boundaries are valid for many sizes and offsets, fixed for a fixed
/// offset, and the forward and backward agree with a naive loop over the same regions.
/// </summary>
/// <remarks>Tests here vary the thread count through <see cref="TestThreads"/> scopes (their own thread only), so they run in parallel with the others.</remarks>
public class PoolFractionalMaxTests
{
    [Fact]
    public void Boundaries_start_at_0_end_at_the_input_and_step_by_1_or_2()
    {
        var rng = new Rng(1);
        for (int input = 1; input <= 80; input++)
        {
            for (int output = (input + 1) / 2; output <= input; output++)
            {
                var b = new int[output + 1];
                double[] offsets = [0.0, 1e-9, 0.25, FractionalMaxPool2D.InferenceOffset, 0.999999999, rng.NextDouble(), rng.NextDouble()];
                foreach (double u in offsets)
                {
                    FractionalMaxPool2D.Regions(input, output, u, b);
                    Assert.Equal(0, b[0]);
                    Assert.Equal(input, b[output]);
                    for (int i = 0; i < output; i++)
                    {
                        int step = b[i + 1] - b[i];
                        Assert.True(step is 1 or 2, $"input {input}, output {output}, u {u}: step {step} at {i}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(32, 22)] // ratio ≈ √2, the paper's favourite
    [InlineData(28, 14)] // ratio 2: every region 2 wide
    [InlineData(25, 17)]
    public void Boundaries_follow_the_paper_formula_and_vary_with_u(int input, int output)
    {
        double alpha = (double)input / output;
        var seen = new HashSet<string>();
        var b = new int[output + 1];
        for (int k = 0; k < 50; k++)
        {
            double u = (k + 0.5) / 50;
            FractionalMaxPool2D.Regions(input, output, u, b);
            for (int i = 0; i < output; i++)
            {
                Assert.Equal((int)(Math.Ceiling(alpha * (i + u)) - Math.Ceiling(alpha * u)), b[i]);
            }

            seen.Add(string.Join(",", b));
        }

        Assert.True(input == 2 * output || seen.Count > 1, "different offsets should give different regions");
    }

    [Fact]
    public void Inference_regions_are_fixed()
    {
        var a = new int[23];
        var b = new int[23];
        FractionalMaxPool2D.Regions(32, 22, FractionalMaxPool2D.InferenceOffset, a);
        FractionalMaxPool2D.Regions(32, 22, FractionalMaxPool2D.InferenceOffset, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Bad_sizes_offsets_and_boundaries_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FractionalMaxPool2D.Regions(10, 4, 0.5, new int[5])); // ratio > 2
        Assert.Throws<ArgumentOutOfRangeException>(() => FractionalMaxPool2D.Regions(10, 11, 0.5, new int[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FractionalMaxPool2D.Regions(10, 7, 1.0, new int[8]));
        Assert.Throws<ArgumentException>(() => FractionalMaxPool2D.Regions(10, 7, 0.5, new int[7]));
        float[] x = new float[16], y = new float[4];
        Assert.Throws<ArgumentException>(() => FractionalMaxPool2D.Forward(1, 1, 4, 4, 2, 2, [0, 2, 3], [0, 2, 4], x, y)); // ends at 3, not 4
        Assert.Throws<ArgumentException>(() => FractionalMaxPool2D.Forward(1, 1, 4, 4, 2, 2, [0, 0, 4], [0, 2, 4], x, y)); // empty region
        Assert.Throws<ArgumentException>(() => FractionalMaxPool2D.Forward(1, 1, 4, 4, 2, 2, [0, 2, 4], [0, 2, 4], x, y.AsSpan(1)));
    }

    [Theory]
    [InlineData(2, 3, 32, 32, 22, 22, 1)]
    [InlineData(2, 3, 25, 19, 17, 10, 1)]
    [InlineData(8, 16, 45, 40, 30, 27, 2)]
    [InlineData(1, 1, 5, 5, 5, 3, 2)]
    public void Forward_and_backward_match_a_naive_loop_over_the_same_regions(int batch, int channels, int h, int w, int outH, int outW, int threads)
    {
        var rng = new Rng(h * 31 + w);
        int[] rows = new int[outH + 1], cols = new int[outW + 1];
        FractionalMaxPool2D.Regions(h, outH, rng.NextDouble(), rows);
        FractionalMaxPool2D.Regions(w, outW, rng.NextDouble(), cols);

        // Values from a small set, so that many regions hold tied maxima.
        float[] x = Enumerable.Range(0, batch * channels * h * w).Select(_ => (float)rng.NextInt(5)).ToArray();
        float[] dy = Conv2DTests.Gaussian(rng, batch * channels * outH * outW, 1f);

        // Naive reference: the maximum of each region and the first (row-major) position holding it.
        float[] yRef = new float[dy.Length], dxRef = new float[x.Length];
        for (int p = 0; p < batch * channels; p++)
        {
            for (int i = 0; i < outH; i++)
            {
                for (int j = 0; j < outW; j++)
                {
                    float best = float.NegativeInfinity;
                    int at = -1;
                    for (int r = rows[i]; r < rows[i + 1]; r++)
                    {
                        for (int c = cols[j]; c < cols[j + 1]; c++)
                        {
                            int index = (p * h + r) * w + c;
                            if (x[index] > best)
                            {
                                best = x[index];
                                at = index;
                            }
                        }
                    }

                    int o = (p * outH + i) * outW + j;
                    yRef[o] = best;
                    dxRef[at] += dy[o];
                }
            }
        }

        var saved = new TestThreads();
        saved.Set(threads);
        try
        {
            float[] y = new float[dy.Length];
            float[] dx = new float[x.Length];
            Array.Fill(y, float.NaN);
            FractionalMaxPool2D.Forward(batch, channels, h, w, outH, outW, rows, cols, x, y);
            Assert.Equal(yRef, y);

            // Twice: the backward adds.
            FractionalMaxPool2D.Backward(batch, channels, h, w, outH, outW, rows, cols, x, y, dy, dx);
            FractionalMaxPool2D.Backward(batch, channels, h, w, outH, outW, rows, cols, x, y, dy, dx);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(2 * dxRef[i], dx[i], 1e-5f);
            }
        }
        finally
        {
            saved.Dispose();
        }
    }
}
