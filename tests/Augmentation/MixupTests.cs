using NetGen.Data;
using static NetGen.Tests.Augmentation.AugmentationTestData;

namespace NetGen.Tests.Augmentation;

public class MixupTests
{
    [Theory]
    [InlineData(16, 300)] // 300 features: one full 256-float chunk and a partial one
    [InlineData(7, 5)]
    public void Each_sample_and_its_targets_are_the_same_lambda_blend_with_one_partner(int batch, int features)
    {
        const int classes = 10;
        var mixup = new Mixup(1f, maxBatchSize: 64);
        var rng = new Rng(21);
        var partnerSets = new HashSet<string>();
        for (int round = 0; round < 20; round++)
        {
            float[] x0 = GaussianBatch(batch, features, round);
            int[] labels = Enumerable.Range(0, batch).Select(i => (i * 3 + round) % classes).ToArray();
            float[] t0 = OneHot(labels, classes);
            float[] x = (float[])x0.Clone();
            float[] t = (float[])t0.Clone();
            mixup.Apply(x, labels, batch, t, rng);

            float lambda = mixup.LastLambda;
            int[] partners = mixup.LastPartners.ToArray();
            Assert.InRange(lambda, 0f, 1f);
            Assert.Equal(Enumerable.Range(0, batch), partners.Order());
            partnerSets.Add(string.Join(",", partners));

            for (int i = 0; i < batch; i++)
            {
                int j = partners[i];

                // Targets: λ·t[i] + (1 − λ)·t[j], summing to 1.
                float[] targets = t.AsSpan(i * classes, classes).ToArray();
                Assert.Equal(1.0, targets.Sum(), 5);
                for (int k = 0; k < classes; k++)
                {
                    Assert.Equal((lambda * t0[(i * classes) + k]) + ((1 - lambda) * t0[(j * classes) + k]), targets[k], 5);
                }

                // Features: the same blend, with λ read off the targets where the two labels differ.
                float weight = labels[i] == labels[j] ? lambda : targets[labels[i]];
                for (int k = 0; k < features; k++)
                {
                    double expected = (weight * (double)x0[(i * features) + k]) + ((1 - weight) * (double)x0[(j * features) + k]);
                    Assert.True(Math.Abs(x[(i * features) + k] - expected) < 1e-5, $"round {round}, sample {i}, feature {k}");
                }

                // Only that partner explains the sample, when the blend is not nearly the sample itself.
                if (lambda < 0.99f && j != i)
                {
                    int explaining = Enumerable.Range(0, batch).Count(m => Enumerable.Range(0, features).All(k =>
                        Math.Abs(x[(i * features) + k] - ((lambda * x0[(i * features) + k]) + ((1 - lambda) * x0[(m * features) + k]))) < 1e-4));
                    Assert.Equal(1, explaining);
                }
            }
        }

        Assert.True(partnerSets.Count >= 19, "every batch should get its own random permutation");
    }

    [Theory]
    [InlineData(0.2f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    [InlineData(2f)]
    public void Lambda_has_the_mean_and_variance_of_Beta_alpha_alpha(float alpha)
    {
        // Beta(α, α) has mean 1/2 and variance 1/(4(2α + 1)). With N = 20,000 batches the sample mean has standard
        // error sqrt(var/N) and the sample variance sqrt((m4 − var²)/N) (m4 the fourth central moment, estimated from the
        // same samples); 5 standard errors each make a false failure less likely than 1 in a million.
        const int n = 20_000;
        var mixup = new Mixup(alpha, maxBatchSize: 2);
        var rng = new Rng(8);
        var lambdas = new double[n];
        var x = new float[2];
        var t = new float[4];
        for (int i = 0; i < n; i++)
        {
            mixup.Apply(x, [0, 1], 2, t, rng);
            lambdas[i] = mixup.LastLambda;
        }

        double mean = lambdas.Average();
        double variance = lambdas.Select(v => (v - mean) * (v - mean)).Average();
        double m4 = lambdas.Select(v => Math.Pow(v - mean, 4)).Average();
        double expectedVariance = 1.0 / (4 * ((2 * alpha) + 1));
        Assert.InRange(mean, 0.5 - (5 * Math.Sqrt(expectedVariance / n)), 0.5 + (5 * Math.Sqrt(expectedVariance / n)));
        double varianceError = 5 * Math.Sqrt((m4 - (variance * variance)) / n);
        Assert.InRange(variance, expectedVariance - varianceError, expectedVariance + varianceError);
        Assert.All(lambdas, v => Assert.InRange(v, 0.0, 1.0));
    }

    [Fact]
    public void Mixup_rejects_batches_above_its_capacity_and_bad_alpha()
    {
        var mixup = new Mixup(0.2f, maxBatchSize: 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => mixup.Apply(new float[5], new int[5], 5, new float[10], new Rng(1)));
        Assert.Throws<ArgumentException>(() => mixup.Apply(new float[4], new int[4], 4, new float[7], new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Mixup(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Mixup(float.NaN));
        Assert.True(mixup.ProducesSoftTargets);
    }
}
