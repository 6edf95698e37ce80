using System;

namespace NetGen.Data;

/// <summary>How a <see cref="Standardizer"/> transforms each feature.</summary>
public enum StandardizerKind
{
    /// <summary><c>(x − mean) / std</c> with one scalar mean and standard deviation over all features of the training set.</summary>
    Global = 0,

    /// <summary><c>x − mean[i]</c>: each feature is centred on its training-set mean; the scale is unchanged.</summary>
    PerFeatureCentering = 1,

    /// <summary><c>(x − mean[i]) / std[i]</c> per feature; features that never vary in training are only centred.</summary>
    PerFeature = 2,
}

/// <summary>
/// Feature standardization fitted on a training set and applied, in place, to any set (training, validation, test,
/// single inputs at inference time). The fitted statistics are exposed so that a checkpoint can store them and
/// <see cref="Standardizer(StandardizerKind, float, float, float[], float[])"/> can restore them.
/// </summary>
public sealed class Standardizer
{
    /// <summary>Standard deviations below this are treated as zero (a constant feature), which is left unscaled.</summary>
    public const float ConstantFeatureThreshold = 1e-6f;

    private readonly float[] _featureMeans;
    private readonly float[] _featureStandardDeviations;

    /// <summary>Restores a standardizer from fitted statistics, e.g. read from a checkpoint.</summary>
    /// <param name="kind">The transform.</param>
    /// <param name="mean">The global mean.</param>
    /// <param name="standardDeviation">The global standard deviation.</param>
    /// <param name="featureMeans">The mean of each feature.</param>
    /// <param name="featureStandardDeviations">The standard deviation of each feature, same length.</param>
    public Standardizer(StandardizerKind kind, float mean, float standardDeviation, float[] featureMeans, float[] featureStandardDeviations)
    {
        ArgumentNullException.ThrowIfNull(featureMeans);
        ArgumentNullException.ThrowIfNull(featureStandardDeviations);
        if (featureMeans.Length != featureStandardDeviations.Length || featureMeans.Length == 0)
        {
            throw new ArgumentException(
                $"Per-feature means ({featureMeans.Length}) and standard deviations ({featureStandardDeviations.Length}) must be non-empty and of the same length.",
                nameof(featureStandardDeviations));
        }

        if (!float.IsFinite(mean) || !float.IsFinite(standardDeviation) || standardDeviation < 0)
        {
            throw new ArgumentException($"The global statistics (mean {mean}, std {standardDeviation}) must be finite, the std non-negative.", nameof(standardDeviation));
        }

        Kind = kind;
        Mean = mean;
        StandardDeviation = standardDeviation;
        _featureMeans = (float[])featureMeans.Clone();
        _featureStandardDeviations = (float[])featureStandardDeviations.Clone();
    }

    /// <summary>The transform that <see cref="Apply(Span{float})"/> performs.</summary>
    public StandardizerKind Kind { get; }

    /// <summary>The mean of all feature values of the training set.</summary>
    public float Mean { get; }

    /// <summary>The (population) standard deviation of all feature values of the training set.</summary>
    public float StandardDeviation { get; }

    /// <summary>The number of features per sample the standardizer was fitted on.</summary>
    public int FeatureCount => _featureMeans.Length;

    /// <summary>The training-set mean of each feature.</summary>
    public ReadOnlySpan<float> FeatureMeans => _featureMeans;

    /// <summary>The training-set (population) standard deviation of each feature.</summary>
    public ReadOnlySpan<float> FeatureStandardDeviations => _featureStandardDeviations;

    /// <summary>Computes the global and per-feature statistics of <paramref name="train"/> (which is not changed).</summary>
    /// <param name="train">The training set.</param>
    /// <param name="kind">The transform to apply later.</param>
    /// <returns>The fitted standardizer.</returns>
    public static Standardizer Fit(Dataset train, StandardizerKind kind = StandardizerKind.Global)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("Cannot fit a standardizer on an empty dataset.", nameof(train));
        }

        int n = train.Count;
        int f = train.FeatureCount;
        ReadOnlySpan<float> x = train.Features;

        // Two passes in double precision: means, then squared deviations from them.
        var sum = new double[f];
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> row = x.Slice(s * f, f);
            for (int i = 0; i < f; i++)
            {
                sum[i] += row[i];
            }
        }

        double total = 0;
        var means = new float[f];
        for (int i = 0; i < f; i++)
        {
            total += sum[i];
            sum[i] /= n;
            means[i] = (float)sum[i];
        }

        double globalMean = total / ((double)n * f);
        var squares = new double[f];
        double globalSquares = 0;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> row = x.Slice(s * f, f);
            for (int i = 0; i < f; i++)
            {
                double d = row[i] - sum[i];
                squares[i] += d * d;
                double g = row[i] - globalMean;
                globalSquares += g * g;
            }
        }

        var stds = new float[f];
        for (int i = 0; i < f; i++)
        {
            stds[i] = (float)Math.Sqrt(squares[i] / n);
        }

        float globalStd = (float)Math.Sqrt(globalSquares / ((double)n * f));
        return new Standardizer(kind, (float)globalMean, globalStd, means, stds);
    }

    /// <summary>Standardizes every sample of <paramref name="dataset"/> in place.</summary>
    /// <param name="dataset">A dataset with <see cref="FeatureCount"/> features per sample.</param>
    public void Apply(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The dataset has {dataset.FeatureCount} features per sample; the standardizer was fitted on {FeatureCount}.", nameof(dataset));
        }

        Apply(dataset.Features);
    }

    /// <summary>Standardizes, in place, one or more samples laid out one after another.</summary>
    /// <param name="features">A whole number of samples of <see cref="FeatureCount"/> floats.</param>
    public void Apply(Span<float> features)
    {
        int f = FeatureCount;
        if (features.Length % f != 0)
        {
            throw new ArgumentException($"{features.Length} floats are not a whole number of samples of {f} features.", nameof(features));
        }

        if (Kind == StandardizerKind.Global)
        {
            float mean = Mean;
            float scale = StandardDeviation < ConstantFeatureThreshold ? 1f : 1f / StandardDeviation;
            for (int i = 0; i < features.Length; i++)
            {
                features[i] = (features[i] - mean) * scale;
            }

            return;
        }

        bool scaled = Kind == StandardizerKind.PerFeature;
        for (int start = 0; start < features.Length; start += f)
        {
            Span<float> row = features.Slice(start, f);
            for (int i = 0; i < f; i++)
            {
                float std = _featureStandardDeviations[i];
                float scale = !scaled || std < ConstantFeatureThreshold ? 1f : 1f / std;
                row[i] = (row[i] - _featureMeans[i]) * scale;
            }
        }
    }
}
