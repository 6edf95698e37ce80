using System;
using System.Collections.Generic;
using NetGen.Data;

namespace NetGen.Serialization;

/// <summary>
/// Converts a fitted <see cref="Standardizer"/> to and from named float arrays, the form in which checkpoints store
/// preprocessing statistics (<see cref="Checkpoint.Preprocessing"/>).
/// </summary>
public static class StandardizerStatistics
{
    /// <summary>The arrays describing <paramref name="standardizer"/>, named <c>{prefix}.kind</c>, <c>{prefix}.global</c> (mean, std), <c>{prefix}.mean</c> and <c>{prefix}.std</c>.</summary>
    /// <param name="standardizer">The fitted standardizer.</param>
    /// <param name="prefix">The name prefix, so that several transforms can share one checkpoint.</param>
    public static Dictionary<string, float[]> ToArrays(Standardizer standardizer, string prefix = "standardizer")
    {
        ArgumentNullException.ThrowIfNull(standardizer);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return new Dictionary<string, float[]>(StringComparer.Ordinal)
        {
            [prefix + ".kind"] = [(float)standardizer.Kind],
            [prefix + ".global"] = [standardizer.Mean, standardizer.StandardDeviation],
            [prefix + ".mean"] = standardizer.FeatureMeans.ToArray(),
            [prefix + ".std"] = standardizer.FeatureStandardDeviations.ToArray(),
        };
    }

    /// <summary>Rebuilds the standardizer stored by <see cref="ToArrays"/>.</summary>
    /// <param name="arrays">The named arrays, e.g. <see cref="Checkpoint.Preprocessing"/>.</param>
    /// <param name="prefix">The name prefix used when saving.</param>
    /// <exception cref="KeyNotFoundException">An array is missing.</exception>
    public static Standardizer FromArrays(IReadOnlyDictionary<string, float[]> arrays, string prefix = "standardizer")
    {
        ArgumentNullException.ThrowIfNull(arrays);
        float[] kind = Get(arrays, prefix + ".kind", 1);
        float[] global = Get(arrays, prefix + ".global", 2);
        return new Standardizer((StandardizerKind)(int)kind[0], global[0], global[1], Get(arrays, prefix + ".mean", -1), Get(arrays, prefix + ".std", -1));
    }

    private static float[] Get(IReadOnlyDictionary<string, float[]> arrays, string name, int length)
    {
        if (!arrays.TryGetValue(name, out float[]? values))
        {
            throw new KeyNotFoundException($"The preprocessing statistics have no array '{name}'.");
        }

        if (length >= 0 && values.Length != length)
        {
            throw new ArgumentException($"The preprocessing array '{name}' holds {values.Length} floats instead of {length}.", nameof(arrays));
        }

        return values;
    }
}
