using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetGen.Training;

/// <summary>
/// Shows training progress on a terminal. Interactively it redraws one status line in place (epoch, a bar, batch,
/// running loss, samples per second, time left) at most every <see cref="RedrawInterval"/>, and ends each epoch with a
/// summary line. When the output is redirected (a log file, CI) it prints only the summary lines, one per epoch:
/// <c>epoch 3/10  loss 0.3121  train acc 0.8874  val loss 0.3502  val acc 0.8731  12.3 s</c>.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int BarWidth = 24;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly TextWriter? _writer;
    private readonly StringBuilder _line = new();
    private long _lastRedraw;
    private int _lastLength;

    /// <summary>Writes to <see cref="Console.Out"/>, redrawing in place unless the console output is redirected.</summary>
    public ConsoleProgress()
        : this(writer: null, interactive: null)
    {
    }

    /// <summary>Writes to <paramref name="writer"/> in the given mode.</summary>
    /// <param name="writer">The destination, or null for <see cref="Console.Out"/> (looked up at each write).</param>
    /// <param name="interactive">
    /// True to redraw a status line in place, false for plain per-epoch lines, or null to decide from
    /// <see cref="Console.IsOutputRedirected"/> (interactive only when writing to the console).
    /// </param>
    public ConsoleProgress(TextWriter? writer, bool? interactive = null)
    {
        _writer = writer;
        Interactive = interactive ?? (writer is null && !Console.IsOutputRedirected);
    }

    /// <summary>Whether a status line is redrawn in place during each epoch.</summary>
    public bool Interactive { get; }

    /// <summary>The shortest time between two redraws of the status line.</summary>
    public TimeSpan RedrawInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    private TextWriter Writer => _writer ?? Console.Out;

    /// <summary>Shows a report: redraws the status line (interactive, throttled) or prints an epoch's summary.</summary>
    /// <param name="value">The report.</param>
    public void Report(TrainingProgress value)
    {
        if (value.Kind == TrainingProgressKind.Warning)
        {
            if (Interactive && _lastLength > 0)
            {
                Writer.Write('\n'); // keep the status line drawn so far
                _lastLength = 0;
            }

            Writer.WriteLine("warning: " + value.Message);
            Writer.Flush();
            return;
        }

        if (value.Kind == TrainingProgressKind.EpochCompleted && value.Metrics is not null)
        {
            string summary = FormatEpoch(value.Metrics, value.Epochs);
            if (Interactive)
            {
                Redraw(summary);
                Writer.Write('\n');
                _lastLength = 0;
            }
            else
            {
                Writer.WriteLine(summary);
            }

            Writer.Flush();
            return;
        }

        if (!Interactive)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (_lastLength > 0 && Stopwatch.GetElapsedTime(_lastRedraw, now) < RedrawInterval)
        {
            return;
        }

        _lastRedraw = now;
        Redraw(FormatStatus(value));
        Writer.Flush();
    }

    /// <summary>The one-line summary of an epoch, as printed at its end.</summary>
    /// <param name="metrics">The epoch's results.</param>
    /// <param name="epochs">The number of epochs of the run.</param>
    public static string FormatEpoch(EpochMetrics metrics, int epochs)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var sb = new StringBuilder();
        sb.Append(Inv, $"epoch {metrics.Epoch}/{epochs}  loss {metrics.TrainLoss:F4}");
        if (!double.IsNaN(metrics.TrainAccuracy))
        {
            sb.Append(Inv, $"  train acc {metrics.TrainAccuracy:F4}");
        }

        if (metrics.ValidationLoss is double validationLoss)
        {
            sb.Append(Inv, $"  val loss {validationLoss:F4}");
        }

        if (metrics.ValidationAccuracy is double validationAccuracy)
        {
            sb.Append(Inv, $"  val acc {validationAccuracy:F4}");
        }

        foreach (KeyValuePair<string, double> metric in metrics.ValidationMetrics)
        {
            sb.Append(Inv, $"  val {metric.Key} {metric.Value:F4}");
        }

        sb.Append(Inv, $"  {metrics.Duration.TotalSeconds:F1} s");
        return sb.ToString();
    }

    /// <summary>The in-place status line for a per-batch report.</summary>
    /// <param name="p">The report.</param>
    public static string FormatStatus(TrainingProgress p)
    {
        int filled = p.BatchesPerEpoch == 0 ? 0 : (int)((long)BarWidth * p.Batch / p.BatchesPerEpoch);
        filled = Math.Clamp(filled, 0, BarWidth);
        var sb = new StringBuilder();
        sb.Append(Inv, $"epoch {p.Epoch}/{p.Epochs} [");
        sb.Append('=', filled);
        if (filled < BarWidth)
        {
            sb.Append('>');
            sb.Append(' ', BarWidth - filled - 1);
        }

        sb.Append(Inv, $"] {p.Batch}/{p.BatchesPerEpoch}  loss {p.Loss:F4}");
        if (!double.IsNaN(p.Accuracy))
        {
            sb.Append(Inv, $"  acc {p.Accuracy:F4}");
        }

        sb.Append(Inv, $"  {p.SamplesPerSecond:N0} samples/s  ETA {FormatDuration(p.EstimatedRemaining)}");
        return sb.ToString();
    }

    private static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1
            ? string.Format(Inv, "{0}:{1:D2}:{2:D2}", (int)t.TotalHours, t.Minutes, t.Seconds)
            : string.Format(Inv, "{0}:{1:D2}", t.Minutes, t.Seconds);

    private void Redraw(string text)
    {
        // Stay within the terminal's width so the line never wraps (a wrapped line cannot be redrawn with \r).
        int width = WindowWidth();
        if (width > 1 && text.Length >= width)
        {
            text = text[..(width - 1)];
        }

        _line.Clear();
        _line.Append('\r').Append(text);
        if (_lastLength > text.Length)
        {
            _line.Append(' ', _lastLength - text.Length);
        }

        _lastLength = text.Length;
        Writer.Write(_line);
    }

    private int WindowWidth()
    {
        if (_writer is not null || Console.IsOutputRedirected)
        {
            return 0;
        }

        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (PlatformNotSupportedException)
        {
            return 0;
        }
    }
}
