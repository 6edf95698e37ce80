using System;

namespace NetGen.Kernels;

/// <summary>Forward and backward of a fully connected layer, <c>y = x·Wᵀ + b</c> with W stored [outputs × inputs].</summary>
public static class Dense
{
    /// <summary>Computes <c>y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i]</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample.</param>
    /// <param name="outputs">Output features per sample.</param>
    /// <param name="x">The input, batch×inputs.</param>
    /// <param name="weights">W, outputs×inputs.</param>
    /// <param name="bias">The bias (outputs floats), or empty for a layer without bias.</param>
    /// <param name="y">The output, batch×outputs (overwritten).</param>
    public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
    {
        if (bias.IsEmpty)
        {
            Gemm.MultiplyABt(batch, outputs, inputs, x, weights, y, accumulate: false);
            return;
        }

        for (int b = 0; b < batch; b++)
        {
            bias.Slice(0, outputs).CopyTo(y.Slice(b * outputs, outputs));
        }

        Gemm.MultiplyABt(batch, outputs, inputs, x, weights, y, accumulate: true);
    }

    /// <summary>
    /// Accumulates the parameter gradients <c>dW += dyᵀ·x</c>, <c>dBias += Σ_b dy</c> and, unless <paramref name="dx"/> is
    /// empty (first layer), the input gradient <c>dx += dy·W</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample.</param>
    /// <param name="outputs">Output features per sample.</param>
    /// <param name="x">The forward input, batch×inputs.</param>
    /// <param name="weights">W, outputs×inputs.</param>
    /// <param name="dy">The gradient of the output, batch×outputs.</param>
    /// <param name="dx">The gradient of the input (added to), or empty to skip it.</param>
    /// <param name="dWeights">The weight gradient (added to), outputs×inputs.</param>
    /// <param name="dBias">The bias gradient (added to), or empty for a layer without bias.</param>
    public static void Backward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias)
    {
        Gemm.MultiplyAtB(outputs, inputs, batch, dy, x, dWeights, accumulate: true);
        if (!dBias.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            {
                Elementwise.Add(dy.Slice(b * outputs, outputs), dBias);
            }
        }

        if (!dx.IsEmpty)
        {
            Gemm.MultiplyAB(batch, inputs, outputs, dy, weights, dx, accumulate: true);
        }
    }
}
