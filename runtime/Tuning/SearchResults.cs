using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetGen.Tuning;

/// <summary>The outcome of one trial of a hyperparameter search.</summary>
/// <param name="Parameters">The trial's hyperparameter values.</param>
/// <param name="ValidationAccuracy">The validation accuracy after training (NaN when the trial diverged).</param>
/// <param name="ValidationLoss">The validation loss after training (NaN when the trial diverged).</param>
/// <param name="TrainLoss">The mean training loss over the last (possibly partial) epoch's steps.</param>
/// <param name="Seconds">The wall-clock time of the trial, evaluation included.</param>
/// <param name="Steps">The optimizer steps taken.</param>
/// <param name="Diverged">Whether training stopped on a non-finite loss or gradient, or ended with a non-finite validation loss.</param>
public sealed record TrialResult(TrialParameters Parameters, double ValidationAccuracy, double ValidationLoss, double TrainLoss, double Seconds, long Steps, bool Diverged)
{
    /// <summary>The trial's number in its search.</summary>
    public int Index => Parameters.Index;

    /// <summary>Whether the trial produced a usable score (it did not diverge and its accuracy is a number).</summary>
    public bool Succeeded => !Diverged && !double.IsNaN(ValidationAccuracy);
}

/// <summary>
/// The trials of a hyperparameter search, in the order they ran, with the ranking (validation accuracy, ties broken
/// by the lower validation loss, then the earlier trial; diverged trials last), a CSV table and a summary.
/// </summary>
public sealed class SearchResults : IReadOnlyList<TrialResult>
{
    /// <summary>The columns every results table has after the hyperparameters (<c>trial</c> comes first).</summary>
    internal static readonly string[] FixedColumns = ["trial", "val_accuracy", "val_loss", "train_loss", "seconds", "steps", "diverged"];

    private readonly List<TrialResult> _trials;

