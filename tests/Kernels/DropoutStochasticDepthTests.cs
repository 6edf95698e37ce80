using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Stochastic depth: keep frequencies (5σ), the training output averaged over many draws against the inference rule
/// <c>x + survival·branch</c> (5σ per element), and the backward masking the branch gradient with the forward's mask.
/// </summary>
public class StochasticDepthTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    public void Keep_frequency_matches_survival(float survival)
    {
        const int draws = 200_000, batch = 64;
        var rng = new Rng(5);
        int kept = 0;
        for (int i = 0; i < draws; i++)
        {
            kept += StochasticDepth.Sample(survival, rng) ? 1 : 0;
        }

        float[] mask = new float[batch];
        int keptRows = 0;
        for (int i = 0; i < draws / batch; i++)
        {
            StochasticDepth.FillSampleMask(batch, survival, mask, rng);
            Assert.All(mask, m => Assert.True(m == 0f || m == 1f));
            keptRows += mask.Count(m => m == 1f);
        }

        // Binomial(n, s): σ of the frequency = sqrt(s(1−s)/n) ≈ 1.1e-3 for n = 2e5, s = 0.5.
        double sigma = Math.Sqrt(survival * (1.0 - survival) / draws);
        double f1 = (double)kept / draws, f2 = (double)keptRows / (draws / batch * batch);
        output.WriteLine($"survival {survival}: Sample keeps {f1:F5} ({(f1 - survival) / sigma:F2}σ), FillSampleMask keeps {f2:F5} ({(f2 - survival) / sigma:F2}σ)");
        Assert.True(Math.Abs(f1 - survival) <= 5 * sigma);
        Assert.True(Math.Abs(f2 - survival) <= 5 * sigma);
        Assert.True(StochasticDepth.Sample(1f, rng) && !StochasticDepth.Sample(0f, rng));
    }

    [Fact]
    public void Training_output_averaged_over_draws_matches_inference_output()
    {
        const int batch = 4, perSample = 37, draws = 20_000;
        const float survival = 0.7f;
        float[] x = DropoutTests.Gaussian(batch * perSample, seed: 1), branch = DropoutTests.Gaussian(batch * perSample, seed: 2);
        float[] mask = new float[batch], y = new float[x.Length];
        double[] sum = new double[x.Length];
        var rng = new Rng(3);
        for (int t = 0; t < draws; t++)
        {
            x.CopyTo(y);
            StochasticDepth.FillSampleMask(batch, survival, mask, rng);
            StochasticDepth.AddScaledRows(batch, perSample, branch, mask, y);
            for (int i = 0; i < y.Length; i++)
            {
                sum[i] += y[i];
            }
        }

        // Inference, per sample (mask = survival) and per mini-batch (one row covering the batch).
        float[] inference = (float[])x.Clone(), inferenceBatch = (float[])x.Clone();
        StochasticDepth.AddScaledRows(batch, perSample, branch, Enumerable.Repeat(survival, batch).ToArray(), inference);
        StochasticDepth.AddScaledRows(1, batch * perSample, branch, [survival], inferenceBatch);
        Assert.All(inference.Zip(inferenceBatch), t => Assert.Equal(t.First, t.Second, 1e-6)); // FMA or not: last-bit differences

        // Each draw adds branch·Bernoulli(s): the mean over N draws has σ = |branch|·sqrt(s(1−s)/N) (≈ 3.2e-3·|branch|).
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i] + (survival * branch[i]), inference[i], 1e-6);
            double sigma = Math.Abs(branch[i]) * Math.Sqrt(survival * (1.0 - survival) / draws);
            double z = Math.Abs((sum[i] / draws) - inference[i]) / sigma;
            worst = Math.Max(worst, z);
        }

        output.WriteLine($"largest |mean(train) − inference| over {x.Length} elements: {worst:F2}σ");
        Assert.True(worst <= 5, $"{worst}σ");
    }

    [Fact]
    public void Backward_masks_the_branch_gradient_and_accumulates()
    {
        const int batch = 6, perSample = 19;
        float[] dy = DropoutTests.Gaussian(batch * perSample, seed: 4);
        float[] mask = new float[batch];
        StochasticDepth.FillSampleMask(batch, 0.5f, mask, new Rng(2));
        Assert.Contains(0f, mask);
        Assert.Contains(1f, mask);
        float[] dBranch = Enumerable.Repeat(0.5f, dy.Length).ToArray();
        StochasticDepth.ScaledRowsBackward(batch, perSample, mask, dy, dBranch);
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < perSample; j++)
            {
                int i = (b * perSample) + j;
                Assert.Equal(mask[b] == 0f ? 0.5f : 0.5f + dy[i], dBranch[i]);
            }
        }

        StochasticDepth.ScaledRowsBackward(batch, perSample, mask, dy, Span<float>.Empty); // skipped
    }

    [Fact]
    public void Same_seed_same_mask_no_allocations_and_length_checks()
    {
        float[] m1 = new float[33], m2 = new float[33], branch = new float[33 * 5], y = new float[33 * 5];
        StochasticDepth.FillSampleMask(33, 0.6f, m1, new Rng(9));
        StochasticDepth.FillSampleMask(33, 0.6f, m2, new Rng(9));
        Assert.Equal(m1, m2);

        var rng = new Rng(1);
        AllocationAssert.None(() =>
        {
            StochasticDepth.Sample(0.5f, rng);
            StochasticDepth.FillSampleMask(33, 0.6f, m1, rng);
            StochasticDepth.AddScaledRows(33, 5, branch, m1, y);
            StochasticDepth.ScaledRowsBackward(33, 5, m1, y, branch);
        });
        Assert.Throws<ArgumentException>(() => StochasticDepth.FillSampleMask(32, 0.6f, m1, rng));
        Assert.Throws<ArgumentException>(() => StochasticDepth.AddScaledRows(33, 4, branch, m1, y));
        Assert.Throws<ArgumentOutOfRangeException>(() => StochasticDepth.Sample(1.5f, rng));
    }
}
