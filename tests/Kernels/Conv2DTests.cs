using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Kernels;

/// <summary>
/// <see cref="Conv2D"/> against <c>torch.nn.functional.conv2d</c> with autograd on the same random inputs and weights:
/// the output, and the gradients of the input, weights and bias, on one and two threads and with a scratch sized for
/// one thread (threaded matrix products) or for two (samples in parallel).
/// </summary>
/// <remarks>Tests here vary the thread count through <see cref="TestThreads"/> scopes (their own thread only), so they run in parallel with the others.</remarks>
public class Conv2DTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configs() =>
    [
        // batch, inC, H, W, outC, kernel, stride, padding, bias
        [1, 1, 28, 28, 8, 3, 1, 1, true],
        [4, 3, 16, 16, 32, 3, 1, 1, false],
        [4, 16, 14, 14, 8, 3, 1, 1, true],
        [4, 3, 17, 15, 8, 5, 2, 2, true],
        [1, 16, 12, 12, 32, 5, 2, 2, false],
        [4, 3, 13, 11, 8, 3, 2, 0, true],
        [1, 16, 13, 11, 32, 3, 2, 0, true],
        [4, 16, 9, 7, 32, 1, 1, 0, true],
        [1, 3, 9, 9, 8, 1, 1, 0, false],
        [4, 1, 10, 9, 8, 1, 2, 0, true],
        [4, 3, 8, 8, 8, 1, 1, 1, true],
        [4, 1, 7, 7, 32, 7, 1, 0, true],
        [3, 3, 6, 5, 8, 3, 3, 2, true],
        [2, 3, 9, 10, 8, 5, 1, 2, true],
        [4, 16, 13, 11, 8, 3, 1, 1, false],
        [2, 3, 2, 3, 8, 5, 1, 2, true],

        // 64 filters or more: with AVX-512 the weight gradient is accumulated transposed (Gemm.UseTransposed).
        [4, 8, 9, 9, 64, 3, 1, 1, true],
        [3, 4, 7, 6, 72, 3, 2, 1, false],
        [2, 16, 5, 5, 64, 1, 1, 0, true],

        // 16 filters, stride 1, no padding: with AVX-512 the direct forward (2×8 output tiles, moved back at the edges);
        // with a 5×5 kernel also the direct weight gradient, and with input rows of at most 16 floats the register
        // col2im (which takes any filter count). The small CNN's second convolution is the first row.
        [3, 8, 12, 12, 16, 5, 1, 0, true],
        [2, 2, 13, 14, 16, 5, 1, 0, false],
        [1, 3, 6, 20, 16, 5, 1, 0, true],
        [2, 4, 10, 12, 16, 3, 1, 0, true],
        [2, 3, 9, 16, 8, 5, 1, 0, true],
        [2, 2, 6, 7, 8, 5, 1, 0, true],

        // 8 filters, stride 1, no padding, output rows of at least 16: the direct row kernel (two 16-column chunks, the
        // second moved back at the edge); with a 5×5 kernel the 8-filter direct weight gradient. The small CNN's first
        // convolution is the first row.
        [2, 1, 28, 28, 8, 5, 1, 0, true],
        [3, 2, 9, 21, 8, 3, 1, 0, false],
        [1, 1, 6, 40, 8, 5, 1, 0, true],
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void Forward_and_backward_match_torch_autograd(int batch, int inC, int h, int w, int outC, int k, int stride, int pad, bool bias)
    {
        int outH = Conv2D.OutputSize(h, k, stride, pad), outW = Conv2D.OutputSize(w, k, stride, pad);
        var rng = new Rng(batch * 1000 + inC * 100 + k * 10 + stride);
        float[] x = Gaussian(rng, batch * inC * h * w, 1f);
        float[] weights = Gaussian(rng, outC * inC * k * k, 1f / MathF.Sqrt(inC * k * k));
        float[] b = bias ? Gaussian(rng, outC, 1f) : [];
        float[] dy = Gaussian(rng, batch * outC * outH * outW, 1f);

        // The oracle: y = conv2d(x, W, b), loss = Σ y·dy, so the gradient of y is dy. It is computed in float64: libtorch's
        // float32 convolution goes through oneDNN, whose kernels are wrong on some CPUs (see TorchOracle).
        using var scope = torch.NewDisposeScope();
        Tensor tx = TorchOracle.Float64(x, [batch, inC, h, w], requiresGrad: true);
        Tensor tw = TorchOracle.Float64(weights, [outC, inC, k, k], requiresGrad: true);
        Tensor? tb = bias ? TorchOracle.Float64(b, [outC], requiresGrad: true) : null;
        Tensor ty = nn.functional.conv2d(tx, tw, tb, strides: [stride, stride], padding: [pad, pad]);
        (ty * TorchOracle.Float64(dy, [batch, outC, outH, outW])).sum().backward();
        double[] yRef = TorchOracle.Doubles(ty);
        double[] dxRef = TorchOracle.Doubles(tx.grad!);
        double[] dwRef = TorchOracle.Doubles(tw.grad!);
        double[] dbRef = bias ? TorchOracle.Doubles(tb!.grad!) : [];

        var saved = new TestThreads();
        try
        {
            foreach ((int threads, int slots) in new[] { (1, 1), (1, 2), (2, 1), (2, 2) })
            {
                saved.Set(threads);
                float[] scratch = new float[Conv2D.ScratchSize(inC, h, w, outC, k, stride, pad, slots)];
                float[] y = new float[yRef.Length];
                Array.Fill(y, float.NaN); // forward overwrites
                Conv2D.Forward(batch, inC, h, w, outC, k, stride, pad, x, weights, b, y, scratch);

                // Backward accumulates: start from ones and subtract them.
                float[] dx = Ones(x.Length), dw = Ones(weights.Length), db = Ones(b.Length);
                Array.Fill(scratch, float.NaN); // scratch carries nothing between calls
                Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx, dw, db, scratch);
                string label = $"threads {threads}, slots {slots}";
                AssertClose(label + " y", y, yRef, 1e-4, relative: false);
                AssertClose(label + " dx", Minus1(dx), dxRef, 1e-3, relative: true);
                AssertClose(label + " dW", Minus1(dw), dwRef, 1e-3, relative: true);
                if (bias)
                {
                    AssertClose(label + " dBias", Minus1(db), dbRef, 1e-3, relative: true);
                }

                // Without dx, the parameter gradients are the same.
                float[] dw2 = new float[weights.Length], db2 = new float[b.Length];
                Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, default, dw2, db2, scratch);
                AssertClose(label + " dW (no dx)", dw2, dwRef, 1e-3, relative: true);
                if (bias)
                {
                    AssertClose(label + " dBias (no dx)", db2, dbRef, 1e-3, relative: true);
                }
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Backward_accumulates_so_two_calls_double_the_gradients(int slots)
    {
        const int batch = 3, inC = 2, h = 9, w = 8, outC = 4, k = 3, stride = 2, pad = 1;
        int outSize = batch * outC * Conv2D.OutputSize(h, k, stride, pad) * Conv2D.OutputSize(w, k, stride, pad);
        var rng = new Rng(5);
        float[] x = Gaussian(rng, batch * inC * h * w, 1f), weights = Gaussian(rng, outC * inC * k * k, 0.3f), dy = Gaussian(rng, outSize, 1f);
        float[] scratch = new float[Conv2D.ScratchSize(inC, h, w, outC, k, stride, pad, slots)];
        float[] dx1 = new float[x.Length], dw1 = new float[weights.Length], db1 = new float[outC];
        float[] dx2 = new float[x.Length], dw2 = new float[weights.Length], db2 = new float[outC];
        Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx1, dw1, db1, scratch);
        Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx2, dw2, db2, scratch);
        Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx2, dw2, db2, scratch);
        foreach ((float[] once, float[] twice) in new[] { (dx1, dx2), (dw1, dw2), (db1, db2) })
        {
            for (int i = 0; i < once.Length; i++)
            {
                Assert.Equal(2 * once[i], twice[i], 2 * 1e-5f * (1 + Math.Abs(once[i])));
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 16)]
    [InlineData(2, 1, 16)]
    [InlineData(2, 2, 16)]
    [InlineData(1, 1, 64)]
    [InlineData(2, 2, 64)]
    public void Forward_and_backward_allocate_nothing_after_warm_up(int threads, int slots, int outC)
    {
        const int batch = 8, inC = 4, h = 14, w = 14, k = 3, stride = 1, pad = 1;
        int outSize = batch * outC * h * w;
        var rng = new Rng(3);
        float[] x = Gaussian(rng, batch * inC * h * w, 1f), weights = Gaussian(rng, outC * inC * k * k, 0.3f), b = Gaussian(rng, outC, 1f);
        float[] y = new float[outSize], dy = Gaussian(rng, outSize, 1f);
        float[] dx = new float[x.Length], dw = new float[weights.Length], db = new float[outC];
        float[] scratch = new float[Conv2D.ScratchSize(inC, h, w, outC, k, stride, pad, slots)];
        var saved = new TestThreads();
        saved.Set(threads);
        try
        {
            void Step()
            {
                Conv2D.Forward(batch, inC, h, w, outC, k, stride, pad, x, weights, b, y, scratch);
                Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx, dw, db, scratch);
            }

            AllocationAssert.None(Step, calls: 20, warmUp: 60);
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Short_spans_are_rejected_naming_expected_and_actual()
    {
        float[] x = new float[2 * 3 * 5 * 5], w = new float[4 * 3 * 9], y = new float[2 * 4 * 25];
        float[] scratch = new float[Conv2D.ScratchSize(3, 5, 5, 4, 3, 1, 1, 1)];
        var e = Assert.Throws<ArgumentException>(() => Conv2D.Forward(2, 3, 5, 5, 4, 3, 1, 1, x, w, default, y.AsSpan(1), scratch));
        Assert.Contains("199", e.Message);
        Assert.Contains("200", e.Message);
        Assert.Throws<ArgumentException>(() => Conv2D.Forward(2, 3, 5, 5, 4, 3, 1, 1, x, w, default, y, scratch.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => Conv2D.Forward(2, 3, 5, 5, 4, 3, 1, 1, x, w, new float[3], y, scratch));
        Assert.Throws<ArgumentException>(() => Conv2D.Backward(2, 3, 5, 5, 4, 3, 1, 1, x, w, y, new float[5], new float[w.Length], default, scratch));
    }

    [Fact]
    public void Scratch_size_follows_the_documented_formula()
    {
        // threads · (K·(P + outC) + outC), K = inC·k·k, P = outH·outW
        int k = 32 * 9, p = 14 * 14;
        Assert.Equal(2 * (k * (p + 64) + 64), Conv2D.ScratchSize(32, 14, 14, 64, 3, 1, 1, 2));
        Assert.Equal(7, Conv2D.OutputSize(13, 3, 2, 0) + 1);
    }

    private void AssertClose(string name, float[] ours, double[] theirs, double tolerance, bool relative)
    {
        Assert.Equal(theirs.Length, ours.Length);
        double max = 0, scale = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            max = Math.Max(max, Math.Abs(ours[i] - theirs[i]));
            scale = Math.Max(scale, Math.Abs(theirs[i]));
        }

        double error = relative ? max / scale : max;
        output.WriteLine($"{name,-28} max |diff| {max:E2}  max |ref| {scale:E2}  {(relative ? "relative" : "absolute")} {error:E2}");
        Assert.True(scale > 1e-3, $"{name}: the reference is ~0, so the comparison would prove nothing");
        Assert.True(error <= tolerance, $"{name}: error {error} above {tolerance}");
    }

    internal static float[] Gaussian(Rng rng, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.NextGaussian() * scale;
        }

        return a;
    }

    private static float[] Ones(int n)
    {
        var a = new float[n];
        Array.Fill(a, 1f);
        return a;
    }

    private static float[] Minus1(float[] a) => a.Select(v => v - 1f).ToArray();
}
