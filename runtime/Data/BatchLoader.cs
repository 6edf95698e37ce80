using System;

namespace NetGen.Data;

/// <summary>One mini-batch gathered by a <see cref="BatchLoader"/>: views of its reused buffers, valid until the next batch.</summary>
public readonly ref struct MiniBatch
{
    /// <summary>Creates a view of a gathered batch.</summary>
    /// <param name="index">The batch's position in the epoch (0-based).</param>
    /// <param name="features">The features, <c>size × featureCount</c> floats.</param>
    /// <param name="labels">The labels, <c>size</c> values.</param>
    /// <param name="indices">The dataset indices of the samples, <c>size</c> values.</param>
    public MiniBatch(int index, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> indices)
    {
        Index = index;
        Features = features;
        Labels = labels;
        Indices = indices;
    }

    /// <summary>Creates a view of a gathered batch of a regression dataset.</summary>
    /// <param name="index">The batch's position in the epoch (0-based).</param>
    /// <param name="features">The features, <c>size × featureCount</c> floats.</param>
    /// <param name="labels">The labels, <c>size</c> values (empty for a regression dataset).</param>
    /// <param name="targets">The float targets, <c>size × targetCount</c> values (empty for a classification dataset).</param>
    /// <param name="indices">The dataset indices of the samples, <c>size</c> values.</param>
    public MiniBatch(int index, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, ReadOnlySpan<int> indices)
        : this(index, features, labels, indices)
    {
        Targets = targets;
    }

    /// <summary>The batch's position in the epoch (0-based).</summary>
    public int Index { get; }

    /// <summary>The number of samples; the batch size, or fewer for the last batch of an epoch.</summary>
    public int Size => Indices.Length;

    /// <summary>The features of the samples, one after another.</summary>
    public ReadOnlySpan<float> Features { get; }

    /// <summary>The class label of each sample (empty for a regression dataset).</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>The float targets of the samples, one row after another (empty for a classification dataset).</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>Which dataset samples the batch holds, in order.</summary>
    public ReadOnlySpan<int> Indices { get; }
}

/// <summary>
/// Cuts a dataset into mini-batches without allocating per batch: each epoch it shuffles an index permutation with a
/// seeded <see cref="Rng"/> (when shuffling), then gathers each batch into buffers allocated once. The last batch of an
/// epoch holds the remaining samples, so every sample appears exactly once per epoch.
/// </summary>
/// <example>
/// <code>
/// var loader = new BatchLoader(train, batchSize: 64, new Rng(seed));
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     foreach (MiniBatch batch in loader.NextEpoch())
///     {
///         network.Forward(batch.Features, batch.Size);
///         …
///     }
/// }
/// </code>
/// </example>
public sealed class BatchLoader
{
    private readonly Rng? _rng;
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private readonly int[] _indices;
    private int _next;
    private int _batchIndex = -1;
    private int _currentSize;

    /// <summary>Creates a loader and its buffers.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">The largest number of samples per batch; positive.</param>
    /// <param name="rng">The random source of the shuffles, or null to keep the dataset's order.</param>
    public BatchLoader(Dataset dataset, int batchSize, Rng? rng)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = dataset;
        BatchSize = batchSize;
        _rng = rng;
        _order = new int[dataset.Count];
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        int capacity = Math.Min(batchSize, Math.Max(dataset.Count, 1));
        _features = new float[capacity * dataset.FeatureCount];
        _labels = new int[dataset.HasTargets ? 0 : capacity];
        _targets = new float[capacity * dataset.TargetCount];
        _indices = new int[capacity];
        _next = dataset.Count;
    }

    /// <summary>The dataset the batches come from.</summary>
    public Dataset Dataset { get; }

    /// <summary>The largest number of samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether epochs visit the samples in a new random order.</summary>
    public bool Shuffles => _rng is not null;

    /// <summary>The number of batches per epoch, counting a last partial batch.</summary>
    public int BatchesPerEpoch => (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The current epoch's visiting order (dataset indices).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>The batch gathered by the last successful <see cref="MoveNext"/>.</summary>
    public MiniBatch Current => new(
        _batchIndex,
        _features.AsSpan(0, _currentSize * Dataset.FeatureCount),
        _labels.AsSpan(0, Dataset.HasTargets ? 0 : _currentSize),
        _targets.AsSpan(0, _currentSize * Dataset.TargetCount),
        _indices.AsSpan(0, _currentSize));

    /// <summary>
    /// Starts an epoch: resets the order to 0, 1, …, N−1 and, when shuffling, permutes it with the generator, so the order
    /// depends only on the generator's state (which a checkpoint can save).
    /// </summary>
    public void StartEpoch()
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        _rng?.Shuffle(_order);
        _next = 0;
        _batchIndex = -1;
        _currentSize = 0;
    }

    /// <summary>Gathers the next batch of the epoch into the buffers.</summary>
    /// <returns>False when the epoch has no samples left.</returns>
    public bool MoveNext()
    {
        int count = Dataset.Count;
        if (_next >= count)
        {
            _currentSize = 0;
            return false;
        }

        int size = Math.Min(BatchSize, count - _next);
        int f = Dataset.FeatureCount;
        ReadOnlySpan<float> source = Dataset.Features;
        ReadOnlySpan<int> labels = Dataset.Labels;
        ReadOnlySpan<float> targets = Dataset.Targets;
        int t = Dataset.TargetCount;
        Span<float> features = _features;
        for (int j = 0; j < size; j++)
        {
            int index = _order[_next + j];
            source.Slice(index * f, f).CopyTo(features.Slice(j * f, f));
            if (t == 0)
            {
                _labels[j] = labels[index];
            }
            else
            {
                targets.Slice(index * t, t).CopyTo(_targets.AsSpan(j * t, t));
            }

            _indices[j] = index;
        }

        _next += size;
        _batchIndex++;
        _currentSize = size;
        return true;
    }

    /// <summary>Starts an epoch (see <see cref="StartEpoch"/>) and returns its batches for a <c>foreach</c> loop.</summary>
    public Epoch NextEpoch()
    {
        StartEpoch();
        return new Epoch(this);
    }

    /// <summary>The batches of one epoch, enumerable with <c>foreach</c> without allocating.</summary>
    public readonly struct Epoch
    {
        private readonly BatchLoader _loader;

        internal Epoch(BatchLoader loader) => _loader = loader;

        /// <summary>Returns the enumerator over the epoch's batches.</summary>
        public Enumerator GetEnumerator() => new(_loader);
    }

    /// <summary>Enumerates the batches of an epoch; each <see cref="Current"/> is valid until the next <see cref="MoveNext"/>.</summary>
    public struct Enumerator
    {
        private readonly BatchLoader _loader;

        internal Enumerator(BatchLoader loader) => _loader = loader;

        /// <summary>The current batch.</summary>
        public readonly MiniBatch Current => _loader.Current;

        /// <summary>Gathers the next batch.</summary>
        /// <returns>False at the end of the epoch.</returns>
        public readonly bool MoveNext() => _loader.MoveNext();
    }
}
