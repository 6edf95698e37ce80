using System;

namespace NetGen.Data;

/// <summary>
/// Samples from the continuous distributions that augmentation needs (normal, gamma, beta), drawn from a seeded
/// <see cref="Rng"/> so that every sequence is reproducible. Nothing here allocates.
/// </summary>
public static class RandomDistributions
{
    /// <summary>A standard normal sample in double precision (Box–Muller, one of the pair).</summary>
    /// <param name="rng">The random source.</param>
    public static double NextStandardNormal(this Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double u1 = 1.0 - rng.NextDouble(); // (0, 1], so the logarithm is finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A sample of Gamma(<paramref name="shape"/>, 1) (Marsaglia and Tsang 2000).</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="shape">The shape k; positive. The mean and the variance are both k.</param>
    public static double NextGamma(this Rng rng, double shape) => Math.Exp(rng.NextLogGamma(shape));

    /// <summary>
    /// The logarithm of a Gamma(<paramref name="shape"/>, 1) sample. For small shapes the sample itself can underflow to
    /// zero; its logarithm stays finite, which is what <see cref="NextBeta"/> uses.
    /// </summary>
    /// <param name="rng">The random source.</param>
    /// <param name="shape">The shape k; positive.</param>
    public static double NextLogGamma(this Rng rng, double shape)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(shape > 0) || !double.IsFinite(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The gamma shape must be positive and finite.");
        }

        if (shape >= 1)
        {
            return Math.Log(MarsagliaTsang(rng, shape));
        }

        // Shapes below 1: if G ~ Gamma(k + 1) and U ~ U(0, 1], then G·U^(1/k) ~ Gamma(k).
        double g = MarsagliaTsang(rng, shape + 1);
        double u = 1.0 - rng.NextDouble();
        return Math.Log(g) + (Math.Log(u) / shape);
    }

    /// <summary>A sample of Beta(<paramref name="alpha"/>, <paramref name="beta"/>), as X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β).</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="alpha">The first shape α; positive.</param>
    /// <param name="beta">The second shape β; positive.</param>
    /// <returns>A value in [0, 1] with mean α / (α + β).</returns>
    public static double NextBeta(this Rng rng, double alpha, double beta)
    {
        double logX = rng.NextLogGamma(alpha);
        double logY = rng.NextLogGamma(beta);

        // X / (X + Y) = 1 / (1 + Y / X), computed from the logarithms so that tiny X and Y cannot give 0 / 0.
        return 1.0 / (1.0 + Math.Exp(logY - logX));
    }

    /// <summary>Marsaglia–Tsang rejection sampling for Gamma(k, 1), k ≥ 1: d·v with v = (1 + c·x)³, x standard normal.</summary>
    private static double MarsagliaTsang(Rng rng, double shape)
    {
        double d = shape - (1.0 / 3.0);
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x;
            double v;
            do
            {
                x = rng.NextStandardNormal();
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - rng.NextDouble(); // (0, 1]
            double x2 = x * x;

            // The cheap squeeze accepts most samples; the logarithmic test decides the rest exactly.
            if (u < 1.0 - (0.0331 * x2 * x2) || Math.Log(u) < (0.5 * x2) + (d * (1.0 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }
}
