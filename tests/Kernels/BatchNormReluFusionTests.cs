using System;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The fused batch norm + ReLU kernels write exactly what the two kernels write one after the other: the forwards
/// both outputs, statistics and running statistics; the backward (which recomputes the batch norm's output from x to
/// form the ReLU's mask instead of reading it) dx in both modes and the parameter gradients. Every comparison is bit
/// for bit, on the channel-split path (short planes) and the sample-split path, on one and several threads. One
/// channel is constant with a zero shift, so its normalized output is exactly 0, where the ReLU's derivative is 0.
/// </summary>
public class BatchNormReluFusionTests
{
    [Theory]
    [InlineData(64, 8, 196, 1)]
    [InlineData(64, 8, 196, 2)]
    [InlineData(7, 5, 784, 3)]   // uneven sample ranges
    [InlineData(64, 300, 1, 2)]  // dense features: short planes, split by channel
    [InlineData(3, 4, 9, 1)]     // small: one thread, channel path
    public void Fused_kernels_equal_batch_norm_then_relu_bit_for_bit(int batch, int channels, int spatial, int threads)
    {
        var rng = new Random((batch * 31) + (channels * 7) + spatial + threads);
        float[] Random(int n, float scale)
        {
            var v = new float[n];
            for (int i = 0; i < n; i++)
            {
                v[i] = (float)((rng.NextDouble() - 0.5) * scale);
            }

            return v;
        }

        int size = batch * channels * spatial;
        float[] x = Random(size, 4), da = Random(size, 2), gamma = Random(channels, 3), beta = Random(channels, 1);
        float[] runningMean0 = Random(channels, 1), runningVar0 = Array.ConvertAll(Random(channels, 2), Math.Abs);
        for (int b = 0; b < batch; b++)
        {
            x.AsSpan(b * channels * spatial, spatial).Fill(0.5f); // channel 0 constant: x − mean = 0 exactly
        }

        beta[0] = 0f;
        using var saved = new TestThreads();
        saved.Set(threads);

        // Training forward.
        float[] y1 = new float[size], a1 = new float[size], mean1 = new float[channels], inv1 = new float[channels];
        float[] rm1 = (float[])runningMean0.Clone(), rv1 = (float[])runningVar0.Clone();
        BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, rm1, rv1, y1, mean1, inv1);
        Relu.Forward(y1, a1);
        float[] y2 = Nan(size), a2 = Nan(size), mean2 = new float[channels], inv2 = new float[channels];
        float[] rm2 = (float[])runningMean0.Clone(), rv2 = (float[])runningVar0.Clone();
        BatchNorm.ForwardTrainingRelu(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, rm2, rv2, y2, a2, mean2, inv2);
        AssertSame(y1, y2, "training y");
        AssertSame(a1, a2, "training a");
        AssertSame(mean1, mean2, "saved mean");
        AssertSame(inv1, inv2, "saved 1/std");
        AssertSame(rm1, rm2, "running mean");
        AssertSame(rv1, rv2, "running variance");
        Assert.Contains(y1.AsSpan(0, spatial).ToArray(), v => v == 0f); // the edge case is there
        Assert.Contains(a1, v => v > 0f);

        // Inference forward.
        float[] yi1 = new float[size], ai1 = new float[size], yi2 = Nan(size), ai2 = Nan(size);
        BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, rm1, rv1, yi1);
        Relu.Forward(yi1, ai1);
        BatchNorm.ForwardInferenceRelu(batch, channels, spatial, 1e-5f, x, gamma, beta, rm1, rv1, yi2, ai2);
        AssertSame(yi1, yi2, "inference y");
        AssertSame(ai1, ai2, "inference a");

        // Backward, adding into dx, overwriting dx, and without dx.
        foreach (int mode in new[] { 0, 1, 2 })
        {
            float[] dxStart = mode == 0 ? Random(size, 1) : new float[size];
            float[] dy = new float[size], dx1 = (float[])dxStart.Clone(), dg1 = Random(channels, 1), db1 = Random(channels, 1);
            float[] dx2 = mode == 1 ? Nan(size) : (float[])dxStart.Clone(), dg2 = (float[])dg1.Clone(), db2 = (float[])db1.Clone();
            Relu.Backward(y1, a1, da, dy, overwriteDx: true);
            BatchNorm.Backward(batch, channels, spatial, x, gamma, mean1, inv1, dy, mode == 2 ? [] : dx1, dg1, db1, overwriteDx: mode == 1);
            BatchNorm.BackwardRelu(batch, channels, spatial, x, gamma, beta, mean2, inv2, da, mode == 2 ? [] : dx2, dg2, db2, overwriteDx: mode == 1);
            if (mode != 2)
            {
                AssertSame(dx1, dx2, $"dx (mode {mode})");
            }

            AssertSame(dg1, dg2, $"dGamma (mode {mode})");
            AssertSame(db1, db2, $"dBeta (mode {mode})");
        }
    }

    [Fact]
    public void Fused_kernels_check_the_extra_spans()
    {
        float[] x = new float[8], gamma = new float[2], beta = new float[2], stats = new float[2];
        var e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingRelu(
            2, 2, 2, 0.1f, 1e-5f, x, gamma, beta, new float[2], new float[2], new float[8], new float[7], stats, new float[2]));
        Assert.Equal("a", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardRelu(
            2, 2, 2, x, gamma, new float[1], stats, stats, new float[8], new float[8], new float[2], new float[2]));
        Assert.Equal("beta", e.ParamName);
    }

    private static float[] Nan(int n)
    {
        var v = new float[n];
        v.AsSpan().Fill(float.NaN); // overwritten, never read
        return v;
    }

    private static void AssertSame(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what} differs at {i}: {expected[i]:R} vs {actual[i]:R}");
            }
        }
    }
}
