using System;
using System.Collections.Generic;

namespace NetGen.Data;

/// <summary>How a <see cref="Standardizer"/> transforms each feature.</summary>
public enum StandardizerKind
{
    /// <summary><c>(x − mean) / std</c> with one scalar mean and standard deviation over all features of the training set.</summary>
    Global = 0,

    /// <summary>
    /// Mean-image subtraction, <c>x − mean[i]</c>: each feature (pixel of each channel) is centred on its training-set
    /// mean; the scale is unchanged.
    /// </summary>
    PerFeatureCentering = 1,

    /// <summary><c>(x − mean[i]) / std[i]</c> per feature; features that never vary in training are only centred.</summary>
    PerFeature = 2,

    /// <summary>
    /// Per-channel mean subtraction for [C, H, W] samples, <c>x − mean[c]</c>: every value of channel c is centred on
    /// the mean of that channel over all pixels and training samples; the scale is unchanged.
    /// </summary>
    PerChannelCentering = 3,

    /// <summary>
    /// Per-channel standardization for [C, H, W] samples, <c>(x − mean[c]) / std[c]</c> (torchvision's
    /// <c>Normalize(mean, std)</c> with statistics fitted on the training set); constant channels are only centred.
    /// </summary>
    PerChannel = 4,
}

/// <summary>
/// Feature standardization fitted on a training set and applied, in place, to any set (training, validation, test,
/// single inputs at inference time). It fits global, per-feature and per-channel statistics at once and applies the
/// ones its <see cref="Kind"/> names. <see cref="ToState"/> and <see cref="FromState"/> turn the fitted values into
/// named float arrays and back, so that a checkpoint can store them with the model.
/// </summary>
public sealed class Standardizer
{
    /// <summary>Standard deviations below this are treated as zero (a constant feature), which is left unscaled.</summary>
    public const float ConstantFeatureThreshold = 1e-6f;

    /// <summary>The state key of the kind, one float holding the <see cref="StandardizerKind"/> value.</summary>
    public const string KindKey = "kind";

    /// <summary>The state key of the global mean (one float).</summary>
    public const string MeanKey = "mean";

    /// <summary>The state key of the global standard deviation (one float).</summary>
    public const string StandardDeviationKey = "std";

    /// <summary>The state key of the per-feature means.</summary>
    public const string FeatureMeansKey = "feature_means";

    /// <summary>The state key of the per-feature standard deviations.</summary>
    public const string FeatureStandardDeviationsKey = "feature_stds";

    /// <summary>The state key of the per-channel means.</summary>
    public const string ChannelMeansKey = "channel_means";

    /// <summary>The state key of the per-channel standard deviations.</summary>
    public const string ChannelStandardDeviationsKey = "channel_stds";

    private readonly float[] _featureMeans;
    private readonly float[] _featureStandardDeviations;
    private readonly float[] _channelMeans;
    private readonly float[] _channelStandardDeviations;

    /// <summary>
    /// Restores a standardizer from fitted global and per-feature statistics; the samples count as one channel, whose
    /// statistics are the global ones.
    /// </summary>
    /// <param name="kind">The transform.</param>
    /// <param name="mean">The global mean.</param>
    /// <param name="standardDeviation">The global standard deviation.</param>
    /// <param name="featureMeans">The mean of each feature.</param>
    /// <param name="featureStandardDeviations">The standard deviation of each feature, same length.</param>
    public Standardizer(StandardizerKind kind, float mean, float standardDeviation, float[] featureMeans, float[] featureStandardDeviations)
        : this(kind, mean, standardDeviation, featureMeans, featureStandardDeviations, [mean], [standardDeviation])
    {
    }

