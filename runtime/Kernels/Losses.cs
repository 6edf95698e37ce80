using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using static NetGen.Kernels.Losses;

namespace NetGen.Kernels;

/// <summary>The softmax cross-entropy loss head: the mean loss over the batch and its gradient with respect to the logits (the head's forward is <see cref="Softmax.Forward"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SoftmaxCrossEntropy
{
    /// <summary>Mean cross-entropy of softmax(logits) against class labels, computed as <c>logsumexp(z) − z[label]</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="logits">The head's input, batch×classes.</param>
    /// <param name="labels">One class index per sample.</param>
    public static float Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels)
    {
        if (classes is >= 8 and <= 16 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && logits.Length >= batch * classes && labels.Length >= batch)
        {
            return ForwardRows512(batch, classes, logits, labels);
        }

        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> z = logits.Slice(b * classes, classes);
            int label = CheckLabel(labels[b], classes, b);
            total += LogSumExp(z) - z[label];
        }

        return (float)(total / batch);
    }

    /// <summary>
    /// <see cref="Forward(int, int, ReadOnlySpan{float}, ReadOnlySpan{int})"/> for rows of 8 to 16 classes, one row per
    /// 512-bit vector as in <see cref="Softmax.Forward"/>: the row's exps in single precision (within 2 ulp) and their
    /// sum in float, against double exps one by one (64 rows of 10 classes: 4.3 µs, about 1 % of the Fashion MLP's
    /// training step on Zen 5). The loss moves by a few float ulps; its gradient does not depend on it.
    /// </summary>
    private static unsafe float ForwardRows512(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels)
    {
        Vector512<float> mask = GemmDot.TailMask512(classes & 15);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        double total = 0;
        fixed (float* pz = logits)
        {
            for (int b = 0; b < batch; b++)
            {
                int label = CheckLabel(labels[b], classes, b);
                float* row = pz + ((nint)b * classes);
                Vector512<float> z = Avx512F.MaskLoad(row, mask, lowest);
                float max = Softmax.LaneMax(z);
                float sum = Softmax.LaneSum(Softmax.ExpNonPositive512((z - Vector512.Create(max)) & mask) & mask);
                total += max + (float)Math.Log(sum) - row[label];
            }
        }

        return (float)(total / batch);
    }

    /// <summary>Mean cross-entropy of softmax(logits) against target distributions: <c>Σ_c t_c·(logsumexp(z) − z_c)</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="logits">The head's input, batch×classes.</param>
    /// <param name="targets">Target probabilities, batch×classes.</param>
    public static float Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> z = logits.Slice(b * classes, classes);
            ReadOnlySpan<float> t = targets.Slice(b * classes, classes);
            float lse = LogSumExp(z);
            for (int c = 0; c < classes; c++)
            {
                total += t[c] * (lse - z[c]);
            }
        }

        return (float)(total / batch);
    }

    /// <summary>Adds the gradient of the mean cross-entropy against labels, <c>(p − onehot) / batch</c>, to <paramref name="dLogits"/>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="probabilities">The softmax output, batch×classes.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="dLogits">The gradient of the head's input (added to).</param>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, Span<float> dLogits)
    {
        float scale = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            int label = CheckLabel(labels[b], classes, b);
            ReadOnlySpan<float> p = probabilities.Slice(b * classes, classes);
            Span<float> d = dLogits.Slice(b * classes, classes);
            for (int c = 0; c < classes; c++)
            {
                d[c] += p[c] * scale;
            }

            d[label] -= scale;
        }
    }

    /// <summary>Adds the gradient of the mean cross-entropy against target distributions, <c>(p·Σt − t) / batch</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="probabilities">The softmax output, batch×classes.</param>
    /// <param name="targets">Target probabilities, batch×classes.</param>
    /// <param name="dLogits">The gradient of the head's input (added to).</param>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> dLogits)
    {
        float scale = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> p = probabilities.Slice(b * classes, classes);
            ReadOnlySpan<float> t = targets.Slice(b * classes, classes);
            Span<float> d = dLogits.Slice(b * classes, classes);
            float mass = 0f;
            for (int c = 0; c < classes; c++)
            {
                mass += t[c];
            }

            for (int c = 0; c < classes; c++)
            {
                d[c] += ((p[c] * mass) - t[c]) * scale;
            }
        }
    }
}

