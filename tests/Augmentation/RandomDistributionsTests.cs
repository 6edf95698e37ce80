using NetGen.Data;

namespace NetGen.Tests.Augmentation;

/// <summary>
/// The gamma and beta samplers against known distribution functions (Kolmogorov–Smirnov) and moments. With N samples
/// the KS statistic exceeds sqrt(ln(2/δ)/(2N)) with probability at most δ; δ = 1e−6 keeps false failures negligible.
/// </summary>
public class RandomDistributionsTests
{
    private const int N = 100_000;

    private static double KsThreshold => Math.Sqrt(Math.Log(2 / 1e-6) / (2.0 * N));

    private static double KsStatistic(double[] samples, Func<double, double> cdf)
    {
        double[] sorted = samples.Order().ToArray();
        double d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / sorted.Length) - f, f - ((double)i / sorted.Length)));
        }

        return d;
    }

    private static double[] Draw(Func<Rng, double> sample, int seed = 1)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, N).Select(_ => sample(rng)).ToArray();
    }

    [Fact]
    public void Beta_half_half_follows_the_arcsine_law()
    {
        // Beta(1/2, 1/2) has the closed-form CDF (2/π)·asin(√x); α < 1 exercises the Gamma(α + 1)·U^(1/α) branch.
        double[] x = Draw(r => r.NextBeta(0.5, 0.5));
        Assert.True(KsStatistic(x, v => 2 / Math.PI * Math.Asin(Math.Sqrt(v))) < KsThreshold);
    }

    [Fact]
    public void Beta_one_one_is_uniform()
    {
        double[] x = Draw(r => r.NextBeta(1, 1));
        Assert.True(KsStatistic(x, v => v) < KsThreshold);
    }

    [Fact]
    public void Gamma_one_is_exponential()
    {
        double[] x = Draw(r => r.NextGamma(1));
        Assert.True(KsStatistic(x, v => 1 - Math.Exp(-v)) < KsThreshold);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(2.5)]
    [InlineData(9)]
    public void Gamma_has_mean_and_variance_equal_to_its_shape(double k)
    {
        // Gamma(k) has mean k, variance k and fourth central moment 3k² + 6k, so the sample mean has standard error
        // sqrt(k/N) and the sample variance sqrt((2k² + 6k)/N); 5 standard errors each.
        double[] x = Draw(r => r.NextGamma(k), seed: 3);
        double mean = x.Average();
        double variance = x.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, k - (5 * Math.Sqrt(k / N)), k + (5 * Math.Sqrt(k / N)));
        double error = 5 * Math.Sqrt(((2 * k * k) + (6 * k)) / N);
        Assert.InRange(variance, k - error, k + error);
        Assert.All(x, v => Assert.True(v >= 0 && double.IsFinite(v)));
    }

    [Fact]
    public void Asymmetric_beta_has_the_right_mean_and_tiny_alpha_stays_in_range()
    {
        // Beta(2, 5): mean 2/7, variance 10/392.
        double[] x = Draw(r => r.NextBeta(2, 5), seed: 4);
        Assert.InRange(x.Average(), (2.0 / 7) - (5 * Math.Sqrt(10.0 / 392 / N)), (2.0 / 7) + (5 * Math.Sqrt(10.0 / 392 / N)));

        // With α = 0.01 both gamma samples underflow in linear space; the log-space ratio keeps λ a number in [0, 1].
        double[] tiny = Draw(r => r.NextBeta(0.01, 0.01), seed: 5);
        Assert.All(tiny, v => Assert.InRange(v, 0.0, 1.0));
        Assert.InRange(tiny.Average(), 0.49, 0.51);
    }

    [Fact]
    public void Samplers_reject_non_positive_shapes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).NextGamma(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).NextBeta(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).NextGamma(double.NaN));
    }
}
