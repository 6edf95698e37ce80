using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetGen.Training;

/// <summary>
/// Writes a training run's metrics to CSV files: one row per epoch (losses, accuracies, learning rate, duration and,
/// per parameter tensor, the L2 norm of its values and of its last gradient), and optionally one row every
/// <see cref="StepInterval"/> steps (step, loss, learning rate). Numbers use the invariant culture and round-trip.
/// </summary>
/// <remarks>
/// <para>
/// Files only ever end on a complete row: every row is formatted into a buffer allocated at the start and written
/// with one call, the epoch file after each epoch and the step file whenever its buffer fills and at each epoch's end.
/// Both are flushed to the operating system after every epoch, so a crash loses at most the step rows of the
/// current epoch. Writing step rows allocates nothing.
/// </para>
/// <para>
/// When a step's loss or gradients go non-finite the trainer throws <see cref="TrainingDivergedException"/> before that
/// step's update, <see cref="TrainingCallback.OnStepEnd"/> and <see cref="TrainingCallback.OnEpochEnd"/>, and never calls
/// <see cref="OnTrainingEnd"/>: the files hold the finite epochs and steps before it and nothing of the diverged one.
/// Create the logger with <c>using</c> (or call <see cref="Dispose"/>) so that the pending step rows are written and
/// the files closed in that case too. For the same reason, write checkpoints only from
/// <see cref="TrainingCallback.OnEpochEnd"/>, which runs only after a finite epoch: never from a <c>catch</c> of the
/// divergence or after it, when parameters or batch-normalization statistics may already hold NaN or infinity.
/// </para>
/// </remarks>
public sealed class MetricsLogger : TrainingCallback, IDisposable
{
    /// <summary>The columns every epoch file starts with; two columns per parameter tensor follow.</summary>
    public static readonly IReadOnlyList<string> EpochColumns =
        ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "duration_s", "samples_per_s", "train_penalty"];

    /// <summary>The columns of the step file.</summary>
    public static readonly IReadOnlyList<string> StepColumns = ["step", "epoch", "loss", "learning_rate"];

    private const int StepBufferBytes = 1 << 16;
    private const int MaxNumberChars = 32;

    private FileStream? _epochFile;
    private FileStream? _stepFile;
    private char[] _line = Array.Empty<char>();
    private byte[] _lineBytes = Array.Empty<byte>();
    private byte[] _stepBuffer = Array.Empty<byte>();
    private int _stepBuffered;
    private double[] _norms = Array.Empty<double>();
    private IReadOnlyList<string> _metricNames = Array.Empty<string>();

    /// <summary>Creates a logger; the files are created (or appended to) when training starts.</summary>
    /// <param name="path">The epoch CSV file.</param>
    /// <param name="stepPath">The per-step CSV file, or null for none.</param>
    /// <param name="stepInterval">Write a step row every this many steps (when <paramref name="stepPath"/> is set); at least 1.</param>
    /// <param name="append">Append to existing files (for resumed runs; the header is written only to empty files) instead of replacing them.</param>
    public MetricsLogger(string path, string? stepPath = null, int stepInterval = 100, bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (stepPath is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(stepPath);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(stepInterval, 1);
        Path = path;
        StepPath = stepPath;
        StepInterval = stepInterval;
        Append = append;
    }

    /// <summary>The epoch CSV file.</summary>
    public string Path { get; }

    /// <summary>The per-step CSV file, or null.</summary>
    public string? StepPath { get; }

    /// <summary>How many steps lie between two step rows.</summary>
    public int StepInterval { get; }

    /// <summary>Whether existing files are appended to rather than replaced.</summary>
    public bool Append { get; }

    /// <summary>Whether each epoch's flush also asks the operating system to write through to the disk (slower, survives power loss).</summary>
    public bool FlushToDisk { get; init; }

    /// <summary>The epoch file's column names for <paramref name="network"/>: <see cref="EpochColumns"/>, then <c>{tensor}.norm</c> and <c>{tensor}.grad_norm</c> per parameter tensor.</summary>
    /// <param name="network">The network to be trained.</param>
    public static IReadOnlyList<string> ColumnsFor(NetworkBase network) => ColumnsFor(network, Array.Empty<string>());

    /// <summary>
    /// The epoch file's column names: <see cref="EpochColumns"/>, <c>val_{name}</c> per validation metric (see
    /// <see cref="Trainer.ValidationMetricNames"/>), then <c>{tensor}.norm</c> and <c>{tensor}.grad_norm</c> per parameter tensor.
    /// </summary>
    /// <param name="network">The network to be trained.</param>
    /// <param name="validationMetrics">The names of the run's validation metrics.</param>
    public static IReadOnlyList<string> ColumnsFor(NetworkBase network, IReadOnlyList<string> validationMetrics)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(validationMetrics);
        var columns = new List<string>(EpochColumns);
        foreach (string metric in validationMetrics)
        {
            columns.Add("val_" + metric);
        }

        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            columns.Add(tensor.Name + ".norm");
            columns.Add(tensor.Name + ".grad_norm");
        }

        return columns;
    }

    /// <summary>The L2 norm (square root of the sum of squares, accumulated in double precision) of <paramref name="values"/>.</summary>
    /// <param name="values">The values.</param>
    public static double L2Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }

    /// <inheritdoc />
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Close();
        _metricNames = Trainer.ValidationMetricNames(context.Options, context.Train, context.Validation);
        IReadOnlyList<string> columns = ColumnsFor(context.Network, _metricNames);
        int lineChars = 2;
        foreach (string column in columns)
        {
            lineChars += Math.Max(column.Length + 2, MaxNumberChars) + 1;
        }

        _line = new char[lineChars];
        _lineBytes = new byte[Encoding.UTF8.GetMaxByteCount(lineChars)];
        _norms = new double[context.Network.ParameterTensors.Count * 2];
        _epochFile = Open(Path);
        if (_epochFile.Length == 0)
        {
            WriteHeader(_epochFile, columns);
        }

        if (StepPath is not null)
        {
            _stepBuffer = new byte[StepBufferBytes];
            _stepBuffered = 0;
            _stepFile = Open(StepPath);
            if (_stepFile.Length == 0)
            {
                WriteHeader(_stepFile, StepColumns);
            }
        }
    }

    /// <inheritdoc />
    public override void OnStepEnd(TrainingContext context)
    {
        if (_stepFile is null || context.Step % StepInterval != 0)
        {
            return;
        }

        var w = new LineWriter(_line);
        w.Number(context.Step);
        w.Comma();
        w.Number(context.Epoch);
        w.Comma();
        w.Number(context.LastLoss);
        w.Comma();
        w.Number(context.Optimizer.LearningRate);
        w.EndLine();
        int bytes = Encoding.UTF8.GetBytes(_line.AsSpan(0, w.Length), _lineBytes);
        if (_stepBuffered + bytes > _stepBuffer.Length)
        {
            FlushSteps();
        }

        _lineBytes.AsSpan(0, bytes).CopyTo(_stepBuffer.AsSpan(_stepBuffered));
        _stepBuffered += bytes;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metrics);
        if (_epochFile is null)
        {
            throw new InvalidOperationException("The logger was not started: OnTrainingStart must run first.");
        }

        NetworkBase network = context.Network;
        IReadOnlyList<ParameterTensor> tensors = network.ParameterTensors;
        ReadOnlySpan<float> parameters = network.Parameters;
        ReadOnlySpan<float> gradients = network.Gradients;
        for (int t = 0; t < tensors.Count; t++)
        {
            _norms[2 * t] = L2Norm(parameters.Slice(tensors[t].Offset, tensors[t].Length));
            _norms[(2 * t) + 1] = L2Norm(gradients.Slice(tensors[t].Offset, tensors[t].Length));
        }

        var w = new LineWriter(_line);
        w.Number(metrics.Epoch);
        w.Comma();
        w.Number(metrics.TrainLoss);
        w.Comma();
        w.Number(metrics.TrainAccuracy);
        w.Comma();
        w.Optional(metrics.ValidationLoss);
        w.Comma();
        w.Optional(metrics.ValidationAccuracy);
        w.Comma();
        w.Number(metrics.LearningRate);
        w.Comma();
        w.Number(metrics.Duration.TotalSeconds);
        w.Comma();
        w.Number(metrics.SamplesPerSecond);
        w.Comma();
        w.Number(metrics.TrainPenalty);
        for (int m = 0; m < _metricNames.Count; m++)
        {
            w.Comma();
            w.Optional(metrics.ValidationMetrics.TryGetValue(_metricNames[m], out double value) ? value : null);
        }

        for (int i = 0; i < _norms.Length; i++)
        {
            w.Comma();
            w.Number(_norms[i]);
        }

        w.EndLine();
        int bytes = Encoding.UTF8.GetBytes(_line.AsSpan(0, w.Length), _lineBytes);
        _epochFile.Write(_lineBytes, 0, bytes);
        _epochFile.Flush(FlushToDisk);
        FlushSteps();
        _stepFile?.Flush(FlushToDisk);
    }

    /// <inheritdoc />
    public override void OnTrainingEnd(TrainingContext context) => Close();

    /// <summary>Writes the pending step rows and closes the files (needed after a <see cref="TrainingDivergedException"/>, harmless otherwise).</summary>
    public void Dispose() => Close();

    private FileStream Open(string path)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // Unbuffered: every Write is one complete row (or a run of complete rows), so the file never ends mid-row.
        return new FileStream(path, Append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    private static void WriteHeader(FileStream file, IReadOnlyList<string> columns)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            string column = columns[i];
            bool quote = column.AsSpan().IndexOfAny(",\"\r\n") >= 0;
            sb.Append(quote ? "\"" + column.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : column);
        }

        sb.Append('\n');
        byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
        file.Write(bytes, 0, bytes.Length);
        file.Flush();
    }

    private void FlushSteps()
    {
        if (_stepFile is not null && _stepBuffered > 0)
        {
            _stepFile.Write(_stepBuffer, 0, _stepBuffered);
            _stepBuffered = 0;
        }
    }

    private void Close()
    {
        FlushSteps();
        _stepFile?.Dispose();
        _stepFile = null;
        _epochFile?.Dispose();
        _epochFile = null;
    }

    /// <summary>Formats one CSV row into a reused character buffer without allocating.</summary>
    private ref struct LineWriter(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;

        public int Length { get; private set; }

        public void Comma() => _buffer[Length++] = ',';

        public void EndLine() => _buffer[Length++] = '\n';

        public void Number(long value)
        {
            value.TryFormat(_buffer[Length..], out int written, default, CultureInfo.InvariantCulture);
            Length += written;
        }

        public void Number(double value)
        {
            value.TryFormat(_buffer[Length..], out int written, "R", CultureInfo.InvariantCulture);
            Length += written;
        }

        public void Number(float value)
        {
            value.TryFormat(_buffer[Length..], out int written, "R", CultureInfo.InvariantCulture);
            Length += written;
        }

        public void Optional(double? value)
        {
            if (value is { } v)
            {
                Number(v);
            }
        }
    }
}