/// <summary>The mean-squared-error loss head: the mean loss and its gradient with respect to the head's input.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MeanSquaredError
{
    /// <summary>Mean squared error over all batch×outputs values (PyTorch's <c>MSELoss</c> with mean reduction).</summary>
    /// <param name="count">batch × outputs.</param>
    /// <param name="y">The predictions.</param>
    /// <param name="targets">The targets.</param>
    public static float Forward(int count, ReadOnlySpan<float> y, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            float d = y[i] - targets[i];
            total += d * d;
        }

        return (float)(total / count);
    }

    /// <summary>Mean squared error against one-hot encodings of class labels.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="outputs">The outputs per sample.</param>
    /// <param name="y">The predictions, batch×outputs.</param>
    /// <param name="labels">One class index per sample.</param>
    public static float Forward(int batch, int outputs, ReadOnlySpan<float> y, ReadOnlySpan<int> labels)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            int label = CheckLabel(labels[b], outputs, b);
            for (int c = 0; c < outputs; c++)
            {
                float d = y[(b * outputs) + c] - (c == label ? 1f : 0f);
                total += d * d;
            }
        }

        return (float)(total / (batch * outputs));
    }

    /// <summary>Adds the gradient of the mean squared error, <c>2(y − t) / count</c>, to <paramref name="dy"/>.</summary>
    /// <param name="count">batch × outputs.</param>
    /// <param name="y">The predictions.</param>
    /// <param name="targets">The targets.</param>
    /// <param name="dy">The gradient of the predictions (added to).</param>
    public static void Backward(int count, ReadOnlySpan<float> y, ReadOnlySpan<float> targets, Span<float> dy)
    {
        float scale = 2f / count;
        for (int i = 0; i < count; i++)
        {
            dy[i] += (y[i] - targets[i]) * scale;
        }
    }

    /// <summary>Adds the gradient of the mean squared error against one-hot labels to <paramref name="dy"/>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="outputs">The outputs per sample.</param>
    /// <param name="y">The predictions, batch×outputs.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="dy">The gradient of the predictions (added to).</param>
    public static void Backward(int batch, int outputs, ReadOnlySpan<float> y, ReadOnlySpan<int> labels, Span<float> dy)
    {
        float scale = 2f / (batch * outputs);
        for (int b = 0; b < batch; b++)
        {
            int label = CheckLabel(labels[b], outputs, b);
            for (int c = 0; c < outputs; c++)
            {
                int i = (b * outputs) + c;
                dy[i] += (y[i] - (c == label ? 1f : 0f)) * scale;
            }
        }
    }
}

/// <summary>The row helpers of the loss heads.</summary>
internal static class Losses
{
    internal static int CheckLabel(int label, int classes, int sample)
    {
        if ((uint)label >= (uint)classes)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"Sample {sample} has label {label}, outside the {classes} classes [0, {classes - 1}].");
        }

        return label;
    }

    /// <summary>The largest element of a row (−∞ when empty), for the softmax of the loss and of <see cref="Softmax"/>.</summary>
    internal static float Max(ReadOnlySpan<float> z)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z)
        {
            max = MathF.Max(max, v);
        }

        return max;
    }

    internal static float LogSumExp(ReadOnlySpan<float> z)
    {
        float max = Max(z);
        double sum = 0;
        foreach (float v in z)
        {
            sum += Math.Exp(v - max);
        }

        return max + (float)Math.Log(sum);
    }
}
