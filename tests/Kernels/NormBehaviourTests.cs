using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Normalization kernel contracts beyond matching torch: inference independent of the batch, backward accumulation,
/// an empty dx, no allocation, span-length errors, and accuracy on a large BatchNorm against a double-precision reference.
/// </summary>
public class NormBehaviourTests(ITestOutputHelper output)
{
    public enum Kernel
    {
        BatchNorm,
        GroupNorm,
        InstanceNorm,
        LayerNorm,
    }

    public static TheoryData<Kernel> Kernels => new(Enum.GetValues<Kernel>());

    [Theory]
    [InlineData(5, 20, 1)]
    [InlineData(4, 6, 35)]
    public void BatchNorm_inference_of_one_sample_equals_its_output_inside_a_batch(int batch, int channels, int spatial)
    {
        int sample = channels * spatial;
        var rng = new Rng(sample);
        float[] x = NormTestData.Gaussian(rng, batch * sample, 0.5f, 2f);
        float[] gamma = NormTestData.Gaussian(rng, channels, 1f, 0.5f), beta = NormTestData.Gaussian(rng, channels, 0f, 0.5f);
        float[] mean = NormTestData.Gaussian(rng, channels, 0f, 1f), variance = NormTestData.Uniform(rng, channels, 0.2f, 3f);
        var y = new float[batch * sample];
        BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, mean, variance, y);

        var alone = new float[sample];
        for (int b = 0; b < batch; b++)
        {
            BatchNorm.ForwardInference(1, channels, spatial, 1e-5f, x.AsSpan(b * sample, sample), gamma, beta, mean, variance, alone);
            Assert.Equal(y.AsSpan(b * sample, sample).ToArray(), alone);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Backward_accumulates_and_skips_an_empty_dx(Kernel kernel)
    {
        var c = new Problem(kernel, batch: 3, channels: 4, spatial: 10);
        c.Forward();
        var once = c.NewGradients();
        c.Backward(once.Dx, once.DGamma, once.DBeta);
        var twice = c.NewGradients();
        c.Backward(twice.Dx, twice.DGamma, twice.DBeta);
        c.Backward(twice.Dx, twice.DGamma, twice.DBeta);
        var noDx = c.NewGradients();
        c.Backward(Span<float>.Empty, noDx.DGamma, noDx.DBeta);

        Assert.True(NormTestData.MaxAbs(once.Dx) > 0.1 && NormTestData.MaxAbs(once.DGamma) > 0.1);
        Assert.Equal(once.Dx.Select(v => 2 * v), twice.Dx);

        // dx gets one += per element per call, so twice is exactly double. The per-sample kernels add each sample's
        // share into dGamma/dBeta as they go, so there the second call rounds in a different order: equal to ~1 ulp.
        double dGammaDiff = TensorAssert.MaxAbsDiff(once.DGamma.Select(v => 2 * v).ToArray(), twice.DGamma) / NormTestData.MaxAbs(twice.DGamma);
        double dBetaDiff = TensorAssert.MaxAbsDiff(once.DBeta.Select(v => 2 * v).ToArray(), twice.DBeta) / NormTestData.MaxAbs(twice.DBeta);
        Assert.True(dGammaDiff <= 1e-6, $"dGamma after two calls is {dGammaDiff:E2} (relative) away from twice one call");
        Assert.True(dBetaDiff <= 1e-6, $"dBeta after two calls is {dBetaDiff:E2} (relative) away from twice one call");
        Assert.Equal(once.DGamma, noDx.DGamma);
        Assert.Equal(once.DBeta, noDx.DBeta);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_and_backward_allocate_nothing_after_warm_up(Kernel kernel)
    {
        var c = new Problem(kernel, batch: 8, channels: 16, spatial: 49);
        var g = c.NewGradients();
        AllocationAssert.None(() =>
        {
            c.Forward();
            c.Backward(g.Dx, g.DGamma, g.DBeta);
            c.Inference();
        });
    }

    [Fact]
    public void Wrong_span_lengths_throw_naming_expected_and_actual()
    {
        float[] x = new float[2 * 3 * 4], y = new float[24], three = new float[3], two = new float[2], four = new float[4];
        var e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining(2, 3, 4, 0.1f, 1e-5f, x, three, three, three, three, y, two, three));
        Assert.Equal("saveMean", e.ParamName);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        e = Assert.Throws<ArgumentException>(() => BatchNorm.Backward(2, 3, 4, x, three, three, three, y, new float[23], three, three));
        Assert.Equal("dx", e.ParamName);
        Assert.Contains("24", e.Message);
        Assert.Contains("23", e.Message);
        e = Assert.Throws<ArgumentException>(() => GroupNorm.Forward(2, 3, 4, 3, 1e-5f, x, three, three, y, four, new float[6]));
        Assert.Equal("saveMean", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => GroupNorm.Forward(2, 3, 4, 2, 1e-5f, x, three, three, y, four, four));
        Assert.Equal("groups", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => LayerNorm.Forward(2, 12, 1e-5f, x, three, new float[12], y, two, two));
        Assert.Equal("gamma", e.ParamName);

        // One value per channel has no unbiased variance; torch refuses to train BatchNorm on it too.
        e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining(1, 3, 1, 0.1f, 1e-5f, three, three, three, three, three, new float[3], three, three));
        Assert.Equal("batch", e.ParamName);
    }

