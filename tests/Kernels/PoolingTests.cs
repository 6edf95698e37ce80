using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Max and average pooling against <c>torch.nn.functional.max_pool2d</c> / <c>avg_pool2d</c> with autograd (outputs
/// and input gradients), on one and two threads, plus ties, accumulation and allocation.
/// </summary>
/// <remarks>Tests here vary the thread count through <see cref="TestThreads"/> scopes (their own thread only), so they run in parallel with the others.</remarks>
public class PoolingTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configs()
    {
        // batch, channels, H, W, size, stride; the large ones split across threads and reach the vector loops.
        var shapes = new (int B, int C, int H, int W, int Size, int Stride)[]
        {
            (2, 3, 8, 8, 2, 2), (2, 3, 9, 7, 2, 2), (4, 8, 28, 28, 2, 2), (3, 16, 67, 45, 2, 2),
            (2, 3, 9, 9, 3, 2), (2, 3, 13, 8, 3, 2), (4, 8, 40, 35, 3, 2),
            (2, 3, 7, 5, 3, 1), (4, 8, 30, 41, 3, 1), (1, 2, 3, 3, 3, 1), (2, 2, 11, 10, 2, 1), (2, 3, 10, 10, 1, 1),
        };
        foreach (var s in shapes)
        {
            foreach (bool max in new[] { true, false })
            {
                yield return [max, s.B, s.C, s.H, s.W, s.Size, s.Stride];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Pooling_matches_torch(bool max, int batch, int channels, int h, int w, int size, int stride)
    {
        int outH = MaxPool2D.OutputSize(h, size, stride), outW = MaxPool2D.OutputSize(w, size, stride);
        var rng = new Rng(h * 100 + w * 10 + size + stride);
        float[] x = Conv2DTests.Gaussian(rng, batch * channels * h * w, 1f);
        float[] dy = Conv2DTests.Gaussian(rng, batch * channels * outH * outW, 1f);

        using var scope = torch.NewDisposeScope();
        Tensor tx = torch.tensor(x, new long[] { batch, channels, h, w }, requires_grad: true);
        long[] window = [size, size], strides = [stride, stride];
        Tensor ty = max ? nn.functional.max_pool2d(tx, window, strides) : nn.functional.avg_pool2d(tx, window, strides);
        Assert.Equal(new long[] { batch, channels, outH, outW }, ty.shape);
        (ty * torch.tensor(dy, ty.shape)).sum().backward();
        float[] yRef = ty.data<float>().ToArray(), dxRef = tx.grad!.data<float>().ToArray();

        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                float[] y = new float[yRef.Length];
                Array.Fill(y, float.NaN);
                float[] dx = new float[x.Length];
                Array.Fill(dx, 1f);
                if (max)
                {
                    MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
                    MaxPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx);
                }
                else
                {
                    AvgPool2D.Forward(batch, channels, h, w, size, stride, x, y);
                    AvgPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx);
                }

                double yDiff = MaxDiff(y, yRef, 0f), dxDiff = MaxDiff(dx, dxRef, 1f);
                output.WriteLine($"{(max ? "max" : "avg")} threads {threads}: y max |diff| {yDiff:E2}, dx max |diff| {dxDiff:E2}");
                Assert.True(yDiff <= 1e-5, $"y differs by {yDiff}");
                Assert.True(dxDiff <= 1e-5, $"dx differs by {dxDiff}");
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    public void Max_pool_backward_routes_ties_to_the_first_maximum_as_torch(int size, int stride)
    {
        // Few distinct values, so most windows hold several maxima.
        const int batch = 2, channels = 3, h = 9, w = 11;
        int outH = MaxPool2D.OutputSize(h, size, stride), outW = MaxPool2D.OutputSize(w, size, stride);
        var rng = new Rng(7);
        float[] x = Enumerable.Range(0, batch * channels * h * w).Select(_ => (float)rng.NextInt(3)).ToArray();
        float[] dy = Conv2DTests.Gaussian(rng, batch * channels * outH * outW, 1f);
        using var scope = torch.NewDisposeScope();
        Tensor tx = torch.tensor(x, new long[] { batch, channels, h, w }, requires_grad: true);
        Tensor ty = nn.functional.max_pool2d(tx, [size, size], [stride, stride]);
        (ty * torch.tensor(dy, ty.shape)).sum().backward();

        float[] y = new float[dy.Length], dx = new float[x.Length];
        MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
        MaxPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx);
        Assert.True(MaxDiff(dx, tx.grad!.data<float>().ToArray(), 0f) <= 1e-6);
    }

    [Theory]
    [InlineData(2, 2, 9, 11)]
    [InlineData(2, 2, 9, 35)]
    [InlineData(3, 1, 9, 11)]
    public void Max_pool_of_a_window_with_NaN_is_NaN_and_its_gradient_goes_to_the_first_NaN(int size, int stride, int h, int w)
    {
        // Every third window or so holds one or two NaNs; the vector 2×2 paths must agree with the row-major scan.
        const int batch = 2, channels = 3;
        int outH = MaxPool2D.OutputSize(h, size, stride), outW = MaxPool2D.OutputSize(w, size, stride);
        var rng = new Rng(11);
        float[] x = Conv2DTests.Gaussian(rng, batch * channels * h * w, 1f);
        for (int i = 0; i < x.Length; i++)
        {
            if (rng.NextInt(7) == 0)
            {
                x[i] = float.NaN;
            }
        }

        float[] dy = Conv2DTests.Gaussian(rng, batch * channels * outH * outW, 1f);
        float[] y = new float[dy.Length], dx = new float[x.Length], dxRef = new float[x.Length];
        MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
        MaxPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx);
        for (int plane = 0, o = 0; plane < batch * channels; plane++)
        {
            for (int i = 0; i < outH; i++)
            {
                for (int j = 0; j < outW; j++, o++)
                {
                    // The reference: the first NaN of the window in row-major order, else the first maximum.
                    int best = -1, firstNaN = -1;
                    for (int u = 0; u < size; u++)
                    {
                        for (int v = 0; v < size; v++)
                        {
                            int at = (plane * h + i * stride + u) * w + j * stride + v;
                            if (float.IsNaN(x[at]))
                            {
                                firstNaN = firstNaN < 0 ? at : firstNaN;
                            }
                            else if (best < 0 || x[at] > x[best])
                            {
                                best = at;
                            }
                        }
                    }

                    int taker = firstNaN >= 0 ? firstNaN : best;
                    Assert.Equal(firstNaN >= 0, float.IsNaN(y[o]));
                    if (firstNaN < 0)
                    {
                        Assert.Equal(x[best], y[o]);
                    }

                    dxRef[taker] += dy[o];
                }
            }
        }

        Assert.True(MaxDiff(dx, dxRef, 0f) <= 1e-6);
    }

    [Fact]
    public void Backward_accumulates_so_two_calls_double_the_gradient()
    {
        const int batch = 2, channels = 3, h = 10, w = 9, size = 3, stride = 2;
        var rng = new Rng(9);
        float[] x = Conv2DTests.Gaussian(rng, batch * channels * h * w, 1f);
        int outLength = batch * channels * MaxPool2D.OutputSize(h, size, stride) * MaxPool2D.OutputSize(w, size, stride);
        float[] y = new float[outLength], dy = Conv2DTests.Gaussian(rng, outLength, 1f);
        MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
        foreach (bool max in new[] { true, false })
        {
            float[] once = new float[x.Length], twice = new float[x.Length];
            for (int call = 0; call < 3; call++)
            {
                float[] target = call == 0 ? once : twice;
                if (max)
                {
                    MaxPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, target);
                }
                else
                {
                    AvgPool2D.Backward(batch, channels, h, w, size, stride, default, default, dy, target);
                }
            }

            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(2 * once[i], twice[i], 1e-5f);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pooling_allocates_nothing_after_warm_up(int threads)
    {
        const int batch = 16, channels = 16, h = 28, w = 28;
        var rng = new Rng(4);
        float[] x = Conv2DTests.Gaussian(rng, batch * channels * h * w, 1f), dx = new float[x.Length];
        float[] y = new float[batch * channels * 14 * 14], dy = Conv2DTests.Gaussian(rng, y.Length, 1f);
        int[] rows = new int[15], cols = new int[15];
        var saved = new TestThreads();
        saved.Set(threads);
        try
        {
            void Step()
            {
                MaxPool2D.Forward(batch, channels, h, w, 2, 2, x, y);
                MaxPool2D.Backward(batch, channels, h, w, 2, 2, x, y, dy, dx);
                AvgPool2D.Forward(batch, channels, h, w, 2, 2, x, y);
                AvgPool2D.Backward(batch, channels, h, w, 2, 2, x, y, dy, dx);
                FractionalMaxPool2D.Regions(h, 14, 0.3, rows);
                FractionalMaxPool2D.Regions(w, 14, 0.6, cols);
                FractionalMaxPool2D.Forward(batch, channels, h, w, 14, 14, rows, cols, x, y);
                FractionalMaxPool2D.Backward(batch, channels, h, w, 14, 14, rows, cols, x, y, dy, dx);
            }

            AllocationAssert.None(Step, calls: 20);
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Short_spans_and_bad_windows_are_rejected()
    {
        float[] x = new float[2 * 3 * 8 * 8], y = new float[2 * 3 * 4 * 4];
        var e = Assert.Throws<ArgumentException>(() => MaxPool2D.Forward(2, 3, 8, 8, 2, 2, x, y.AsSpan(1)));
        Assert.Contains("95", e.Message);
        Assert.Contains("96", e.Message);
        Assert.Throws<ArgumentException>(() => AvgPool2D.Backward(2, 3, 8, 8, 2, 2, default, default, y, x.AsSpan(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaxPool2D.Forward(2, 3, 8, 8, 9, 1, x, y));
    }

    /// <summary>Max |a − (b + offset)|: backwards start from <paramref name="offset"/> to prove they add.</summary>
    private static double MaxDiff(float[] ours, float[] reference, float offset)
    {
        Assert.Equal(reference.Length, ours.Length);
        double max = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            max = Math.Max(max, Math.Abs(ours[i] - (reference[i] + offset)));
        }

        return max;
    }
}
