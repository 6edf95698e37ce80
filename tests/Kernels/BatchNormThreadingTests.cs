using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// BatchNorm splits large tensors over <see cref="Compute.ThreadCount"/> threads: by samples when planes are long
/// (per-plane sums, added per channel in sample order by the caller), by channel when they are short (each channel
/// whole on one thread). Either way outputs, saved statistics, running statistics and gradients are bit-identical on
/// 1, 2 and 3 threads, and the statistics agree with a float64 two-pass reference. (Values themselves are checked
/// against torch in <see cref="NormTorchOracleTests"/>.)
/// </summary>
public class BatchNormThreadingTests
{
    [Theory]
    [InlineData(64, 32, 196)]  // 401,408 values: the CNN's first batch norm at 14×14
    [InlineData(16, 7, 1024)]  // 7 channels over 3 threads: uneven ranges
    [InlineData(2, 3, 4)]      // small: stays on one thread
    [InlineData(7, 5, 3136)]   // 7 samples over 3 threads: uneven sample ranges
    [InlineData(512, 300, 1)]  // dense features: short planes, split by channel
    [InlineData(64, 16, 8)]    // planes below the sample-split length
    public void Every_pass_gives_the_same_bits_on_any_thread_count(int batch, int channels, int spatial)
    {
        var rng = new Random(batch + channels + spatial);
        float offset = 0;
        float[] Random(int n)
        {
            var v = new float[n];
            for (int i = 0; i < n; i++)
            {
                v[i] = (float)((rng.NextDouble() * 4) - 1 + offset);
            }

            return v;
        }

        int size = batch * channels * spatial;
        offset = 30; // a mean far from zero: the variance must not come from E[x²] − E[x]²
        float[] x = Random(size);
        offset = 0;
        float[] dy = Random(size), gamma = Random(channels), beta = Random(channels);
        float[] runningMean0 = Random(channels), runningVar0 = Random(channels).Select(Math.Abs).ToArray();

        var saved = new TestThreads();
        float[][] Run(int threads)
        {
            saved.Set(threads);
            float[] y = new float[size], mean = new float[channels], invStd = new float[channels];
            float[] runningMean = (float[])runningMean0.Clone(), runningVar = (float[])runningVar0.Clone();
            BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, runningMean, runningVar, y, mean, invStd);
            float[] inference = new float[size];
            BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, runningMean, runningVar, inference);
            float[] dx = new float[size], dGamma = new float[channels], dBeta = new float[channels];
            dx.AsSpan().Fill(0.5f); // backward adds into dx
            BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, dGamma, dBeta);
            float[] dxOverwritten = new float[size], dGamma2 = new float[channels], dBeta2 = new float[channels];
            dxOverwritten.AsSpan().Fill(float.NaN); // overwritten, never read
            BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dxOverwritten, dGamma2, dBeta2, overwriteDx: true);
            float[] dGamma3 = new float[channels], dBeta3 = new float[channels];
            BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, [], dGamma3, dBeta3);
            for (int i = 0; i < size; i++)
            {
                Assert.Equal(dx[i] - 0.5f, dxOverwritten[i], 1e-5f);
            }

            Assert.Equal(dGamma, dGamma2);
            Assert.Equal(dGamma, dGamma3);
            Assert.Equal(dBeta, dBeta3);
            return [y, mean, invStd, runningMean, runningVar, inference, dx, dGamma, dBeta, dxOverwritten];
        }

        try
        {
            float[][] one = Run(1);
            foreach (int threads in new[] { 2, 3 })
            {
                float[][] many = Run(threads);
                for (int k = 0; k < one.Length; k++)
                {
                    Assert.True(one[k].AsSpan().SequenceEqual(many[k]), $"output {k} differs between 1 and {threads} threads");
                }
            }

            Assert.Contains(one[0], v => v != 0); // the pass did write its output

            // The statistics against the float64 two-pass reference kernel.
            float[] refY = new float[size], refMean = new float[channels], refInvStd = new float[channels];
            BatchNorm.Reference.ForwardTraining(
                batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, (float[])runningMean0.Clone(), (float[])runningVar0.Clone(), refY, refMean, refInvStd);
            for (int c = 0; c < channels; c++)
            {
                Assert.True(Math.Abs(one[1][c] - refMean[c]) <= 1e-6 * Math.Abs(refMean[c]), $"mean of channel {c}: {one[1][c]} vs {refMean[c]}");
                Assert.True(Math.Abs(one[2][c] - refInvStd[c]) <= 1e-6 * refInvStd[c], $"1/std of channel {c}: {one[2][c]} vs {refInvStd[c]}");
            }
        }
        finally
        {
            saved.Dispose();
        }
    }
}