    /// <summary>Creates a results table.</summary>
    /// <param name="parameterNames">The hyperparameter names (the CSV columns between <c>trial</c> and the metrics).</param>
    /// <param name="trials">The trials; each must have exactly these hyperparameters.</param>
    public SearchResults(IReadOnlyList<string> parameterNames, IEnumerable<TrialResult> trials)
    {
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(trials);
        var names = new string[parameterNames.Count];
        for (int i = 0; i < names.Length; i++)
        {
            SearchSpace.CheckName(parameterNames[i]);
            names[i] = parameterNames[i];
        }

        ParameterNames = names;
        _trials = new List<TrialResult>(trials);
        foreach (TrialResult t in _trials)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(trials));
            if (!t.Parameters.Names.SequenceEqualOrdinal(names))
            {
                throw new ArgumentException($"Trial {t.Index} has hyperparameters [{string.Join(", ", t.Parameters.Names)}] but the table has [{string.Join(", ", names)}].", nameof(trials));
            }
        }
    }

    /// <summary>The hyperparameter names.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The number of trials.</summary>
    public int Count => _trials.Count;

    /// <summary>The trial at <paramref name="index"/> in run order.</summary>
    /// <param name="index">The position.</param>
    public TrialResult this[int index] => _trials[index];

    /// <summary>The best trial, or null when every trial diverged.</summary>
    public TrialResult? BestTrial => Rank(_trials, 1) is { Count: > 0 } best ? best[0] : null;

    /// <summary>The <paramref name="count"/> best trials that did not diverge, best first.</summary>
    /// <param name="count">How many.</param>
    public IReadOnlyList<TrialResult> Best(int count) => Rank(_trials, count);

    /// <summary>This table followed by <paramref name="more"/> (e.g. the fine stage after the coarse one).</summary>
    /// <param name="more">Trials with the same hyperparameter names.</param>
    public SearchResults Concat(IEnumerable<TrialResult> more)
    {
        ArgumentNullException.ThrowIfNull(more);
        var all = new List<TrialResult>(_trials);
        all.AddRange(more);
        return new SearchResults(ParameterNames, all);
    }

    /// <summary>The table as CSV: a header <c>trial,{hyperparameters…},val_accuracy,val_loss,train_loss,seconds,steps,diverged</c> and one row per trial, numbers in round-trip invariant format.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.Append("trial");
        foreach (string name in ParameterNames)
        {
            sb.Append(',').Append(name);
        }

        for (int c = 1; c < FixedColumns.Length; c++)
        {
            sb.Append(',').Append(FixedColumns[c]);
        }

        sb.Append('\n');
        foreach (TrialResult t in _trials)
        {
            sb.Append(t.Index.ToString(CultureInfo.InvariantCulture));
            foreach (double v in t.Parameters.Values)
            {
                sb.Append(',').Append(Number(v));
            }

            sb.Append(',').Append(Number(t.ValidationAccuracy))
              .Append(',').Append(Number(t.ValidationLoss))
              .Append(',').Append(Number(t.TrainLoss))
              .Append(',').Append(Number(t.Seconds))
              .Append(',').Append(t.Steps.ToString(CultureInfo.InvariantCulture))
              .Append(',').Append(t.Diverged ? "true" : "false")
              .Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to a file.</summary>
    /// <param name="path">The file.</param>
    public void WriteCsv(string path) => File.WriteAllText(path, ToCsv(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    /// <summary>Parses a table written by <see cref="ToCsv"/>.</summary>
    /// <param name="csv">The CSV text.</param>
    /// <exception cref="FormatException">The text is not such a table; the message names the line.</exception>
    public static SearchResults ParseCsv(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        string[] lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        string[] header = lines[0].Split(',');
        int parameters = header.Length - FixedColumns.Length;
        if (parameters < 0 || header[0] != "trial")
        {
            throw new FormatException("Line 1 is not a search results header (trial,…,diverged).");
        }

        for (int c = 1; c < FixedColumns.Length; c++)
        {
            if (header[parameters + c] != FixedColumns[c])
            {
                throw new FormatException($"Line 1: column {parameters + c + 1} should be '{FixedColumns[c]}' but is '{header[parameters + c]}'.");
            }
        }

        string[] names = header[1..(1 + parameters)];
        var trials = new List<TrialResult>(lines.Length - 1);
        for (int l = 1; l < lines.Length; l++)
        {
            string[] cells = lines[l].Split(',');
            if (cells.Length != header.Length)
            {
                throw new FormatException($"Line {l + 1} has {cells.Length} cells but the header has {header.Length}.");
            }

            var values = new double[parameters];
            for (int p = 0; p < parameters; p++)
            {
                values[p] = ParseDouble(cells[1 + p], l);
            }

            int m = 1 + parameters;
            trials.Add(new TrialResult(
                new TrialParameters(ParseInt(cells[0], l), names, values),
                ParseDouble(cells[m], l),
                ParseDouble(cells[m + 1], l),
                ParseDouble(cells[m + 2], l),
                ParseDouble(cells[m + 3], l),
                long.TryParse(cells[m + 4], NumberStyles.Integer, CultureInfo.InvariantCulture, out long steps) ? steps : throw new FormatException($"Line {l + 1}: '{cells[m + 4]}' is not a step count."),
                cells[m + 5] switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"Line {l + 1}: '{cells[m + 5]}' is not true or false."),
                }));
        }

        return new SearchResults(names, trials);
    }

    /// <summary>Reads a table written by <see cref="WriteCsv"/>.</summary>
    /// <param name="path">The file.</param>
    public static SearchResults ReadCsv(string path) => ParseCsv(File.ReadAllText(path));

    /// <summary>A fixed-width table of the <paramref name="top"/> best trials, with the number of trials and of diverged ones.</summary>
    /// <param name="top">How many trials to list.</param>
    public string Summary(int top = 5)
    {
        var inv = CultureInfo.InvariantCulture;
        int diverged = 0;
        foreach (TrialResult t in _trials)
        {
            diverged += t.Diverged ? 1 : 0;
        }

        var sb = new StringBuilder();
        sb.Append(string.Format(inv, "{0} trials, {1} diverged; best {2}:\n", _trials.Count, diverged, Math.Min(top, _trials.Count - diverged)));
        sb.Append(string.Format(inv, "{0,-6}{1,-10}{2,-10}{3,-10}{4,-9}", "trial", "val_acc", "val_loss", "train", "seconds"));
        foreach (string name in ParameterNames)
        {
            sb.Append(string.Format(inv, "{0,-14}", name));
        }

        sb.Append('\n');
        foreach (TrialResult t in Best(top))
        {
            sb.Append(string.Format(inv, "{0,-6}{1,-10:F4}{2,-10:F4}{3,-10:F4}{4,-9:F2}", t.Index, t.ValidationAccuracy, t.ValidationLoss, t.TrainLoss, t.Seconds));
            foreach (double v in t.Parameters.Values)
            {
                sb.Append(string.Format(inv, "{0,-14:G5}", v));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Returns an enumerator over the trials in run order.</summary>
    public IEnumerator<TrialResult> GetEnumerator() => _trials.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The best <paramref name="count"/> trials that succeeded: highest accuracy, then lowest loss, then earliest.</summary>
    internal static IReadOnlyList<TrialResult> Rank(IEnumerable<TrialResult> trials, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var ok = new List<TrialResult>();
        foreach (TrialResult t in trials)
        {
            if (t.Succeeded)
            {
                ok.Add(t);
            }
        }

        ok.Sort(static (a, b) =>
        {
            int c = b.ValidationAccuracy.CompareTo(a.ValidationAccuracy);
            if (c == 0)
            {
                c = a.ValidationLoss.CompareTo(b.ValidationLoss); // NaN sorts first in CompareTo; losses are finite here
            }

            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        return ok.Count <= count ? ok : ok.GetRange(0, count);
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double ParseDouble(string cell, int line)
        => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new FormatException($"Line {line + 1}: '{cell}' is not a number.");

    private static int ParseInt(string cell, int line)
        => int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new FormatException($"Line {line + 1}: '{cell}' is not a trial number.");
}

/// <summary>Small sequence helpers.</summary>
internal static class SequenceExtensions
{
    public static bool SequenceEqualOrdinal(this IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
