using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Folds an inference-mode batch norm into the dense or convolution layer before it: with
/// <c>s[o] = γ[o]/√(runningVar[o] + ε)</c>, the layer's weights become <c>W'[o, ·] = W[o, ·]·s[o]</c> and its bias
/// <c>b'[o] = (b[o] − runningMean[o])·s[o] + β[o]</c>, so one layer pass computes both layers' inference output.
/// </summary>
/// <remarks>
/// Both weight layouts keep each output channel's weights contiguous (dense [outputs × inputs], convolution
/// [filters × channels × k × k]), so one kernel serves both. The scale and the bias are computed in double.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class BatchNormFold
{
    private const string Kernel = "BatchNormFold";

    /// <summary>Writes the folded weights and bias of a layer followed by an inference-mode batch norm.</summary>
    /// <param name="channels">The layer's output channels (dense outputs or convolution filters), the batch norm's channels.</param>
    /// <param name="fanIn">Weights per output channel (dense inputs, or channels·k·k).</param>
    /// <param name="epsilon">The batch norm's epsilon.</param>
    /// <param name="weights">The layer's weights, channels×fanIn.</param>
    /// <param name="bias">The layer's bias (channels floats), or empty for a layer without bias.</param>
    /// <param name="gamma">The batch norm's scale.</param>
    /// <param name="beta">The batch norm's shift.</param>
    /// <param name="runningMean">The batch norm's running mean.</param>
    /// <param name="runningVar">The batch norm's running variance.</param>
    /// <param name="foldedWeights">Receives W', channels×fanIn (overwritten).</param>
    /// <param name="foldedBias">Receives b', channels floats (overwritten).</param>
    public static void Forward(
        int channels, int fanIn, float epsilon, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedWeights, Span<float> foldedBias)
    {
        Check(channels, fanIn, weights, bias, gamma, beta, runningMean, runningVar, foldedWeights, foldedBias);
        for (int o = 0; o < channels; o++)
        {
            double scale = gamma[o] / Math.Sqrt((double)runningVar[o] + epsilon);
            TensorPrimitives.Multiply(weights.Slice(o * fanIn, fanIn), (float)scale, foldedWeights.Slice(o * fanIn, fanIn));
            double b = bias.IsEmpty ? 0.0 : bias[o];
            foldedBias[o] = (float)(((b - runningMean[o]) * scale) + beta[o]);
        }
    }

    private static void Check(
        int channels, int fanIn, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> foldedWeights, ReadOnlySpan<float> foldedBias)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channels);
        ArgumentOutOfRangeException.ThrowIfNegative(fanIn);
        long size = (long)channels * fanIn;
        Guard.Length(Kernel, weights.Length, size, nameof(weights));
        Guard.LengthOrEmpty(Kernel, bias.Length, channels, nameof(bias));
        NormalizationRows.CheckStatistics(Kernel, channels, gamma.Length, beta.Length, runningMean.Length, runningVar.Length);
        Guard.Length(Kernel, foldedWeights.Length, size, nameof(foldedWeights));
        Guard.Length(Kernel, foldedBias.Length, channels, nameof(foldedBias));
    }
}
