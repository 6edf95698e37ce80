using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen;

/// <summary>The comparison of the analytic and numerical gradient of one parameter tensor.</summary>
/// <param name="Tensor">The tensor's name.</param>
/// <param name="Checked">How many of its entries were compared.</param>
/// <param name="MaxRelativeError">The largest relative error <c>|a − n| / max(|a|, |n|)</c> among entries larger than the absolute tolerance.</param>
/// <param name="Failures">How many entries violate <c>|a − n| ≤ atol + rtol·max(|a|, |n|)</c>.</param>
/// <param name="WorstIndex">The index (within the tensor) of the entry furthest outside (or closest to) its tolerance.</param>
/// <param name="Analytic">The analytic gradient at that index.</param>
/// <param name="Numerical">The numerical gradient at that index.</param>
public sealed record TensorGradientCheck(string Tensor, int Checked, double MaxRelativeError, int Failures, int WorstIndex, double Analytic, double Numerical);

/// <summary>The result of a gradient check: one row per parameter tensor.</summary>
/// <param name="Tensors">The per-tensor comparisons.</param>
/// <param name="RelativeTolerance">rtol: the allowed error relative to the gradient's size.</param>
/// <param name="AbsoluteTolerance">atol: the allowed error for gradients near zero (float rounding of the loss over 2h).</param>
public sealed record GradientCheckReport(IReadOnlyList<TensorGradientCheck> Tensors, double RelativeTolerance, double AbsoluteTolerance)
{
    /// <summary>The largest relative error over all tensors (entries above the absolute tolerance).</summary>
    public double MaxRelativeError
    {
        get
        {
            double max = 0;
            foreach (TensorGradientCheck t in Tensors)
            {
                max = Math.Max(max, t.MaxRelativeError);
            }

            return max;
        }
    }

