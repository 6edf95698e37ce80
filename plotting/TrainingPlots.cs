using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NetGen.Training;
using ScottPlot;

namespace NetGen.Plotting;

/// <summary>One panel of a histogram grid: a title and the values to count.</summary>
/// <param name="Title">The panel's title, e.g. the layer's name.</param>
/// <param name="Values">The values; NaN and infinities are left out and their number shown in the title.</param>
public sealed record HistogramPanel(string Title, ReadOnlyMemory<float> Values);

/// <summary>The counts of a histogram with equal-width bins over [<see cref="Min"/>, <see cref="Max"/>].</summary>
/// <param name="Min">The lower edge of the first bin.</param>
/// <param name="Max">The upper edge of the last bin.</param>
/// <param name="Counts">The number of values in each bin; the last bin includes <see cref="Max"/>.</param>
/// <param name="NonFinite">How many values were NaN or infinite and were left out.</param>
public sealed record HistogramBins(double Min, double Max, long[] Counts, long NonFinite)
{
    /// <summary>The width of one bin.</summary>
    public double BinWidth => (Max - Min) / Counts.Length;

    /// <summary>Counts <paramref name="values"/> into <paramref name="bins"/> equal bins spanning their finite range (±0.5 around a constant).</summary>
    /// <param name="values">The values.</param>
    /// <param name="bins">The number of bins; at least 1.</param>
    public static HistogramBins Compute(ReadOnlySpan<float> values, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long nonFinite = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                nonFinite++;
                continue;
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (min > max)
        {
            (min, max) = (-0.5, 0.5); // no finite value
        }
        else if (min == max)
        {
            (min, max) = (min - 0.5, max + 0.5); // a constant (e.g. zero-initialized biases)
        }

        var counts = new long[bins];
        double scale = bins / (max - min);
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                int bin = (int)((v - min) * scale);
                counts[Math.Clamp(bin, 0, bins - 1)]++;
            }
        }

        return new HistogramBins(min, max, counts, nonFinite);
    }
}

/// <summary>
/// Saves PNG plots of training runs: train and validation loss or accuracy per epoch, several named curves for
/// comparisons (optimizers, learning rates), and histograms of values such as one layer's weights or activations, alone
/// or as a grid over several layers (for a weight-initialization study).
/// </summary>
public static class TrainingPlots
{
    /// <summary>The default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>The default image height in pixels.</summary>
    public const int DefaultHeight = 500;