    /// <summary>
    /// 64 samples × 64 channels × 14×14 (800k values, 12,544 per channel) with a large common offset, so that naive
    /// float sums would lose digits: statistics, output and gradients against the same formulas in double.
    /// </summary>
    [Fact]
    public void BatchNorm_on_800k_values_matches_a_double_precision_reference()
    {
        const int batch = 64, channels = 64, spatial = 14 * 14, size = batch * channels * spatial;
        var rng = new Rng(800);
        float[] x = NormTestData.Gaussian(rng, size, 0f, 1f);
        for (int i = 0; i < size; i++)
        {
            x[i] += 20f + (i / spatial % channels);
        }

        float[] dy = NormTestData.Gaussian(rng, size, 0f, 1f);
        float[] gamma = NormTestData.Gaussian(rng, channels, 1f, 0.5f), beta = NormTestData.Gaussian(rng, channels, 0f, 0.5f);
        var y = new float[size];
        var dx = new float[size];
        float[] mean = new float[channels], invStd = new float[channels], runningMean = new float[channels], runningVar = new float[channels];
        float[] dGamma = new float[channels], dBeta = new float[channels];
        BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, runningMean, runningVar, y, mean, invStd);
        BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);

        double n = batch * spatial;
        float[] refY = new float[size], refDx = new float[size], refMean = new float[channels], refInvStd = new float[channels];
        float[] refDGamma = new float[channels], refDBeta = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0, sumDy = 0, sumDyXhat = 0;
            foreach (int i in Indices(c))
            {
                sum += x[i];
            }

            double mu = sum / n;
            foreach (int i in Indices(c))
            {
                squares += (x[i] - mu) * (x[i] - mu);
            }

            double r = 1 / Math.Sqrt((squares / n) + 1e-5);
            foreach (int i in Indices(c))
            {
                refY[i] = (float)((((x[i] - mu) * r) * gamma[c]) + beta[c]);
                sumDy += dy[i];
                sumDyXhat += dy[i] * (x[i] - mu) * r;
            }

            foreach (int i in Indices(c))
            {
                double xhat = (x[i] - mu) * r;
                refDx[i] = (float)(gamma[c] * r * (dy[i] - (sumDy / n) - (xhat * sumDyXhat / n)));
            }

            (refMean[c], refInvStd[c], refDGamma[c], refDBeta[c]) = ((float)mu, (float)r, (float)sumDyXhat, (float)sumDy);
        }

        var report = new NormTestData.Report(output);
        report.Forward("mean", mean, refMean);
        report.Forward("invStd", invStd, refInvStd);
        report.Forward("y", y, refY);
        report.Gradient("dx", dx, refDx);
        report.Gradient("dGamma", dGamma, refDGamma);
        report.Gradient("dBeta", dBeta, refDBeta);
        report.AssertAll();

        static IEnumerable<int> Indices(int c)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int s = 0; s < spatial; s++)
                {
                    yield return (((b * channels) + c) * spatial) + s;
                }
            }
        }
    }

    /// <summary>One kernel's inputs and buffers, so the contract tests run the same way over every kernel.</summary>
    private sealed class Problem
    {
        private readonly Kernel kernel;
        private readonly int batch, channels, spatial, parameters;
        private readonly float[] x, dy, gamma, beta, y, mean, invStd, runningMean, runningVar;

        public Problem(Kernel kernel, int batch, int channels, int spatial)
        {
            (this.kernel, this.batch, this.channels, this.spatial) = (kernel, batch, channels, spatial);
            int size = batch * channels * spatial;
            parameters = kernel == Kernel.LayerNorm ? channels * spatial : channels;
            int statistics = kernel switch
            {
                Kernel.BatchNorm => channels,
                Kernel.GroupNorm => batch * 2,
                Kernel.InstanceNorm => batch * channels,
                _ => batch,
            };
            var rng = new Rng(size + (int)kernel);
            x = NormTestData.Gaussian(rng, size, 0.5f, 1.5f);
            dy = NormTestData.Gaussian(rng, size, 0f, 1f);
            gamma = NormTestData.Gaussian(rng, parameters, 1f, 0.5f);
            beta = NormTestData.Gaussian(rng, parameters, 0f, 0.5f);
            y = new float[size];
            mean = new float[statistics];
            invStd = new float[statistics];
            runningMean = new float[channels];
            runningVar = NormTestData.Uniform(rng, channels, 0.5f, 2f);
        }

        public (float[] Dx, float[] DGamma, float[] DBeta) NewGradients() => (new float[x.Length], new float[parameters], new float[parameters]);

        public void Forward()
        {
            switch (kernel)
            {
                case Kernel.BatchNorm:
                    BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, runningMean, runningVar, y, mean, invStd);
                    break;
                case Kernel.GroupNorm:
                    GroupNorm.Forward(batch, channels, spatial, 2, 1e-5f, x, gamma, beta, y, mean, invStd);
                    break;
                case Kernel.InstanceNorm:
                    InstanceNorm.Forward(batch, channels, spatial, 1e-5f, x, gamma, beta, y, mean, invStd);
                    break;
                default:
                    LayerNorm.Forward(batch, channels * spatial, 1e-5f, x, gamma, beta, y, mean, invStd);
                    break;
            }
        }

        /// <summary>BatchNorm's eval forward; the per-sample normalizations have no separate inference mode.</summary>
        public void Inference()
        {
            if (kernel == Kernel.BatchNorm)
            {
                BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, runningMean, runningVar, y);
            }
        }

        public void Backward(Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        {
            switch (kernel)
            {
                case Kernel.BatchNorm:
                    BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                    break;
                case Kernel.GroupNorm:
                    GroupNorm.Backward(batch, channels, spatial, 2, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                    break;
                case Kernel.InstanceNorm:
                    InstanceNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                    break;
                default:
                    LayerNorm.Backward(batch, channels * spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
                    break;
            }
        }
    }
}