    /// <summary>Restores a standardizer from all its fitted statistics, e.g. read from a checkpoint.</summary>
    /// <param name="kind">The transform.</param>
    /// <param name="mean">The global mean.</param>
    /// <param name="standardDeviation">The global standard deviation.</param>
    /// <param name="featureMeans">The mean of each feature.</param>
    /// <param name="featureStandardDeviations">The standard deviation of each feature, same length.</param>
    /// <param name="channelMeans">The mean of each channel; the feature count must be a multiple of their number.</param>
    /// <param name="channelStandardDeviations">The standard deviation of each channel, same length.</param>
    public Standardizer(
        StandardizerKind kind,
        float mean,
        float standardDeviation,
        float[] featureMeans,
        float[] featureStandardDeviations,
        float[] channelMeans,
        float[] channelStandardDeviations)
    {
        ArgumentNullException.ThrowIfNull(featureMeans);
        ArgumentNullException.ThrowIfNull(featureStandardDeviations);
        ArgumentNullException.ThrowIfNull(channelMeans);
        ArgumentNullException.ThrowIfNull(channelStandardDeviations);
        if (kind is < StandardizerKind.Global or > StandardizerKind.PerChannel)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown standardizer kind.");
        }

        if (featureMeans.Length != featureStandardDeviations.Length || featureMeans.Length == 0)
        {
            throw new ArgumentException(
                $"Per-feature means ({featureMeans.Length}) and standard deviations ({featureStandardDeviations.Length}) must be non-empty and of the same length.",
                nameof(featureStandardDeviations));
        }

        if (channelMeans.Length != channelStandardDeviations.Length || channelMeans.Length == 0 || featureMeans.Length % channelMeans.Length != 0)
        {
            throw new ArgumentException(
                $"Per-channel means ({channelMeans.Length}) and standard deviations ({channelStandardDeviations.Length}) must be non-empty, of the same length, and divide the {featureMeans.Length} features.",
                nameof(channelStandardDeviations));
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
        _channelMeans = (float[])channelMeans.Clone();
        _channelStandardDeviations = (float[])channelStandardDeviations.Clone();
    }

    /// <summary>The transform that <see cref="Apply(Span{float})"/> performs.</summary>
    public StandardizerKind Kind { get; }

    /// <summary>The mean of all feature values of the training set.</summary>
    public float Mean { get; }

    /// <summary>The (population) standard deviation of all feature values of the training set.</summary>
    public float StandardDeviation { get; }

    /// <summary>The number of features per sample the standardizer was fitted on.</summary>
    public int FeatureCount => _featureMeans.Length;

    /// <summary>The training-set mean of each feature (the mean image, for image data).</summary>
    public ReadOnlySpan<float> FeatureMeans => _featureMeans;

    /// <summary>The training-set (population) standard deviation of each feature.</summary>
    public ReadOnlySpan<float> FeatureStandardDeviations => _featureStandardDeviations;

    /// <summary>The number of channels: the first dimension of [C, H, W] (or [C, L]) samples, 1 for flat samples.</summary>
    public int ChannelCount => _channelMeans.Length;

    /// <summary>The training-set mean of each channel, over all its pixels.</summary>
    public ReadOnlySpan<float> ChannelMeans => _channelMeans;

    /// <summary>The training-set (population) standard deviation of each channel, over all its pixels.</summary>
    public ReadOnlySpan<float> ChannelStandardDeviations => _channelStandardDeviations;

    /// <summary>
    /// Computes the global, per-feature and per-channel statistics of <paramref name="train"/> (which is not changed).
    /// The channels are the first dimension of the sample shape when it has two or more dimensions ([C, H, W]);
    /// flat samples form one channel.
    /// </summary>
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
        int channels = train.FeatureShape.Length >= 2 ? train.FeatureShape[0] : 1;
        int plane = f / channels;
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

