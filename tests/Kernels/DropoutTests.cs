using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Inverted dropout: the mask's statistics (kept fraction, preserved mean) against their exact distribution with
/// 5σ bounds, reproducibility from the seed, the forward/backward using the stored mask, and the identity at inference.
/// </summary>
public class DropoutTests(ITestOutputHelper output)
{
    private const int Count = 1_000_000;

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    public void Output_mean_matches_input_mean_and_zero_fraction_matches_p(float p)
    {
        float[] x = Gaussian(Count, seed: 11, mean: 1f);
        float[] mask = new float[Count], y = new float[Count];
        Dropout.FillMask(p, mask, new Rng(42));
        Dropout.Forward(x, mask, y);

        // Per element y = x·m with m = 1/(1−p) w.p. 1−p, else 0: E[y] = x and Var[y] = x²·p/(1−p). So the mean over n
        // elements differs from the input mean by a zero-mean error with σ = sqrt(p/(1−p)·Σx²)/n (n = 1e6, Σx² ≈ 2e6:
        // σ ≈ 4.7e-4 for p = 0.1, 1.4e-3 for p = 0.5, 2.8e-3 for p = 0.8). The zero count is Binomial(n, p):
        // σ = sqrt(p(1−p)/n) ≈ 3e-4 to 5e-4. A 5σ bound fails by chance with probability 6e-7.
        double sumX = 0, sumY = 0, sumX2 = 0;
        int zeros = 0;
        for (int i = 0; i < Count; i++)
        {
            sumX += x[i];
            sumY += y[i];
            sumX2 += (double)x[i] * x[i];
            zeros += mask[i] == 0f ? 1 : 0;
        }

        double meanDiff = (sumY - sumX) / Count;
        double meanSigma = Math.Sqrt(p / (1.0 - p) * sumX2) / Count;
        double zeroFraction = (double)zeros / Count;
        double zeroSigma = Math.Sqrt(p * (1.0 - p) / Count);
        output.WriteLine($"p = {p}: mean(y) − mean(x) = {meanDiff:E2} ({meanDiff / meanSigma:F2}σ, σ = {meanSigma:E2}); zero fraction {zeroFraction:F5} ({(zeroFraction - p) / zeroSigma:F2}σ, σ = {zeroSigma:E2})");
        Assert.True(Math.Abs(meanDiff) <= 5 * meanSigma, $"mean differs by {meanDiff} (σ = {meanSigma})");
        Assert.True(Math.Abs(zeroFraction - p) <= 5 * zeroSigma, $"zero fraction {zeroFraction} vs p = {p} (σ = {zeroSigma})");
    }

    [Theory]
    [InlineData(0.3f, 1)]
    [InlineData(0.5f, 17)]
    [InlineData(0f, 1001)]
    public void Mask_holds_only_zero_and_the_inverse_keep_probability(float p, int length)
    {
        float[] mask = new float[length];
        Dropout.FillMask(p, mask, new Rng(3));
        float scale = 1f / (1f - p);
        Assert.All(mask, m => Assert.True(m == 0f || m == scale, $"mask value {m}"));
        if (p == 0f)
        {
            Assert.All(mask, m => Assert.Equal(1f, m));
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_mask_and_another_seed_a_different_one()
    {
        float[] a = new float[10_001], b = new float[10_001], c = new float[10_001];
        Dropout.FillMask(0.5f, a, new Rng(7, stream: 2));
        Dropout.FillMask(0.5f, b, new Rng(7, stream: 2));
        Dropout.FillMask(0.5f, c, new Rng(8, stream: 2));
        Assert.Equal(a, b);
        Assert.True(a.Zip(c).Count(t => t.First != t.Second) > 1000);
    }

    [Theory]
    [InlineData(0.5f, 1)]
    [InlineData(0.3f, 255)] // one full vectorized block of 128 and a partial one with a scalar tail
    [InlineData(0.9f, 1000)]
    public void Mask_is_the_documented_function_of_the_generator_words(float p, int length)
    {
        float[] mask = new float[length];
        Dropout.FillMask(p, mask, new Rng(31));

        // Entry i keeps iff the i-th 32-bit half (low half first) of the words is below round((1 − p)·2³²).
        var words = new Rng(31);
        ulong threshold = (ulong)Math.Round((1.0 - p) * 4294967296.0), word = 0;
        for (int i = 0; i < length; i++)
        {
            word = i % 2 == 0 ? words.NextUInt64() : word;
            ulong half = i % 2 == 0 ? word & 0xFFFF_FFFFUL : word >> 32;
            Assert.Equal(half < threshold ? 1f / (1f - p) : 0f, mask[i]);
        }
    }

    [Fact]
    public void Backward_uses_the_forward_mask_and_accumulates()
    {
        const int n = 1037; // vector body plus a scalar tail
        float[] x = Gaussian(n, seed: 1), dy = Gaussian(n, seed: 2), mask = new float[n], y = new float[n];
        Dropout.FillMask(0.5f, mask, new Rng(5));
        Dropout.Forward(x, mask, y);
        float[] dx = Enumerable.Repeat(0.25f, n).ToArray();
        Dropout.Backward(mask, dy, dx);

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(x[i] * mask[i], y[i]);
            Assert.Equal(0.25f + (dy[i] * mask[i]), dx[i], 1e-6);
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, y[i]);
                Assert.Equal(0.25f, dx[i]);
            }
        }
    }

    [Fact]
    public void Empty_mask_is_the_identity_and_empty_dx_is_skipped()
    {
        float[] x = Gaussian(100, seed: 1), dy = Gaussian(100, seed: 2), y = new float[100], dx = new float[100];
        Dropout.Forward(x, ReadOnlySpan<float>.Empty, y);
        Assert.Equal(x, y);
        Dropout.Backward(ReadOnlySpan<float>.Empty, dy, dx);
        Assert.Equal(dy, dx);
        Dropout.Backward(new float[100], dy, Span<float>.Empty); // no gradient wanted: no-op, no throw
    }

    [Fact]
    public void Invalid_probability_and_lengths_are_rejected()
    {
        var rng = new Rng(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.FillMask(1f, new float[4], rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.FillMask(-0.1f, new float[4], rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.FillMask(float.NaN, new float[4], rng));
        var e = Assert.Throws<ArgumentException>(() => Dropout.Forward(new float[4], new float[3], new float[4]));
        Assert.Contains("mask holds 3", e.Message);
        Assert.Throws<ArgumentException>(() => Dropout.Backward(new float[4], new float[4], new float[5]));
    }

    [Fact]
    public void Mask_generation_forward_and_backward_allocate_nothing()
    {
        float[] x = Gaussian(4099, seed: 1), mask = new float[4099], y = new float[4099], dx = new float[4099];
        var rng = new Rng(9);
        AllocationAssert.None(Step);

        void Step()
        {
            Dropout.FillMask(0.3f, mask, rng);
            Dropout.Forward(x, mask, y);
            Dropout.Backward(mask, y, dx);
        }
    }

    internal static float[] Gaussian(int n, int seed, float mean = 0f)
    {
        var rng = new Rng(seed, stream: 77);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = mean + rng.NextGaussian();
        }

        return values;
    }
}