    /// <summary>Plots the training loss and (when the run had a validation set) the validation loss per epoch.</summary>
    /// <param name="history">The run's history.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveLossCurves(TrainingHistory history, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        SaveCurves(EpochSeries(history, m => m.TrainLoss, m => m.ValidationLoss), "Loss", "Loss per sample", path, "Epoch", width, height);
    }

    /// <summary>Plots the training accuracy and (when the run had a validation set) the validation accuracy per epoch.</summary>
    /// <param name="history">The run's history.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveAccuracyCurves(TrainingHistory history, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        SaveCurves(EpochSeries(history, m => m.TrainAccuracy, m => m.ValidationAccuracy), "Accuracy", "Accuracy", path, "Epoch", width, height);
    }

    /// <summary>
    /// Plots named curves against their position (1, 2, …), one line each with a legend, e.g. the validation loss of
    /// several optimizers. Non-finite values are left out of a curve.
    /// </summary>
    /// <param name="series">The curves by name, in legend order.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="yLabel">The vertical axis label.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="xLabel">The horizontal axis label.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveCurves(
        IReadOnlyDictionary<string, IReadOnlyList<double>> series,
        string title,
        string yLabel,
        string path,
        string xLabel = "Epoch",
        int width = DefaultWidth,
        int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(xLabel);
        CheckSize(width, height);
        if (series.Count == 0)
        {
            throw new ArgumentException("There is no curve to plot.", nameof(series));
        }

        var plot = new Plot();
        int index = 0;
        foreach (KeyValuePair<string, IReadOnlyList<double>> curve in series)
        {
            ArgumentNullException.ThrowIfNull(curve.Value, nameof(series));
            var xs = new List<double>(curve.Value.Count);
            var ys = new List<double>(curve.Value.Count);
            for (int i = 0; i < curve.Value.Count; i++)
            {
                double y = curve.Value[i];
                if (double.IsFinite(y))
                {
                    xs.Add(i + 1);
                    ys.Add(y);
                }
            }

            var line = plot.Add.Scatter(xs, ys, Colors.Category10[index % Colors.Category10.Length]);
            line.LegendText = curve.Key;
            line.LineWidth = 2;
            line.MarkerSize = xs.Count <= 60 ? 5 : 0;
            index++;
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, width, height);
    }

    /// <summary>Plots a histogram of <paramref name="values"/>, e.g. one layer's weights or activations.</summary>
    /// <param name="values">The values; NaN and infinities are left out and their number shown in the title.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="bins">The number of equal-width bins.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveHistogram(ReadOnlySpan<float> values, string title, string path, int bins = 50, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(title);
        CheckSize(width, height);
        var plot = new Plot();
        DrawHistogram(plot, values, title, bins, Colors.Category10[0]);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Plots one histogram per panel in a grid (row by row), e.g. the weights or activations of every layer after
    /// an initialization, to see which layers' values collapse to zero or saturate.
    /// </summary>
    /// <param name="panels">The panels, in reading order.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="bins">The number of equal-width bins per histogram.</param>
    /// <param name="columns">The number of panels per row.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveHistogramGrid(IReadOnlyList<HistogramPanel> panels, string path, int bins = 40, int columns = 3, int width = 1200, int height = 800)
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        CheckSize(width, height);
        if (panels.Count == 0)
        {
            throw new ArgumentException("There is no panel to plot.", nameof(panels));
        }

        columns = Math.Min(columns, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        for (int i = 0; i < panels.Count; i++)
        {
            HistogramPanel panel = panels[i] ?? throw new ArgumentException($"Panel {i} is null.", nameof(panels));
            DrawHistogram(multiplot.GetPlot(i), panel.Values.Span, panel.Title, bins, Colors.Category10[i % Colors.Category10.Length]);
        }

        CreateFolder(path);
        multiplot.SavePng(path, width, height);
    }

    /// <summary>
    /// Plots a grid of histograms of the network's parameter tensors of <paramref name="role"/> (by default the weight
    /// matrices and kernels), one panel per tensor titled with its name.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="role">Which tensors to plot.</param>
    /// <param name="bins">The number of bins per histogram.</param>
    /// <param name="columns">The number of panels per row.</param>
    /// <param name="width">The image width in pixels.</param>
    /// <param name="height">The image height in pixels.</param>
    public static void SaveParameterHistograms(NetworkBase network, string path, ParameterRole role = ParameterRole.Weight, int bins = 40, int columns = 3, int width = 1200, int height = 800)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] parameters = network.Parameters.ToArray();
        var panels = new List<HistogramPanel>();
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            if (tensor.Role == role)
            {
                panels.Add(new HistogramPanel(tensor.Name, parameters.AsMemory(tensor.Offset, tensor.Length)));
            }
        }

        if (panels.Count == 0)
        {
            throw new ArgumentException($"{network.GetType().Name} has no {role} tensor.", nameof(role));
        }

        SaveHistogramGrid(panels, path, bins, columns, width, height);
    }

    private static void DrawHistogram(Plot plot, ReadOnlySpan<float> values, string title, int bins, Color color)
    {
        HistogramBins histogram = HistogramBins.Compute(values, bins);
        double binWidth = histogram.BinWidth;
        var bars = new Bar[bins];
        for (int b = 0; b < bins; b++)
        {
            bars[b] = new Bar
            {
                Position = histogram.Min + ((b + 0.5) * binWidth),
                Value = histogram.Counts[b],
                Size = binWidth,
                FillColor = color,
                LineWidth = 0,
            };
        }

        plot.Add.Bars(bars);
        plot.Axes.Margins(bottom: 0);
        CultureInfo inv = CultureInfo.InvariantCulture;
        plot.Title(histogram.NonFinite == 0 ? title : string.Format(inv, "{0} ({1} non-finite left out)", title, histogram.NonFinite));
        plot.XLabel("Value");
        plot.YLabel("Count");
    }

    private static Dictionary<string, IReadOnlyList<double>> EpochSeries(TrainingHistory history, Func<EpochMetrics, double> train, Func<EpochMetrics, double?> validation)
    {
        IReadOnlyList<EpochMetrics> epochs = history.Epochs;
        if (epochs.Count == 0)
        {
            throw new ArgumentException("The history has no epoch.", nameof(history));
        }

        var trainValues = new double[epochs.Count];
        var validationValues = new double[epochs.Count];
        bool anyValidation = false;
        for (int i = 0; i < epochs.Count; i++)
        {
            trainValues[i] = train(epochs[i]);
            double? v = validation(epochs[i]);
            validationValues[i] = v ?? double.NaN;
            anyValidation |= v.HasValue;
        }

        var series = new Dictionary<string, IReadOnlyList<double>> { ["train"] = trainValues };
        if (anyValidation)
        {
            series["validation"] = validationValues;
        }

        return series;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        CreateFolder(path);
        plot.SavePng(path, width, height);
    }

    private static void CreateFolder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static void CheckSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
    }
}
