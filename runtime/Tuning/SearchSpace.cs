using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen.Tuning;

/// <summary>
/// Named hyperparameters and the values each may take, in declaration order, e.g.
/// <c>new SearchSpace { { "lr", new LogUniform(1e-4, 1e-1) }, { "dropout", new Choice(0, 0.25, 0.5) } }</c>.
/// </summary>
public sealed class SearchSpace : IEnumerable<KeyValuePair<string, SearchRange>>
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, SearchRange> _ranges = new(StringComparer.Ordinal);

    /// <summary>The hyperparameter names, in declaration order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The number of hyperparameters.</summary>
    public int Count => _names.Count;

    /// <summary>The range of hyperparameter <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    public SearchRange this[string name] => _ranges.TryGetValue(name, out SearchRange? range)
        ? range
        : throw new KeyNotFoundException($"The search space has no hyperparameter '{name}'; it has {string.Join(", ", _names)}.");

    /// <summary>Adds a hyperparameter.</summary>
    /// <param name="name">Letters, digits, '_', '.' or '-', unique, and none of the result table's column names.</param>
    /// <param name="range">Its values.</param>
    public void Add(string name, SearchRange range)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(range);
        if (!_ranges.TryAdd(name, range))
        {
            throw new ArgumentException($"The search space already has a hyperparameter '{name}'.", nameof(name));
        }

        _names.Add(name);
    }

    /// <summary>Every combination of the grid values (choices and <paramref name="pointsPerRange"/> values per continuous range); the first hyperparameter varies slowest.</summary>
    /// <param name="pointsPerRange">How many values each <see cref="Uniform"/> or <see cref="LogUniform"/> range contributes.</param>
    public IReadOnlyList<TrialParameters> Grid(int pointsPerRange = 3)
    {
        var axes = new IReadOnlyList<double>[_names.Count];
        long total = 1;
        for (int d = 0; d < axes.Length; d++)
        {
            axes[d] = _ranges[_names[d]].GridValues(pointsPerRange);
            total = checked(total * axes[d].Count);
        }

        if (total > 1_000_000)
        {
            throw new ArgumentException($"The grid has {total} points; use random search for spaces this large.", nameof(pointsPerRange));
        }

        var trials = new List<TrialParameters>((int)total);
        var index = new int[axes.Length];
        for (long t = 0; t < total; t++)
        {
            var values = new double[axes.Length];
            for (int d = 0; d < axes.Length; d++)
            {
                values[d] = axes[d][index[d]];
            }

            trials.Add(new TrialParameters((int)t, _names.ToArray(), values));
            for (int d = axes.Length - 1; d >= 0; d--)
            {
                if (++index[d] < axes[d].Count)
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return trials;
    }

    /// <summary>Draws <paramref name="count"/> independent trials; the same seed gives the same trials everywhere.</summary>
    /// <param name="count">The number of trials.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="firstIndex">The <see cref="TrialParameters.Index"/> of the first trial.</param>
    public IReadOnlyList<TrialParameters> Sample(int count, long seed, int firstIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Rng(seed, stream: 0x5345_4152); // "SEAR"
        var trials = new List<TrialParameters>(count);
        for (int t = 0; t < count; t++)
        {
            var values = new double[_names.Count];
            for (int d = 0; d < values.Length; d++)
            {
                values[d] = _ranges[_names[d]].Sample(rng);
            }

            trials.Add(new TrialParameters(firstIndex + t, _names.ToArray(), values));
        }

        return trials;
    }

    /// <summary>
    /// The coarse-then-fine step: a space whose ranges are narrowed around the <paramref name="topK"/> best trials
    /// (diverged ones never count): log ranges span the best values in log scale, uniform ranges in linear scale, both
    /// padded by <paramref name="padding"/> of the old width and clipped to it; choices keep the values the best used.
    /// </summary>
    /// <param name="results">The trials of the coarse search.</param>
    /// <param name="topK">How many of the best trials to span; positive.</param>
    /// <param name="padding">The fraction of each old range's width added on both sides.</param>
    /// <exception cref="InvalidOperationException">No trial finished without diverging.</exception>
    public SearchSpace Refine(IEnumerable<TrialResult> results, int topK, double padding = 0.1)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        if (!(padding >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding must be zero or more.");
        }

        IReadOnlyList<TrialResult> best = SearchResults.Rank(results, topK);
        if (best.Count == 0)
        {
            throw new InvalidOperationException("Every trial diverged, so there is nothing to refine around.");
        }

        var refined = new SearchSpace();
        foreach (string name in _names)
        {
            var values = new double[best.Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = best[i].Parameters[name];
            }

            refined.Add(name, _ranges[name].Narrow(values, padding));
        }

        return refined;
    }

    /// <summary>Returns an enumerator over the (name, range) pairs in declaration order.</summary>
    public IEnumerator<KeyValuePair<string, SearchRange>> GetEnumerator()
    {
        foreach (string name in _names)
        {
            yield return new KeyValuePair<string, SearchRange>(name, _ranges[name]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One line per hyperparameter: its name and range.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (string name in _names)
        {
            sb.Append(name).Append(" ~ ").Append(_ranges[name]).Append('\n');
        }

        return sb.ToString();
    }

    internal static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                throw new ArgumentException($"The hyperparameter name '{name}' may hold only ASCII letters, digits, '_', '.' and '-' (it becomes a CSV column).", nameof(name));
            }
        }

        if (Array.IndexOf(SearchResults.FixedColumns, name) >= 0)
        {
            throw new ArgumentException($"'{name}' is a column of the results table; choose another hyperparameter name.", nameof(name));
        }
    }
}

/// <summary>The hyperparameter values of one trial, read by name in the trial's build callback.</summary>
public sealed class TrialParameters
{
    private readonly string[] _names;
    private readonly double[] _values;

    /// <summary>Creates a trial's values; <paramref name="names"/> and <paramref name="values"/> pair up by index.</summary>
    /// <param name="index">The trial's number in its search.</param>
    /// <param name="names">The hyperparameter names.</param>
    /// <param name="values">Their values.</param>
    public TrialParameters(int index, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Count != values.Count)
        {
            throw new ArgumentException($"{names.Count} names but {values.Count} values.", nameof(values));
        }

        Index = index;
        _names = new string[names.Count];
        _values = new double[values.Count];
        for (int i = 0; i < _names.Length; i++)
        {
            _names[i] = names[i];
            _values[i] = values[i];
        }
    }

    /// <summary>The trial's number in its search (also a convenient seed).</summary>
    public int Index { get; }

    /// <summary>The hyperparameter names, in the search space's order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The values, in <see cref="Names"/> order.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>The value of hyperparameter <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    public double this[string name]
    {
        get
        {
            int i = Array.IndexOf(_names, name);
            return i >= 0 ? _values[i] : throw new KeyNotFoundException($"The trial has no hyperparameter '{name}'; it has {string.Join(", ", _names)}.");
        }
    }

    /// <summary>The value of <paramref name="name"/> as a float (for learning rates and the like).</summary>
    /// <param name="name">The name.</param>
    public float GetSingle(string name) => (float)this[name];

    /// <summary>The value of <paramref name="name"/> rounded to the nearest integer (for counts and choice indices).</summary>
    /// <param name="name">The name.</param>
    public int GetInt32(string name) => checked((int)Math.Round(this[name], MidpointRounding.AwayFromZero));

    /// <summary>The values as <c>name=value</c> pairs.</summary>
    public override string ToString()
    {
        var parts = new string[_names.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = _names[i] + "=" + _values[i].ToString("G6", CultureInfo.InvariantCulture);
        }

        return string.Join(", ", parts);
    }
}