    /// <summary>Whether every checked entry is within <c>atol + rtol·max(|a|, |n|)</c>.</summary>
    public bool Passed
    {
        get
        {
            foreach (TensorGradientCheck t in Tensors)
            {
                if (t.Failures > 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>A table with one line per tensor.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (TensorGradientCheck t in Tensors)
        {
            sb.AppendFormat(
                CultureInfo.InvariantCulture,
                "{0,-24} checked {1,6}  max rel err {2:E2}  worst [{3}] analytic {4:G6} numerical {5:G6}{6}\n",
                t.Tensor,
                t.Checked,
                t.MaxRelativeError,
                t.WorstIndex,
                t.Analytic,
                t.Numerical,
                t.Failures > 0 ? $"  FAIL ({t.Failures} entries)" : "");
        }

        return sb.ToString();
    }
}

/// <summary>
/// Finite-difference gradient checking (central differences), as in the cs231n notes: compares the gradient that
/// <see cref="NetworkBase.Backward(ReadOnlySpan{int})"/> computes with <c>(L(θ + h) − L(θ − h)) / 2h</c> per parameter.
/// </summary>
public static class GradientCheck
{
    /// <summary>Checks every parameter (or a sample of each tensor) against class labels.</summary>
    /// <param name="network">The network; its parameters are restored afterwards.</param>
    /// <param name="input">The inputs, batch × InputSize.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="labels">One label per sample.</param>
    /// <param name="step">The finite-difference step h.</param>
    /// <param name="rtol">The allowed error relative to the gradient's size.</param>
    /// <param name="atol">The allowed absolute error (covers float rounding of the loss divided by 2h).</param>
    /// <param name="maxPerTensor">Check at most this many entries per tensor (evenly spaced); 0 checks all.</param>
    public static GradientCheckReport Run(NetworkBase network, ReadOnlySpan<float> input, int batchSize, ReadOnlySpan<int> labels, float step = 5e-3f, double rtol = 1e-2, double atol = 1e-4, int maxPerTensor = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.Forward(input, batchSize);
        network.ZeroGradients();
        network.Backward(labels);
        float[] analytic = network.Gradients.ToArray();
        float[] x = input.ToArray();
        int[] y = labels.ToArray();
        return Compare(network, analytic, () =>
        {
            network.Forward(x, batchSize);
            return network.Loss(y);
        }, step, rtol, atol, maxPerTensor);
    }

    /// <summary>Checks every parameter (or a sample of each tensor) against float targets.</summary>
    /// <param name="network">The network; its parameters are restored afterwards.</param>
    /// <param name="input">The inputs, batch × InputSize.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="targets">batch × OutputSize targets.</param>
    /// <param name="step">The finite-difference step h.</param>
    /// <param name="rtol">The allowed error relative to the gradient's size.</param>
    /// <param name="atol">The allowed absolute error (covers float rounding of the loss divided by 2h).</param>
    /// <param name="maxPerTensor">Check at most this many entries per tensor (evenly spaced); 0 checks all.</param>
    public static GradientCheckReport Run(NetworkBase network, ReadOnlySpan<float> input, int batchSize, ReadOnlySpan<float> targets, float step = 5e-3f, double rtol = 1e-2, double atol = 1e-4, int maxPerTensor = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.Forward(input, batchSize);
        network.ZeroGradients();
        network.Backward(targets);
        float[] analytic = network.Gradients.ToArray();
        float[] x = input.ToArray();
        float[] t = targets.ToArray();
        return Compare(network, analytic, () =>
        {
            network.Forward(x, batchSize);
            return network.Loss(t);
        }, step, rtol, atol, maxPerTensor);
    }

    /// <summary>Compares a given analytic gradient with central differences of <paramref name="loss"/>.</summary>
    /// <param name="network">The network whose parameters are perturbed (and restored).</param>
    /// <param name="analytic">The gradient to check, same layout as the parameters.</param>
    /// <param name="loss">Computes the loss at the current parameters.</param>
    /// <param name="step">The finite-difference step h.</param>
    /// <param name="rtol">The allowed error relative to the gradient's size.</param>
    /// <param name="atol">The allowed absolute error (covers float rounding of the loss divided by 2h).</param>
    /// <param name="maxPerTensor">Check at most this many entries per tensor (evenly spaced); 0 checks all.</param>
    public static GradientCheckReport Compare(NetworkBase network, ReadOnlySpan<float> analytic, Func<float> loss, float step = 5e-3f, double rtol = 1e-2, double atol = 1e-4, int maxPerTensor = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        if (analytic.Length != network.ParameterCount)
        {
            throw new ArgumentException($"The analytic gradient has {analytic.Length} entries but the network has {network.ParameterCount} parameters.", nameof(analytic));
        }

        // Every evaluation must see the same function: reuse the masks of the analytic pass, and keep running
        // statistics (which a training-mode forward updates) as they were.
        bool frozen = network.FreezeRandomness;
        network.FreezeRandomness = true;
        float[] buffers = network.Buffers.ToArray();
        try
        {
            return CompareCore(network, analytic, loss, step, rtol, atol, maxPerTensor);
        }
        finally
        {
            network.FreezeRandomness = frozen;
            buffers.CopyTo(network.Buffers);
        }
    }

    private static GradientCheckReport CompareCore(NetworkBase network, ReadOnlySpan<float> analytic, Func<float> loss, float step, double rtol, double atol, int maxPerTensor)
    {
        var rows = new List<TensorGradientCheck>();
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            int stride = maxPerTensor > 0 && tensor.Length > maxPerTensor ? tensor.Length / maxPerTensor : 1;
            double maxRelative = 0, worstScore = -1, worstA = 0, worstN = 0;
            int worstIndex = 0, count = 0, failures = 0;
            for (int i = 0; i < tensor.Length; i += stride)
            {
                int p = tensor.Offset + i;
                float saved = network.Parameters[p];
                network.Parameters[p] = saved + step;
                double plus = loss();
                network.Parameters[p] = saved - step;
                double minus = loss();
                network.Parameters[p] = saved;
                double numerical = (plus - minus) / (2.0 * step);
                double a = analytic[p];
                double size = Math.Max(Math.Abs(a), Math.Abs(numerical));
                double error = Math.Abs(a - numerical);
                double score = error / (atol + (rtol * size)); // > 1 fails
                count++;
                if (size > atol)
                {
                    maxRelative = Math.Max(maxRelative, error / size);
                }

                if (!(score <= 1))
                {
                    failures++;
                    score = double.IsNaN(score) ? double.PositiveInfinity : score;
                }

                if (score > worstScore)
                {
                    (worstScore, worstIndex, worstA, worstN) = (score, i, a, numerical);
                }
            }

            rows.Add(new TensorGradientCheck(tensor.Name, count, maxRelative, failures, worstIndex, worstA, worstN));
        }

        return new GradientCheckReport(rows, rtol, atol);
    }
}
