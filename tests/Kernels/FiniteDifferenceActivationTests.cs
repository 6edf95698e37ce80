using NetGen.Kernels;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Central-difference gradient checks of PReLU (x and alpha), RReLU (frozen slopes), Maxout and the softmax layer. The
/// loss is <c>L = Σ w·y</c> with fixed random w, so the analytic gradient is the kernel's backward with <c>dy = w</c>;
/// L is summed in double around the float kernels, and each numerical derivative divides by the step actually taken,
/// <c>(float)(v + h) − (float)(v − h)</c>, with h = 1e-3.
/// </summary>
/// <remarks>
/// Tolerance |a − n| ≤ 1e-3·max(|a|, |n|) + 1e-4. Perturbing one input changes only the outputs that depend on it (the
/// others are bit-identical and cancel exactly in double), each carrying float rounding of 2⁻²⁴|y| ≈ 6e-8|y|; divided by
/// the 2e-3 step that is ≈ 4e-5·Σ|w·y| over the affected outputs, i.e. ~1e-4 relative for PReLU/RReLU/Maxout (|x| ≤ 4) and
/// ~1e-4 absolute for a softmax row (Σ y = 1, |w| ≲ 3), hence the absolute floor. The truncation error is zero for the
/// piecewise-linear kernels (inputs are kept ≥ 0.01 away from their kinks, > 2h) and ≈ h²·|y'''|/6 ≈ 2e-7 for softmax.
/// </remarks>
public class FiniteDifferenceActivationTests(ITestOutputHelper output)
{
    private const double H = 1e-3, Rtol = 1e-3, Atol = 1e-4;

    [Theory]
    [InlineData(2, 3, 20)]
    [InlineData(3, 19, 1)]
    public void PRelu_gradients_match_finite_differences(int batch, int channels, int spatial)
    {
        int n = batch * channels * spatial;
        float[] x = AwayFromZero(DropoutTests.Gaussian(n, seed: 1)), w = DropoutTests.Gaussian(n, seed: 2);
        float[] alpha = DropoutTests.Gaussian(channels, seed: 3).Select(v => 0.25f + (0.2f * v)).ToArray();
        float[] y = new float[n], dx = new float[n], dAlpha = new float[channels];
        PRelu.Backward(batch, channels, spatial, x, alpha, w, dx, dAlpha);

        double Loss()
        {
            PRelu.Forward(batch, channels, spatial, x, alpha, y);
            return Dot(w, y);
        }

        Report("PReLU dx", Check(x, dx, Loss));
        Report("PReLU dAlpha", Check(alpha, dAlpha, Loss));
    }

    [Fact]
    public void RRelu_gradient_with_frozen_slopes_matches_finite_differences()
    {
        const int n = 203;
        float[] x = AwayFromZero(DropoutTests.Gaussian(n, seed: 4)), w = DropoutTests.Gaussian(n, seed: 5);
        float[] slopes = new float[n], frozen = new float[n], y = new float[n], dx = new float[n];
        RRelu.ForwardTraining(0.125f, 1f / 3f, x, y, frozen, new Rng(77));
        RRelu.Backward(x, frozen, w, dx);

        double Loss()
        {
            // The slopes do not depend on x, so re-seeding the generator freezes them.
            RRelu.ForwardTraining(0.125f, 1f / 3f, x, y, slopes, new Rng(77));
            Assert.Equal(frozen, slopes);
            return Dot(w, y);
        }

        Report("RReLU dx", Check(x, dx, Loss));
    }

    [Theory]
    [InlineData(2, 7, 2)]
    [InlineData(3, 5, 4)]
    public void Maxout_gradient_matches_finite_differences(int batch, int units, int pieces)
    {
        // Pieces of a unit are 0.1 apart (plus < 0.02 noise), shuffled: the winner cannot change within ±h.
        var rng = new Rng(6);
        float[] x = new float[batch * units * pieces];
        int[] order = Enumerable.Range(0, pieces).ToArray();
        for (int j = 0; j < batch * units; j++)
        {
            rng.Shuffle(order);
            float offset = rng.NextGaussian();
            for (int k = 0; k < pieces; k++)
            {
                x[(j * pieces) + k] = offset + (0.1f * order[k]) + (0.02f * rng.NextFloat());
            }
        }

        float[] w = DropoutTests.Gaussian(batch * units, seed: 7), y = new float[batch * units], dx = new float[x.Length];
        Maxout.Forward(batch, units, pieces, x, y);
        Maxout.Backward(batch, units, pieces, x, y, w, dx);

        double Loss()
        {
            Maxout.Forward(batch, units, pieces, x, y);
            return Dot(w, y);
        }

        Report("Maxout dx", Check(x, dx, Loss));
    }

    [Theory]
    [InlineData(3, 10)]
    [InlineData(2, 33)]
    public void Softmax_layer_gradient_matches_finite_differences(int batch, int classes)
    {
        int n = batch * classes;
        float[] x = DropoutTests.Gaussian(n, seed: 8).Select(v => 2f * v).ToArray(), w = DropoutTests.Gaussian(n, seed: 9);
        float[] y = new float[n], dx = new float[n];
        Softmax.Forward(batch, classes, x, y);
        Softmax.Backward(batch, classes, y, w, dx);

        double Loss()
        {
            Softmax.Forward(batch, classes, x, y);
            return Dot(w, y);
        }

        Report("Softmax dx", Check(x, dx, Loss));
    }

    /// <summary>Compares every entry's analytic gradient with the central difference; returns (max |a − n|, max relative error, failures).</summary>
    private static (double MaxAbs, double MaxRel, int Failures) Check(float[] values, float[] analytic, Func<double> loss)
    {
        double maxAbs = 0, maxRel = 0;
        int failures = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            float plus = (float)(v + H), minus = (float)(v - H);
            values[i] = plus;
            double lp = loss();
            values[i] = minus;
            double lm = loss();
            values[i] = v;
            double numerical = (lp - lm) / ((double)plus - minus);
            double err = Math.Abs(analytic[i] - numerical), size = Math.Max(Math.Abs(analytic[i]), Math.Abs(numerical));
            maxAbs = Math.Max(maxAbs, err);
            if (size > 1e-2)
            {
                maxRel = Math.Max(maxRel, err / size);
            }

            failures += err <= Atol + (Rtol * size) ? 0 : 1;
        }

        return (maxAbs, maxRel, failures);
    }

    private void Report(string name, (double MaxAbs, double MaxRel, int Failures) r)
    {
        output.WriteLine($"{name,-13} max |a − n| {r.MaxAbs:E2}, max relative {r.MaxRel:E2}, failures {r.Failures}");
        Assert.Equal(0, r.Failures);
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    /// <summary>Moves values with |v| &lt; 0.01 to ±0.01 so that no ±h step crosses the kink at 0.</summary>
    private static float[] AwayFromZero(float[] values) =>
        values.Select(v => MathF.Abs(v) >= 0.01f ? v : (v < 0f ? -0.01f : 0.01f)).ToArray();
}
