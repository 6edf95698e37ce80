using System;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Element-wise activations over long spans (at least <see cref="Activations.ParallelMinFloats"/>) are split into one
/// contiguous range per compute thread: the forward and both backward modes give the one-thread result bit for bit on
/// two and three threads, and write every element (the outputs start as NaN, the tail past the span as a sentinel).
/// </summary>
public class ActivationThreadingTests
{
    [Theory]
    [InlineData(ActivationFunction.Relu)]
    [InlineData(ActivationFunction.LeakyRelu)]
    [InlineData(ActivationFunction.Elu)]
    [InlineData(ActivationFunction.Sigmoid)]
    [InlineData(ActivationFunction.Tanh)]
    public void Long_spans_give_the_one_thread_bits_on_any_thread_count(ActivationFunction function)
    {
        const float alpha = 0.2f, sentinel = 12345f;
        int n = (Activations.ParallelMinFloats * 2) + 77; // an odd tail after the last 64-float boundary
        var rng = new Random((int)function + 11);
        float[] x = new float[n], dy = new float[n], dxStart = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 12) - 6);
            dy[i] = (float)(rng.NextDouble() - 0.5);
            dxStart[i] = (float)(rng.NextDouble() - 0.5);
        }

        (float[] Y, float[] Added, float[] Written) Run(int threads)
        {
            using var scope = new TestThreads();
            scope.Set(threads);
            float[] y = Padded(n, float.NaN, sentinel);
            Activations.Forward(function, alpha, x, y.AsSpan(0, n));
            float[] added = Padded(n, 0, sentinel);
            dxStart.CopyTo(added, 0);
            float[] written = Padded(n, float.NaN, sentinel);
            Backward(function, alpha, x, y.AsSpan(0, n), dy, added.AsSpan(0, n), overwrite: false);
            Backward(function, alpha, x, y.AsSpan(0, n), dy, written.AsSpan(0, n), overwrite: true);
            return (y, added, written);
        }

        var one = Run(1);
        Assert.DoesNotContain(one.Y, float.IsNaN);
        if (function == ActivationFunction.Relu)
        {
            // The one-thread run itself against the definition (exact for ReLU).
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Math.Max(0f, x[i]), one.Y[i]);
                Assert.Equal(dxStart[i] + (x[i] > 0 ? dy[i] : 0f), one.Added[i]);
                Assert.Equal(x[i] > 0 ? dy[i] : 0f, one.Written[i]);
            }
        }
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads);
            AssertSameBits(one.Y, many.Y, $"{function} forward, {threads} threads");
            AssertSameBits(one.Added, many.Added, $"{function} backward adding, {threads} threads");
            AssertSameBits(one.Written, many.Written, $"{function} backward writing, {threads} threads");
        }
    }

    private static void Backward(ActivationFunction function, float alpha, float[] x, Span<float> y, float[] dy, Span<float> dx, bool overwrite)
    {
        switch (function)
        {
            case ActivationFunction.Relu: Relu.Backward(x, y, dy, dx, overwrite); break;
            case ActivationFunction.LeakyRelu: LeakyRelu.Backward(alpha, x, y, dy, dx, overwrite); break;
            case ActivationFunction.Elu: Elu.Backward(alpha, x, y, dy, dx, overwrite); break;
            case ActivationFunction.Sigmoid: Sigmoid.Backward(x, y, dy, dx, overwrite); break;
            default: Tanh.Backward(x, y, dy, dx, overwrite); break;
        }
    }

    private static float[] Padded(int n, float fill, float sentinel)
    {
        float[] a = new float[n + 16];
        Array.Fill(a, fill, 0, n);
        Array.Fill(a, sentinel, n, 16);
        return a;
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length} is {actual[i]}, one thread gave {expected[i]}");
            }
        }
    }
}
