using System;
using NetGen.Training;

namespace NetGen.Data;

/// <summary>
/// Mixup (Zhang et al. 2018): draws λ ~ Beta(α, α) once per batch and a random permutation π of the batch, then
/// replaces every sample i and its targets by <c>λ·x[i] + (1 − λ)·x[π(i)]</c> and <c>λ·t[i] + (1 − λ)·t[π(i)]</c>.
/// The targets it blends are the ones it receives (one-hot labels, or the output of an earlier transform such as label
/// smoothing), so they still sum to 1. Works on any sample shape.
/// </summary>
public sealed class Mixup : IBatchTransform
{
    // Samples are blended along the cycles of π, in chunks of this many floats saved on the stack.
    private const int ChunkSize = 256;

    private readonly int[] _partners;
    private readonly bool[] _done;
    private int _lastBatchSize;

    /// <summary>Creates the transform.</summary>
    /// <param name="alpha">The Beta(α, α) parameter; positive. Small values (0.1–0.4) keep most λ near 0 or 1.</param>
    /// <param name="maxBatchSize">The largest batch it will see; its permutation buffers are allocated here.</param>
    public Mixup(float alpha, int maxBatchSize = 1024)
    {
        if (!(alpha > 0) || !float.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The mixup α must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        Alpha = alpha;
        MaxBatchSize = maxBatchSize;
        _partners = new int[maxBatchSize];
        _done = new bool[maxBatchSize];
    }

    /// <summary>The Beta(α, α) parameter of λ.</summary>
    public float Alpha { get; }

    /// <summary>The largest batch the transform accepts.</summary>
    public int MaxBatchSize { get; }

    /// <summary>Always true: mixup blends the targets.</summary>
    public bool ProducesSoftTargets => true;

    /// <summary>The λ of the last batch: the weight of each sample's own features and targets.</summary>
    public float LastLambda { get; private set; } = 1f;

    /// <summary>The partner π(i) of each sample i of the last batch (a permutation of 0 … batchSize − 1).</summary>
    public ReadOnlySpan<int> LastPartners => _partners.AsSpan(0, _lastBatchSize);

    /// <summary>Blends the batch's samples and targets in place with a random permutation of themselves.</summary>
    /// <param name="features">The batch, batchSize × features floats.</param>
    /// <param name="labels">The labels (the blended targets replace them).</param>
    /// <param name="batchSize">The number of samples, at most <see cref="MaxBatchSize"/>.</param>
    /// <param name="softTargets">batchSize × classes targets, blended in place.</param>
    /// <param name="rng">The random source: first the permutation (Fisher–Yates), then λ.</param>
    public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (batchSize > MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"This Mixup was built for batches of at most {MaxBatchSize} samples.");
        }

        if (features.Length % batchSize != 0 || softTargets.Length % batchSize != 0 || softTargets.Length == 0)
        {
            throw new ArgumentException(
                $"The features ({features.Length} floats) and targets ({softTargets.Length} floats) must each hold a whole, non-zero number of floats per sample for {batchSize} samples.",
                nameof(softTargets));
        }

        int featureCount = features.Length / batchSize;
        int classCount = softTargets.Length / batchSize;

        // π and λ.
        Span<int> partners = _partners.AsSpan(0, batchSize);
        for (int i = 0; i < batchSize; i++)
        {
            partners[i] = i;
        }

        rng.Shuffle(partners);
        float lambda = (float)rng.NextBeta(Alpha, Alpha);
        LastLambda = lambda;
        _lastBatchSize = batchSize;

        // Each cycle i → π(i) → π(π(i)) → … → i of the permutation is blended in place: walking it forwards, sample π(i)
        // is still unchanged when sample i needs it, except at the end, where the cycle's first sample was saved.
        Span<float> saved = stackalloc float[ChunkSize];
        Span<bool> done = _done.AsSpan(0, batchSize);
        done.Clear();
        for (int start = 0; start < batchSize; start++)
        {
            if (done[start])
            {
                continue;
            }

            for (int i = start; !done[i]; i = partners[i])
            {
                done[i] = true;
            }

            if (partners[start] == start)
            {
                continue; // λ·x + (1 − λ)·x is x; leaving it untouched avoids rounding.
            }

            BlendCycle(features, featureCount, partners, start, lambda, saved);
            BlendCycle(softTargets, classCount, partners, start, lambda, saved);
        }
    }

    /// <summary>rows[i] ← λ·rows[i] + (1 − λ)·rows[π(i)] for every i on the cycle through <paramref name="start"/>.</summary>
    private static void BlendCycle(Span<float> rows, int width, ReadOnlySpan<int> partners, int start, float lambda, Span<float> saved)
    {
        float other = 1f - lambda;
        for (int offset = 0; offset < width; offset += saved.Length)
        {
            int length = Math.Min(saved.Length, width - offset);
            Span<float> first = saved[..length];
            rows.Slice((start * width) + offset, length).CopyTo(first);
            int i = start;
            while (true)
            {
                int j = partners[i];
                Span<float> target = rows.Slice((i * width) + offset, length);
                ReadOnlySpan<float> source = j == start ? first : rows.Slice((j * width) + offset, length);
                for (int k = 0; k < length; k++)
                {
                    target[k] = (lambda * target[k]) + (other * source[k]);
                }

                if (j == start)
                {
                    break;
                }

                i = j;
            }
        }
    }
}
