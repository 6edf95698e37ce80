using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Tuning;

/// <summary>The values one hyperparameter may take in a search: a <see cref="Choice"/>, a <see cref="Uniform"/> or a <see cref="LogUniform"/> range.</summary>
public abstract class SearchRange
{
    private protected SearchRange()
    {
    }

    /// <summary>Draws one value for random search.</summary>
    /// <param name="rng">The search's random source.</param>
    public abstract double Sample(Rng rng);

    /// <summary>The values grid search tries: every choice, or <paramref name="points"/> evenly spaced values of a range.</summary>
    /// <param name="points">How many values a continuous range contributes; positive.</param>
    public abstract IReadOnlyList<double> GridValues(int points);

    /// <summary>Whether <paramref name="value"/> is one this range can produce.</summary>
    /// <param name="value">The value.</param>
    public abstract bool Contains(double value);

    /// <summary>A narrower range around <paramref name="best"/> (the values of the best trials), padded by <paramref name="padding"/> of this range's width and clipped to it.</summary>
    /// <param name="best">The values of the best trials; not empty.</param>
    /// <param name="padding">The fraction of this range's width (in its own scale) added on both sides.</param>
    public abstract SearchRange Narrow(IReadOnlyList<double> best, double padding);

    private protected static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private protected static void CheckPoints(int points) => ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
}

/// <summary>One of a fixed list of values, each equally likely (e.g. dropout 0, 0.25 or 0.5).</summary>
public sealed class Choice : SearchRange
{
    private readonly double[] _values;

