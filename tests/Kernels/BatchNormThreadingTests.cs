using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// BatchNorm splits large tensors by channel over <see cref="Compute.ThreadCount"/> threads; every channel is computed
/// whole by one thread, so outputs, saved statistics, running statistics and gradients are bit-identical on 1, 2 and 3
/// threads. (Values themselves are checked against torch in <see cref="NormTorchOracleTests"/>.)
/// </summary>
public class BatchNormThreadingTests
{
    [Theory]
    [InlineData(64, 32, 196)]  // 401,408 values: the CNN's first batch norm at 14×14
    [InlineData(16, 7, 1024)]  // 7 channels over 3 threads: uneven ranges
    [InlineData(2, 3, 4)]      // small: stays on one thread
    public void Every_pass_gives_the_same_bits_on_any_thread_count(int batch, int channels, int spatial)
    {
        var rng = new Random(batch + channels + spatial);
        float[] Random(int n)
        {
            var v = new float[n];
            for (int i = 0; i < n; i++)
            {
                v[i] = (float)((rng.NextDouble() * 4) - 1);
            }

            return v;
        }

        int size = batch * channels * spatial;
        float[] x = Random(size), dy = Random(size), gamma = Random(channels), beta = Random(channels);
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
            return [y, mean, invStd, runningMean, runningVar, inference, dx, dGamma, dBeta];
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
        }
        finally
        {
            saved.Dispose();
        }
    }
}