        // A channel's statistics follow from its features': its mean is the mean of their means (each feature has n
        // values), its variance the mean of their variances plus the spread of their means around the channel mean.
        var channelMeans = new float[channels];
        var channelStds = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double channelMean = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++)
            {
                channelMean += sum[i];
            }

            channelMean /= plane;
            double variance = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++)
            {
                double d = sum[i] - channelMean;
                variance += (squares[i] / n) + (d * d);
            }

            channelMeans[c] = (float)channelMean;
            channelStds[c] = (float)Math.Sqrt(variance / plane);
        }

        float globalStd = (float)Math.Sqrt(globalSquares / ((double)n * f));
        return new Standardizer(kind, (float)globalMean, globalStd, means, stds, channelMeans, channelStds);
    }

    /// <summary>
    /// The fitted values as named float arrays (copies), for a checkpoint: the keys are the <c>…Key</c> constants of
    /// this class, and the kind is stored as one float holding its enum value.
    /// </summary>
    /// <returns>A new dictionary of new arrays.</returns>
    public IReadOnlyDictionary<string, float[]> ToState() => new Dictionary<string, float[]>
    {
        [KindKey] = [(float)Kind],
        [MeanKey] = [Mean],
        [StandardDeviationKey] = [StandardDeviation],
        [FeatureMeansKey] = (float[])_featureMeans.Clone(),
        [FeatureStandardDeviationsKey] = (float[])_featureStandardDeviations.Clone(),
        [ChannelMeansKey] = (float[])_channelMeans.Clone(),
        [ChannelStandardDeviationsKey] = (float[])_channelStandardDeviations.Clone(),
    };

    /// <summary>Restores a standardizer from the arrays written by <see cref="ToState"/>; keys it does not know are ignored.</summary>
    /// <param name="state">The named arrays.</param>
    /// <returns>A standardizer equal to the one that wrote the state.</returns>
    /// <exception cref="ArgumentException">A key is missing, or a value has the wrong length or is invalid.</exception>
    public static Standardizer FromState(IReadOnlyDictionary<string, float[]> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        float kind = Scalar(state, KindKey);
        StateCheck.Fits(
            kind == MathF.Round(kind) && kind >= (float)StandardizerKind.Global && kind <= (float)StandardizerKind.PerChannel,
            $"The state's '{KindKey}' value {kind} is not a standardizer kind.");

        return new Standardizer(
            (StandardizerKind)(int)kind,
            Scalar(state, MeanKey),
            Scalar(state, StandardDeviationKey),
            Required(state, FeatureMeansKey),
            Required(state, FeatureStandardDeviationsKey),
            Required(state, ChannelMeansKey),
            Required(state, ChannelStandardDeviationsKey));
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

    /// <summary>Standardizes, in place, one or more samples laid out one after another; allocates nothing.</summary>
    /// <param name="features">A whole number of samples of <see cref="FeatureCount"/> floats.</param>
    public void Apply(Span<float> features)
    {
        int f = FeatureCount;
        if (features.Length % f != 0)
        {
            throw new ArgumentException($"{features.Length} floats are not a whole number of samples of {f} features.", nameof(features));
        }

        switch (Kind)
        {
            case StandardizerKind.Global:
            {
                float mean = Mean;
                float scale = Scale(StandardDeviation, scaled: true);
                for (int i = 0; i < features.Length; i++)
                {
                    features[i] = (features[i] - mean) * scale;
                }

                return;
            }

            case StandardizerKind.PerFeatureCentering:
            case StandardizerKind.PerFeature:
            {
                bool scaled = Kind == StandardizerKind.PerFeature;
                for (int start = 0; start < features.Length; start += f)
                {
                    Span<float> row = features.Slice(start, f);
                    for (int i = 0; i < f; i++)
                    {
                        row[i] = (row[i] - _featureMeans[i]) * Scale(_featureStandardDeviations[i], scaled);
                    }
                }

                return;
            }

            default:
            {
                bool scaled = Kind == StandardizerKind.PerChannel;
                int plane = f / ChannelCount;
                for (int start = 0; start < features.Length; start += f)
                {
                    for (int c = 0; c < ChannelCount; c++)
                    {
                        float mean = _channelMeans[c];
                        float scale = Scale(_channelStandardDeviations[c], scaled);
                        Span<float> values = features.Slice(start + (c * plane), plane);
                        for (int i = 0; i < values.Length; i++)
                        {
                            values[i] = (values[i] - mean) * scale;
                        }
                    }
                }

                return;
            }
        }
    }

    private static float Scale(float std, bool scaled) => !scaled || std < ConstantFeatureThreshold ? 1f : 1f / std;

    private static float[] Required(IReadOnlyDictionary<string, float[]> state, string key) =>
        state.TryGetValue(key, out float[]? value) && value is not null
            ? value
            : throw new ArgumentException($"The standardizer state has no '{key}' array.", nameof(state));

    private static float Scalar(IReadOnlyDictionary<string, float[]> state, string key)
    {
        float[] value = Required(state, key);
        StateCheck.Fits(value.Length == 1, $"The standardizer state's '{key}' holds {value.Length} floats instead of one.");
        return value[0];
    }
}
