using System.Globalization;
using System.Text;
using NetGen.Plotting;

namespace NetGen.Samples.OptimizerComparison;

/// <summary>Turns the runs of a comparison into a markdown table and a PNG of the loss curves.</summary>
public static class Report
{
    /// <summary>A markdown table: one row per optimizer with its settings, final training loss, validation accuracy and time.</summary>
    /// <param name="runs">The runs, in table order.</param>
    public static string MarkdownTable(IReadOnlyList<OptimizerRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| optimizer | settings | final train loss | val accuracy | time (s) |");
        sb.AppendLine("|---|---|---:|---:|---:|");
        foreach (OptimizerRun r in runs)
        {
            sb.AppendLine(string.Create(inv, $"| {r.Contender.Name} | {r.Contender.Settings} | {r.FinalTrainLoss:F4} | {r.ValidationAccuracy:F4} | {r.TrainingTime.TotalSeconds:F1} |"));
        }

        return sb.ToString();
    }

    /// <summary>Plots every optimizer's loss curve into one PNG.</summary>
    /// <param name="runs">The runs, in legend order.</param>
    /// <param name="stepsPerPoint">The steps averaged into one point (for the axis label).</param>
    /// <param name="path">The PNG file; its folder is created.</param>
    public static void SaveLossCurves(IReadOnlyList<OptimizerRun> runs, int stepsPerPoint, string path)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var series = new Dictionary<string, IReadOnlyList<double>>();
        foreach (OptimizerRun r in runs)
        {
            series[r.Contender.Name] = r.LossCurve;
        }

        TrainingPlots.SaveCurves(series, "Training loss, same MLP and initialization", "Mean training loss", path, xLabel: $"Step (×{stepsPerPoint})", width: 1000, height: 600);
    }

    /// <summary>Writes the loss curves as CSV: a <c>step</c> column (the last step of each window), then one column per optimizer.</summary>
    /// <param name="runs">The runs, in column order.</param>
    /// <param name="stepsPerPoint">The steps averaged into one point.</param>
    /// <param name="path">The CSV file.</param>
    public static void WriteLossCurvesCsv(IReadOnlyList<OptimizerRun> runs, int stepsPerPoint, string path)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("step");
        foreach (OptimizerRun r in runs)
        {
            sb.Append(',').Append(r.Contender.Name);
        }

        sb.Append('\n');
        int points = runs.Count == 0 ? 0 : runs.Max(r => r.LossCurve.Count);
        for (int i = 0; i < points; i++)
        {
            sb.Append((i + 1) * stepsPerPoint);
            foreach (OptimizerRun r in runs)
            {
                sb.Append(',');
                if (i < r.LossCurve.Count)
                {
                    sb.Append(r.LossCurve[i].ToString("R", inv));
                }
            }

            sb.Append('\n');
        }

        File.WriteAllText(path, sb.ToString());
    }
}
