using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Data;

/// <summary>
/// A dataset held in memory: <see cref="Count"/> samples of <see cref="FeatureCount"/> floats in one flat buffer (sample
/// after sample), and either one class label per sample with the number of classes and their names (classification)
/// or <see cref="TargetCount"/> float targets per sample (regression, see <see cref="HasTargets"/>).
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[]? _targets;
    private readonly int _count;
    private readonly int[] _featureShape;
    private readonly string[] _classNames;

    /// <summary>Creates a dataset over the given buffers (not copied) after checking their sizes and labels.</summary>
    /// <param name="features">The features, <c>count × featureCount</c> floats, sample after sample.</param>
    /// <param name="labels">One class index per sample, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="featureShape">The shape of one sample, e.g. [1, 28, 28]; its product is the feature count.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="classNames">One name per class, or null for the names "0", "1", ….</param>
    public Dataset(float[] features, int[] labels, int[] featureShape, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        long featureCount = CheckShape(featureShape);
        if (featureCount * labels.Length != features.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} samples of shape [{string.Join(", ", featureShape)}] need {featureCount * labels.Length} floats but the buffer holds {features.Length}.",
                nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i} has label {labels[i]}, outside the {classCount} classes [0, {classCount - 1}].", nameof(labels));
            }
        }

        string[] names;
        if (classNames is null)
        {
            names = new string[classCount];
            for (int c = 0; c < classCount; c++)
            {
                names[c] = c.ToString(CultureInfo.InvariantCulture);
            }
        }
        else
        {
            if (classNames.Count != classCount)
            {
                throw new ArgumentException($"{classNames.Count} class names were given for {classCount} classes.", nameof(classNames));
            }

            names = new string[classCount];
            for (int c = 0; c < classCount; c++)
            {
                names[c] = classNames[c];
            }
        }

        _features = features;
        _labels = labels;
        _count = labels.Length;
        _featureShape = (int[])featureShape.Clone();
        _classNames = names;
        FeatureCount = (int)featureCount;
        ClassCount = classCount;
    }

    /// <summary>
    /// Creates a regression dataset over the given buffers (not copied): <paramref name="targetCount"/> float targets per
    /// sample, which a network with a <c>[MeanSquaredError]</c> head of as many outputs is trained to predict.
    /// </summary>
    /// <param name="features">The features, <c>count × featureCount</c> floats, sample after sample.</param>
    /// <param name="targets">The targets, <c>count × targetCount</c> finite floats, sample after sample.</param>
    /// <param name="featureShape">The shape of one sample, e.g. [8]; its product is the feature count.</param>
    /// <param name="targetCount">The number of targets per sample (the network's output size); 1 for a single value.</param>
    public Dataset(float[] features, float[] targets, int[] featureShape, int targetCount = 1)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetCount);
        long featureCount = CheckShape(featureShape);
        if (targets.Length % targetCount != 0)
        {
            throw new ArgumentException($"The {targets.Length} targets are not a whole number of samples of {targetCount} targets.", nameof(targets));
        }

        int count = targets.Length / targetCount;
        if (featureCount * count != features.Length)
        {
            throw new ArgumentException(
                $"{count} samples of shape [{string.Join(", ", featureShape)}] need {featureCount * count} floats but the buffer holds {features.Length}.",
                nameof(features));
        }

        for (int i = 0; i < targets.Length; i++)
        {
            if (!float.IsFinite(targets[i]))
            {
                throw new ArgumentException($"Sample {i / targetCount} has the non-finite target {targets[i]} (target {i % targetCount}).", nameof(targets));
            }
        }

        _features = features;
        _labels = Array.Empty<int>();
        _targets = targets;
        _count = count;
        _featureShape = (int[])featureShape.Clone();
        _classNames = Array.Empty<string>();
        FeatureCount = (int)featureCount;
        TargetCount = targetCount;
    }

    private static long CheckShape(int[] featureShape)
    {
        if (featureShape.Length == 0)
        {
            throw new ArgumentException("The feature shape needs at least one dimension.", nameof(featureShape));
        }

        long featureCount = 1;
        foreach (int size in featureShape)
        {
            if (size <= 0)
            {
                throw new ArgumentException($"The feature shape [{string.Join(", ", featureShape)}] has a non-positive dimension.", nameof(featureShape));
            }

            featureCount *= size;
        }

        return featureCount;
    }

    /// <summary>The number of samples.</summary>
    public int Count => _count;

    /// <summary>Whether the samples carry float targets (regression) rather than class labels.</summary>
    public bool HasTargets => _targets is not null;

    /// <summary>The number of float targets per sample (0 for a classification dataset).</summary>
    public int TargetCount { get; }

    /// <summary>All targets, <c>Count × TargetCount</c> floats (empty for a classification dataset).</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>The number of floats in one sample (the product of <see cref="FeatureShape"/>).</summary>
    public int FeatureCount { get; }

    /// <summary>The shape of one sample, e.g. [1, 28, 28] for a grey-scale image.</summary>
    public ReadOnlySpan<int> FeatureShape => _featureShape;

    /// <summary>The number of classes (0 for a regression dataset).</summary>
    public int ClassCount { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>All features, <c>Count × FeatureCount</c> floats; writable so that preprocessing can work in place.</summary>
    public Span<float> Features => _features;

    /// <summary>All labels, one per sample (empty for a regression dataset).</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of one sample.</summary>
    /// <param name="index">The sample's index.</param>
    public Span<float> GetFeatures(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>The targets of one sample of a regression dataset.</summary>
    /// <param name="index">The sample's index.</param>
    /// <exception cref="InvalidOperationException">The dataset has class labels, not targets.</exception>
    public ReadOnlySpan<float> GetTargets(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        if (_targets is null)
        {
            throw new InvalidOperationException("The dataset has class labels, not float targets.");
        }

        return _targets.AsSpan(index * TargetCount, TargetCount);
    }

    /// <summary>Builds a dataset from IDX images and labels, scaling each byte to [0, 1] by dividing by 255.</summary>
    /// <param name="images">A 3-D image array [count, rows, columns].</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="classNames">One name per class, or null.</param>
    /// <returns>A dataset whose samples have shape [1, rows, columns].</returns>
    public static Dataset FromImages(IdxArray images, ReadOnlySpan<byte> labels, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dimensions.Rank != 3)
        {
            throw new ArgumentException($"Images are a 3-D array [count, rows, columns], not {images.Dimensions.Rank}-D.", nameof(images));
        }

        int count = images.Dimensions[0];
        if (labels.Length != count)
        {
            throw new ArgumentException($"There are {count} images but {labels.Length} labels.", nameof(labels));
        }

        var features = new float[images.Data.Length];
        ScaleBytes(images.Data, features);
        var intLabels = new int[count];
        for (int i = 0; i < count; i++)
        {
            intLabels[i] = labels[i];
        }

        return new Dataset(features, intLabels, [1, images.Dimensions[1], images.Dimensions[2]], classCount, classNames);
    }

    /// <summary>Converts bytes to floats in [0, 1] (each byte divided by 255).</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="destination">The floats, same length.</param>
    public static void ScaleBytes(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length != source.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats for {source.Length} bytes.", nameof(destination));
        }

        const float scale = 1f / 255f;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i] * scale;
        }
    }

    /// <summary>A copy of the samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    /// <param name="start">The first sample.</param>
    /// <param name="count">The number of samples.</param>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Samples [{start}, {start + count}) run past the {Count} samples.");
        }

        float[] features = _features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray();
        if (_targets is not null)
        {
            return new Dataset(features, _targets.AsSpan(start * TargetCount, count * TargetCount).ToArray(), _featureShape, TargetCount);
        }

        int[] labels = _labels.AsSpan(start, count).ToArray();
        return new Dataset(features, labels, _featureShape, ClassCount, _classNames);
    }

    /// <summary>A copy of the samples at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">The sample indices; repeats are allowed.</param>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[indices.Length * FeatureCount];
        if (_targets is not null)
        {
            int t = TargetCount;
            var targets = new float[indices.Length * t];
            for (int i = 0; i < indices.Length; i++)
            {
                int index = indices[i];
                GetFeatures(index).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
                _targets.AsSpan(index * t, t).CopyTo(targets.AsSpan(i * t, t));
            }

            return new Dataset(features, targets, _featureShape, t);
        }

        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            GetFeatures(index).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = _labels[index];
        }

        return new Dataset(features, labels, _featureShape, ClassCount, _classNames);
    }

    /// <summary>
    /// Splits off a random validation set of <paramref name="validationCount"/> samples; the remaining samples form the
    /// training set. Both keep the original order of their samples, and the same seed always gives the same split.
    /// </summary>
    /// <param name="validationCount">The number of validation samples, in [0, <see cref="Count"/>].</param>
    /// <param name="seed">The seed of the random choice.</param>
    /// <returns>The training part and the validation part.</returns>
    public (Dataset Train, Dataset Validation) Split(int validationCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validationCount, Count);
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new Rng(seed).Shuffle(order);
        int[] validation = order[..validationCount];
        int[] train = order[validationCount..];
        Array.Sort(validation);
        Array.Sort(train);
        return (Subset(train), Subset(validation));
    }

    /// <summary>How many samples each class has.</summary>
    /// <returns>One count per class, indexed by label.</returns>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