    /// <summary>Creates a choice between <paramref name="values"/>.</summary>
    /// <param name="values">The values; at least one, all finite.</param>
    public Choice(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("A choice needs at least one value.", nameof(values));
        }

        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"Choice values must be finite, not {v}.", nameof(values));
            }
        }

        _values = (double[])values.Clone();
    }

    /// <summary>The values.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc />
    public override double Sample(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return _values[rng.NextInt(_values.Length)];
    }

    /// <inheritdoc />
    public override IReadOnlyList<double> GridValues(int points) => _values;

    /// <inheritdoc />
    public override bool Contains(double value) => Array.IndexOf(_values, value) >= 0;

    /// <summary>The choice restricted to the values the best trials used, in the original order.</summary>
    /// <param name="best">The values of the best trials.</param>
    /// <param name="padding">Unused: a choice has no width.</param>
    public override SearchRange Narrow(IReadOnlyList<double> best, double padding)
    {
        ArgumentNullException.ThrowIfNull(best);
        var kept = new List<double>();
        foreach (double v in _values)
        {
            if (!kept.Contains(v) && Contains(best, v))
            {
                kept.Add(v);
            }
        }

        return kept.Count == 0 ? this : new Choice(kept.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => "Choice(" + string.Join(", ", Array.ConvertAll(_values, Format)) + ")";

    private static bool Contains(IReadOnlyList<double> values, double v)
    {
        foreach (double x in values)
        {
            if (x == v)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// What <see cref="Uniform"/> and <see cref="LogUniform"/> share: a range [<see cref="Min"/>, <see cref="Max"/>] that is
/// sampled, gridded and narrowed evenly in its own scale (the values themselves, or their logarithms).
/// </summary>
public abstract class ContinuousRange : SearchRange
{
    private protected ContinuousRange(double min, double max)
    {
        Min = min;
        Max = max;
    }

    /// <summary>The lower end.</summary>
    public double Min { get; }

    /// <summary>The upper end.</summary>
    public double Max { get; }

    /// <summary>Draws a value evenly in the range's scale (clipped to the range against rounding).</summary>
    /// <param name="rng">The search's random source.</param>
    public override double Sample(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double low = ToScale(Min), high = ToScale(Max);
        return Math.Clamp(FromScale(low + (rng.NextDouble() * (high - low))), Min, Max);
    }

    /// <summary>The values grid search tries: <paramref name="points"/> values evenly spaced in the range's scale, from Min to Max.</summary>
    /// <param name="points">How many values; positive.</param>
    public override IReadOnlyList<double> GridValues(int points)
    {
        CheckPoints(points);
        if (points == 1)
        {
            return [Middle()];
        }

        double low = ToScale(Min), high = ToScale(Max);
        var values = new double[points];
        for (int i = 0; i < points; i++)
        {
            values[i] = i == 0 ? Min : i == points - 1 ? Max : FromScale(low + ((high - low) * i / (points - 1)));
        }

        return values;
    }

    /// <inheritdoc />
    public override bool Contains(double value) => value >= Min && value <= Max;

    /// <summary>
    /// A narrower range of the same kind spanning the best trials' values, padded by <paramref name="padding"/> of this
    /// range's width in its scale and clipped to this range.
    /// </summary>
    /// <param name="best">The values of the best trials; not empty.</param>
    /// <param name="padding">The fraction of the width added on both sides.</param>
    public override SearchRange Narrow(IReadOnlyList<double> best, double padding)
    {
        ArgumentNullException.ThrowIfNull(best);
        if (best.Count == 0)
        {
            throw new ArgumentException("Narrowing needs the values of at least one trial.", "values");
        }

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in best)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }

        double pad = padding * (ToScale(Max) - ToScale(Min));
        return Create(Math.Max(Min, FromScale(ToScale(lo) - pad)), Math.Min(Max, FromScale(ToScale(hi) + pad)));
    }

    /// <summary>The range's scale: the value itself, or its logarithm.</summary>
    private protected abstract double ToScale(double value);

    /// <summary>The inverse of <see cref="ToScale"/>.</summary>
    private protected abstract double FromScale(double scaled);

    /// <summary>The single value of a one-point grid: the middle of the range in its scale.</summary>
    private protected abstract double Middle();

    /// <summary>A range of the same kind over [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private protected abstract ContinuousRange Create(double min, double max);
}

/// <summary>A value drawn uniformly from [<see cref="ContinuousRange.Min"/>, <see cref="ContinuousRange.Max"/>] (e.g. dropout 0 to 0.5).</summary>
public sealed class Uniform : ContinuousRange
{
    /// <summary>Creates the range.</summary>
    /// <param name="min">The lower end, finite.</param>
    /// <param name="max">The upper end, finite and at least <paramref name="min"/>.</param>
    public Uniform(double min, double max)
        : base(min, max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
        {
            throw new ArgumentException($"A uniform range needs finite min ≤ max, not [{min}, {max}].", nameof(max));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Uniform({Format(Min)}, {Format(Max)})";

    private protected override double ToScale(double value) => value;

    private protected override double FromScale(double scaled) => scaled;

    private protected override double Middle() => (Min + Max) / 2;

    private protected override ContinuousRange Create(double min, double max) => new Uniform(min, max);
}

/// <summary>
/// A positive value whose logarithm is uniform on [log <see cref="ContinuousRange.Min"/>, log
/// <see cref="ContinuousRange.Max"/>], so that every decade is equally likely: the usual range for learning rates and
/// weight decay.
/// </summary>
public sealed class LogUniform : ContinuousRange
{
    /// <summary>Creates the range.</summary>
    /// <param name="min">The lower end; positive and finite.</param>
    /// <param name="max">The upper end; finite and at least <paramref name="min"/>.</param>
    public LogUniform(double min, double max)
        : base(min, max)
    {
        if (!(min > 0) || !double.IsFinite(max) || max < min)
        {
            throw new ArgumentException($"A log-uniform range needs 0 < min ≤ max < ∞, not [{min}, {max}].", nameof(max));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"LogUniform({Format(Min)}, {Format(Max)})";

    private protected override double ToScale(double value) => Math.Log(value);

    private protected override double FromScale(double scaled) => Math.Exp(scaled);

    private protected override double Middle() => Math.Sqrt(Min * Max);

    private protected override ContinuousRange Create(double min, double max) => new LogUniform(min, max);
}
