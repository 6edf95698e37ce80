using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Each vectorized element-wise kernel against its plain scalar twin (<c>Kernel.Reference</c>) on random inputs of odd
/// lengths, so every vector width's main loop and the padded tail are exercised.
/// </summary>
public class ReferenceTwinTests
{
    private delegate void Map(ReadOnlySpan<float> x, Span<float> y);

    private delegate void MapBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>A fast backward kernel: adds to dx, or writes it with <paramref name="overwriteDx"/>.</summary>
    private delegate void FastMapBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx);

    public static TheoryData<int> Lengths => [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1027];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Relu_matches_its_reference(int n) =>
        Check(n, Relu.Forward, Relu.Reference.Forward, Relu.Backward, Relu.Reference.Backward, 0, 0);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void LeakyRelu_matches_its_reference(int n) =>
        Check(n, (x, y) => LeakyRelu.Forward(0.1f, x, y), (x, y) => LeakyRelu.Reference.Forward(0.1f, x, y),
            (x, y, dy, dx, o) => LeakyRelu.Backward(0.1f, x, y, dy, dx, o), (x, y, dy, dx) => LeakyRelu.Reference.Backward(0.1f, x, y, dy, dx), 0, 1e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Elu_matches_its_reference(int n) =>
        Check(n, (x, y) => Elu.Forward(0.7f, x, y), (x, y) => Elu.Reference.Forward(0.7f, x, y),
            (x, y, dy, dx, o) => Elu.Backward(0.7f, x, y, dy, dx, o), (x, y, dy, dx) => Elu.Reference.Backward(0.7f, x, y, dy, dx), 2e-6, 2e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sigmoid_matches_its_reference(int n) =>
        Check(n, Sigmoid.Forward, Sigmoid.Reference.Forward, Sigmoid.Backward, Sigmoid.Reference.Backward, 2e-6, 2e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Tanh_matches_its_reference(int n) =>
        Check(n, Tanh.Forward, Tanh.Reference.Forward, Tanh.Backward, Tanh.Reference.Backward, 2e-6, 2e-6);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(5, 33, 17)]
    [InlineData(16, 100, 31)]
    [InlineData(70, 100, 33)] // batch ≥ 64: the packed Wᵀ with the bias fused into the product's tiles
    public void Dense_matches_its_reference(int batch, int inputs, int outputs)
    {
        var rng = new Rng((batch * 1000) + inputs);
        float[] x = Random(rng, batch * inputs, 1f), w = Random(rng, outputs * inputs, 1f), bias = Random(rng, outputs, 1f), dy = Random(rng, batch * outputs, 1f);
        Compare(
            (dx, dw, db) =>
            {
                var y = new float[batch * outputs];
                Dense.Forward(batch, inputs, outputs, x, w, bias, y);
                Dense.Backward(batch, inputs, outputs, x, w, dy, dx, dw, db);
                return y;
            },
            (dx, dw, db) =>
            {
                var y = new float[batch * outputs];
                Dense.Reference.Forward(batch, inputs, outputs, x, w, bias, y);
                Dense.Reference.Backward(batch, inputs, outputs, x, w, dy, dx, dw, db);
                return y;
            },
            batch * inputs, outputs * inputs, outputs, rng, 1e-5);
    }

    [Theory]
    [InlineData(1, 1, 5, 5, 1, 3, 1, 0)]
    [InlineData(2, 3, 7, 9, 5, 3, 2, 1)]
    [InlineData(3, 2, 11, 6, 4, 1, 1, 0)]
    [InlineData(2, 5, 8, 8, 3, 5, 1, 2)]
    public void Conv2D_matches_its_reference(int batch, int inC, int h, int w, int outC, int k, int stride, int pad)
    {
        int outH = Conv2D.OutputSize(h, k, stride, pad), outW = Conv2D.OutputSize(w, k, stride, pad);
        var rng = new Rng((batch * 100) + (inC * 10) + k);
        float[] x = Random(rng, batch * inC * h * w, 1f), weights = Random(rng, outC * inC * k * k, 1f), bias = Random(rng, outC, 1f);
        float[] dy = Random(rng, batch * outC * outH * outW, 1f);
        var scratch = new float[Conv2D.ScratchSize(inC, h, w, outC, k, stride, pad, Compute.ThreadCount)];
        Compare(
            (dx, dw, db) =>
            {
                var y = new float[batch * outC * outH * outW];
                Conv2D.Forward(batch, inC, h, w, outC, k, stride, pad, x, weights, bias, y, scratch);
                Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx, dw, db, scratch);
                return y;
            },
            (dx, dw, db) =>
            {
                var y = new float[batch * outC * outH * outW];
                Conv2D.Reference.Forward(batch, inC, h, w, outC, k, stride, pad, x, weights, bias, y, default);
                Conv2D.Reference.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx, dw, db, default);
                return y;
            },
            batch * inC * h * w, outC * inC * k * k, outC, rng, 1e-4);
    }

    [Theory]
    [InlineData(1, 1, 2, 2, 2, 2)]
    [InlineData(2, 3, 7, 9, 3, 2)]
    [InlineData(3, 5, 17, 13, 2, 2)]
    [InlineData(2, 4, 10, 10, 3, 3)]
    public void Pooling_matches_its_reference(int batch, int channels, int h, int w, int size, int stride)
    {
        int outH = MaxPool2D.OutputSize(h, size, stride), outW = MaxPool2D.OutputSize(w, size, stride);
        var rng = new Rng((batch * 100) + (channels * 10) + h);
        float[] x = Random(rng, batch * channels * h * w, 3f), dy = Random(rng, batch * channels * outH * outW, 1f);
        foreach (bool max in new[] { true, false })
        {
            float[] y = new float[dy.Length], yRef = new float[dy.Length];
            float[] dx = Random(rng, x.Length, 1f), dxRef = (float[])dx.Clone();
            if (max)
            {
                MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
                MaxPool2D.Reference.Forward(batch, channels, h, w, size, stride, x, yRef);
                MaxPool2D.Backward(batch, channels, h, w, size, stride, x, yRef, dy, dx);
                MaxPool2D.Reference.Backward(batch, channels, h, w, size, stride, x, yRef, dy, dxRef);
            }
            else
            {
                AvgPool2D.Forward(batch, channels, h, w, size, stride, x, y);
                AvgPool2D.Reference.Forward(batch, channels, h, w, size, stride, x, yRef);
                AvgPool2D.Backward(batch, channels, h, w, size, stride, x, yRef, dy, dx);
                AvgPool2D.Reference.Backward(batch, channels, h, w, size, stride, x, yRef, dy, dxRef);
            }

            TensorAssert.AllClose(yRef, y, 1e-6, 1e-6, max ? "max y" : "avg y");
            TensorAssert.AllClose(dxRef, dx, 1e-6, 1e-6, max ? "max dx" : "avg dx");
        }
    }

    [Theory]
    [InlineData(2, 3, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(8, 4, 49)]
    [InlineData(2, 17, 33)]
    public void BatchNorm_matches_its_reference(int batch, int channels, int spatial)
    {
        var rng = new Rng((batch * 100) + channels + spatial);
        int n = batch * channels * spatial;
        float[] x = Random(rng, n, 2f), gamma = Random(rng, channels, 1f), beta = Random(rng, channels, 1f), dy = Random(rng, n, 1f);
        float[] rm0 = Random(rng, channels, 0.1f), rv0 = new float[channels];
        Array.Fill(rv0, 1f);
        Compare(
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[channels], invStd = new float[channels], rm = (float[])rm0.Clone(), rv = (float[])rv0.Clone();
                BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, rm, rv, y, mean, invStd);
                BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                var inference = new float[n];
                BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, rm, rv, inference);
                return [.. y, .. inference, .. rm, .. rv];
            },
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[channels], invStd = new float[channels], rm = (float[])rm0.Clone(), rv = (float[])rv0.Clone();
                BatchNorm.Reference.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, rm, rv, y, mean, invStd);
                BatchNorm.Reference.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                var inference = new float[n];
                BatchNorm.Reference.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, rm, rv, inference);
                return [.. y, .. inference, .. rm, .. rv];
            },
            n, channels, channels, rng, 2e-5);
    }

    [Theory]
    [InlineData(1, 10, 0f)]
    [InlineData(256, 10, 0f)]
    [InlineData(3, 37, 0f)]
    [InlineData(5, 1, 0f)]
    [InlineData(2, 16, 0f)]
    [InlineData(7, 17, 80f)] // far from zero both ways: the row maximum keeps exp finite
    [InlineData(7, 17, -80f)]
    [InlineData(6, 7, 0f)] // below 8 classes: the block path on every host
    [InlineData(9, 8, 0f)] // 8 to 16 classes: one row per 512-bit vector where AVX-512 runs
    [InlineData(33, 12, -80f)]
    [InlineData(4, 16, 80f)]
    [InlineData(2, 9, 0f)]
    public void Softmax_matches_its_reference_in_place_and_not(int batch, int classes, float offset)
    {
        var rng = new Rng((batch * 100) + classes);
        int n = batch * classes;
        float[] x = Random(rng, n, 8f).Select(v => v + offset).ToArray(), y = new float[n], expected = new float[n];
        Softmax.Reference.Forward(batch, classes, x, expected);
        Softmax.Forward(batch, classes, x, y);
        float[] inPlace = (float[])x.Clone();
        Softmax.Forward(batch, classes, inPlace, inPlace);

        // Probabilities are at most 1: a few float ulps of 1 absolute.
        Assert.True(TensorAssert.MaxAbsDiff(y, expected) <= 1e-6, $"max |diff| {TensorAssert.MaxAbsDiff(y, expected):E2}");
        Assert.Equal(y, inPlace);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(5)]
    [InlineData(37)]
    public void Softmax_gives_zero_for_minus_infinity_and_a_NaN_row_only_where_the_NaN_is(int classes)
    {
        var rng = new Rng(classes);
        const int batch = 5;
        float[] x = Random(rng, batch * classes, 4f);
        x[(1 * classes) + 2] = float.NegativeInfinity; // row 1: one class ruled out
        x[(3 * classes) + classes - 1] = float.NaN;    // row 3: a NaN logit
        float[] y = new float[x.Length], expected = new float[x.Length];
        Softmax.Reference.Forward(batch, classes, x, expected);
        Softmax.Forward(batch, classes, x, y);

        Assert.Equal(0f, y[(1 * classes) + 2]);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < classes; c++)
            {
                int i = (b * classes) + c;
                Assert.True(b == 3 ? float.IsNaN(y[i]) : Math.Abs(y[i] - expected[i]) <= 1e-6, $"row {b} class {c}: {y[i]} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [InlineData(64, 10, 0f)]
    [InlineData(9, 8, 30f)]
    [InlineData(33, 16, -80f)]
    [InlineData(5, 12, 0f)]
    [InlineData(7, 7, 0f)] // below 8 classes: the scalar path
    [InlineData(3, 17, 0f)] // above 16 classes: the scalar path
    public void Softmax_cross_entropy_loss_matches_a_double_reference(int batch, int classes, float offset)
    {
        var rng = new Rng((batch * 1000) + classes);
        float[] z = Random(rng, batch * classes, 6f).Select(v => v + offset).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(b => (b * 7) % classes).ToArray();
        double expected = 0;
        for (int b = 0; b < batch; b++)
        {
            double max = z.Skip(b * classes).Take(classes).Max();
            double sum = z.Skip(b * classes).Take(classes).Sum(v => Math.Exp(v - max));
            expected += max + Math.Log(sum) - z[(b * classes) + labels[b]];
        }

        expected /= batch;
        float loss = SoftmaxCrossEntropy.Forward(batch, classes, z, labels);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"loss {loss:R}, reference {expected:R}");

        // A NaN logit makes the loss NaN; a label out of range names the sample.
        z[classes + 1] = float.NaN;
        Assert.True(float.IsNaN(SoftmaxCrossEntropy.Forward(batch, classes, z, labels)) || batch == 1);
        labels[batch - 1] = classes;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Forward(batch, classes, z, labels));
        Assert.Contains($"{batch - 1}", ex.Message);
    }

    [Fact]
    public void The_softmax_exp_is_within_two_ulp_of_exp_on_every_non_positive_float_it_is_given()
    {
        if (!(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported))
        {
            return; // the 512-bit exp runs only where AVX-512 does; the block path uses Vector512/256.Exp
        }

        // Every float from 0 down to −104 with a stride through the bit patterns, the range-reduction boundaries
        // (x·log₂e at half-integers) and the clamp.
        var xs = new List<float> { 0f, -0f, -1e-30f, -104f, -103.97f, -87.3f, float.NegativeInfinity, float.NaN };
        for (uint bits = 0x80000000u; bits <= 0xC2D00000u; bits += 997)
        {
            xs.Add(BitConverter.UInt32BitsToSingle(bits));
        }

        for (int k = -150; k <= 0; k++)
        {
            xs.Add((float)((k + 0.5) * Math.Log(2)));
        }

        float[] input = xs.ToArray();
        int padded = (input.Length + 15) & ~15;
        Array.Resize(ref input, padded);
        float[] output = new float[padded];
        for (int i = 0; i < padded; i += 16)
        {
            var v = System.Runtime.Intrinsics.Vector512.Create(input, i);
            System.Runtime.Intrinsics.Vector512.CopyTo(Softmax.ExpNonPositive512(v), output.AsSpan(i));
        }

        double worst = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            float x = input[i], got = output[i];
            if (float.IsNaN(x))
            {
                Assert.True(float.IsNaN(got), "exp(NaN) must be NaN");
                continue;
            }

            double exact = x < -104f ? 0 : Math.Exp(x);
            if (exact < float.Epsilon)
            {
                Assert.True(got <= 2 * float.Epsilon, $"exp({x:R}) = {got:R}, expected ~0");
                continue;
            }

            // Distance in units of the last place of the exact value (subnormal results: of the smallest subnormal).
            double ulp = exact < 1.1754943508222875e-38 ? float.Epsilon : Math.Pow(2, Math.Floor(Math.Log2(exact)) - 23);
            double error = Math.Abs(got - exact) / ulp;
            worst = Math.Max(worst, error);
            Assert.True(error <= 2, $"exp({x:R}) = {got:R}, exact {exact:R}: {error:F2} ulp");
        }

        Assert.True(worst > 0, "the comparison ran on no value that is not exactly representable");
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(3, 6, 5, 3)]
    [InlineData(2, 8, 49, 4)]
    [InlineData(4, 5, 17, 5)]
    public void GroupNorm_and_LayerNorm_match_their_references(int batch, int channels, int spatial, int groups)
    {
        var rng = new Rng((batch * 100) + channels + spatial);
        int n = batch * channels * spatial;
        float[] x = Random(rng, n, 2f), gamma = Random(rng, channels, 1f), beta = Random(rng, channels, 1f), dy = Random(rng, n, 1f);
        Compare(
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[batch * groups], invStd = new float[batch * groups];
                GroupNorm.Forward(batch, channels, spatial, groups, 1e-5f, x, gamma, beta, y, mean, invStd);
                GroupNorm.Backward(batch, channels, spatial, groups, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                return y;
            },
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[batch * groups], invStd = new float[batch * groups];
                GroupNorm.Reference.Forward(batch, channels, spatial, groups, 1e-5f, x, gamma, beta, y, mean, invStd);
                GroupNorm.Reference.Backward(batch, channels, spatial, groups, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                return y;
            },
            n, channels, channels, rng, 2e-5);

        // LayerNorm over channels×spatial features with one scale per feature.
        int features = channels * spatial;
        float[] g2 = Random(rng, features, 1f), b2 = Random(rng, features, 1f);
        Compare(
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[batch], invStd = new float[batch];
                LayerNorm.Forward(batch, features, 1e-5f, x, g2, b2, y, mean, invStd);
                LayerNorm.Backward(batch, features, x, g2, mean, invStd, dy, dx, dGamma, dBeta);
                return y;
            },
            (dx, dGamma, dBeta) =>
            {
                float[] y = new float[n], mean = new float[batch], invStd = new float[batch];
                LayerNorm.Reference.Forward(batch, features, 1e-5f, x, g2, b2, y, mean, invStd);
                LayerNorm.Reference.Backward(batch, features, x, g2, mean, invStd, dy, dx, dGamma, dBeta);
                return y;
            },
            n, features, features, rng, 2e-5);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(2, 4, 33)]
    public void PRelu_and_RRelu_match_their_references(int batch, int channels, int spatial)
    {
        var rng = new Rng((batch * 100) + channels + spatial);
        int n = batch * channels * spatial;
        float[] x = Random(rng, n, 2f), alpha = Random(rng, channels, 0.5f), dy = Random(rng, n, 1f);
        Compare(
            (dx, dAlpha, _) =>
            {
                var y = new float[n];
                PRelu.Forward(batch, channels, spatial, x, alpha, y);
                PRelu.Backward(batch, channels, spatial, x, alpha, dy, dx, dAlpha);
                return y;
            },
            (dx, dAlpha, _) =>
            {
                var y = new float[n];
                PRelu.Reference.Forward(batch, channels, spatial, x, alpha, y);
                PRelu.Reference.Backward(batch, channels, spatial, x, alpha, dy, dx, dAlpha);
                return y;
            },
            n, channels, 0, rng, 1e-5);

        float[] slopes = Random(rng, n, 0.3f);
        Compare(
            (dx, _, _) =>
            {
                float[] y = new float[n], yMean = new float[n];
                RRelu.ForwardWithSlopes(x, slopes, y);
                RRelu.ForwardInference(0.125f, 0.3f, x, yMean);
                RRelu.Backward(x, slopes, dy, dx);
                RRelu.BackwardInference(0.125f, 0.3f, x, dy, dx);
                return [.. y, .. yMean];
            },
            (dx, _, _) =>
            {
                float[] y = new float[n], yMean = new float[n];
                RRelu.Reference.ForwardWithSlopes(x, slopes, y);
                RRelu.Reference.ForwardInference(0.125f, 0.3f, x, yMean);
                RRelu.Reference.Backward(x, slopes, dy, dx);
                RRelu.Reference.BackwardInference(0.125f, 0.3f, x, dy, dx);
                return [.. y, .. yMean];
            },
            n, 0, 0, rng, 1e-6);
    }

    private delegate float[] Pass(float[] dx, float[] dParameters, float[] dBias);

    // Runs a forward + backward pair through the fast kernel and its twin from the same non-zero gradient buffers (the
    // backwards accumulate) and compares outputs and all three gradients, relative to each tensor's magnitude.
    private static void Compare(Pass fast, Pass reference, int dxLength, int dParametersLength, int dBiasLength, Rng rng, double tolerance)
    {
        float[] dx0 = Random(rng, dxLength, 1f), dp0 = Random(rng, dParametersLength, 1f), db0 = Random(rng, dBiasLength, 1f);
        float[] dx = (float[])dx0.Clone(), dp = (float[])dp0.Clone(), db = (float[])db0.Clone();
        float[] dxRef = (float[])dx0.Clone(), dpRef = (float[])dp0.Clone(), dbRef = (float[])db0.Clone();
        float[] y = fast(dx, dp, db), yRef = reference(dxRef, dpRef, dbRef);
        TensorAssert.AllClose(yRef, y, tolerance * Scale(yRef), 0, "y");
        TensorAssert.AllClose(dxRef, dx, tolerance * Scale(dxRef), 0, "dx");
        TensorAssert.AllClose(dpRef, dp, tolerance * Scale(dpRef), 0, "dParameters");
        TensorAssert.AllClose(dbRef, db, tolerance * Scale(dbRef), 0, "dBias");
    }

    private static double Scale(float[] values)
    {
        double max = 1;
        foreach (float v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    private static void Check(int n, Map fast, Map reference, FastMapBackward fastBackward, MapBackward referenceBackward, double forwardTolerance, double backwardTolerance)
    {
        var rng = new Rng(n + 17);
        float[] x = Random(rng, n, 6f), dy = Random(rng, n, 1f), dx0 = Random(rng, n, 1f);
        float[] y = new float[n], yRef = new float[n];
        fast(x, y);
        reference(x, yRef);
        TensorAssert.AllClose(yRef, y, forwardTolerance, forwardTolerance, "y");

        // Both backwards read the same forward output and add into the same starting dx.
        float[] dx = (float[])dx0.Clone(), dxRef = (float[])dx0.Clone();
        fastBackward(x, yRef, dy, dx, false);
        referenceBackward(x, yRef, dy, dxRef);
        TensorAssert.AllClose(dxRef, dx, backwardTolerance, backwardTolerance, "dx");

        // Overwriting ignores what dx held (NaN here) and equals adding into zeros.
        float[] written = Enumerable.Repeat(float.NaN, n).ToArray(), fromZero = new float[n];
        fastBackward(x, yRef, dy, written, true);
        referenceBackward(x, yRef, dy, fromZero);
        TensorAssert.AllClose(fromZero, written, backwardTolerance, backwardTolerance, "dx overwritten");
    }

    private static float[] Random(Rng rng, int n, float scale)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }
}
