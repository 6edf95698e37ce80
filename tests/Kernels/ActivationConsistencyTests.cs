using System;
using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The element-wise activations give an element the same value wherever it sits in the span (full vector or the last
/// partial one), so a kernel that applies an activation to slices (the dense pair) agrees bit for bit with one that
/// applies it to the whole; and the values are close to the double-precision functions.
/// </summary>
public class ActivationConsistencyTests
{
    [Theory]
    [InlineData(ActivationFunction.Relu)]
    [InlineData(ActivationFunction.LeakyRelu)]
    [InlineData(ActivationFunction.Elu)]
    [InlineData(ActivationFunction.Sigmoid)]
    [InlineData(ActivationFunction.Tanh)]
    [InlineData(ActivationFunction.Silu)]
    [InlineData(ActivationFunction.Gelu)]
    [InlineData(ActivationFunction.GeluTanh)]
    public void Every_slice_of_the_input_gives_the_values_of_the_whole(ActivationFunction function)
    {
        const float alpha = 0.3f;
        var rng = new Random((int)function + 5);
        float[] x = new float[67];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 16) - 8);
        }

        float[] whole = new float[x.Length];
        Activations.Forward(function, alpha, x, whole);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Reference(function, alpha, x[i]);
            Assert.True(Math.Abs(whole[i] - expected) <= 2e-6 * Math.Max(1, Math.Abs(expected)), $"{function}({x[i]}) = {whole[i]}, expected {expected}");
        }

        // Every start and length: 1-element tails, odd offsets, slices across the 16-float vector boundary.
        for (int start = 0; start < 20; start++)
        {
            for (int length = 1; start + length <= x.Length; length += 3)
            {
                float[] part = new float[length];
                Activations.Forward(function, alpha, x.AsSpan(start, length), part);
                Assert.True(part.AsSpan().SequenceEqual(whole.AsSpan(start, length)), $"{function}: slice [{start}, {start + length}) differs from the whole");
            }
        }
    }

    private static double Reference(ActivationFunction function, float alpha, double x) => function switch
    {
        ActivationFunction.Relu => Math.Max(0, x),
        ActivationFunction.LeakyRelu => x > 0 ? x : alpha * x,
        ActivationFunction.Elu => x > 0 ? x : alpha * (Math.Exp(x) - 1),
        ActivationFunction.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationFunction.Silu => x / (1 + Math.Exp(-x)),
        ActivationFunction.Gelu => x * NormalCdf(x),
        ActivationFunction.GeluTanh => x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x)))) / 2,
        _ => Math.Tanh(x),
    };

    /// <summary>Φ(x) = 1/2 + ∫₀ˣ φ(t) dt by composite Simpson with 4000 intervals (error far below 1e-9 for |x| ≤ 8).</summary>
    private static double NormalCdf(double x)
    {
        const int intervals = 4000;
        double h = x / intervals, sum = 0;
        for (int k = 0; k <= intervals; k++)
        {
            double t = k * h, weight = k == 0 || k == intervals ? 1 : k % 2 == 1 ? 4 : 2;
            sum += weight * Math.Exp(-t * t / 2);
        }

        return 0.5 + (sum * h / 3 / Math.Sqrt(2 * Math.PI));
    }
}
