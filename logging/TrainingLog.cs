using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using NetGen.Training;

namespace NetGen.Logging;

/// <summary>
/// Sends a <see cref="Trainer"/> run to an <see cref="ILogger"/>: pass it both as a callback (start, every epoch with
/// its metrics, early stop, end, divergence) and, for the throttled per-batch reports, as the progress sink.
/// Events carry structured values (<c>Epoch</c>, <c>TrainLoss</c>, <c>ValidationLoss</c>, …) for any logging provider.
/// </summary>
/// <example>
/// <code>
/// var log = new TrainingLog(loggerFactory.CreateLogger("Training"));
/// var trainer = new Trainer(new TrainerOptions { Epochs = 10, Callbacks = [log] });
/// trainer.Fit(net, new Adam(1e-3f), train, validation, progress: log);
/// </code>
/// </example>
/// <remarks>
/// Levels: per-batch reports at <see cref="LogLevel.Debug"/>; start, epochs and end at
/// <see cref="LogLevel.Information"/>; an early stop (a run that ends before its last epoch) at
/// <see cref="LogLevel.Warning"/>; a diverged run (NaN or infinite loss or gradient) at <see cref="LogLevel.Error"/>
/// with the <see cref="TrainingDivergedException"/>. The console line (<see cref="ConsoleProgress"/>) and the CSV
/// (<see cref="MetricsLogger"/>) keep working beside it.
/// </remarks>
public sealed partial class TrainingLog : TrainingCallback, IProgress<TrainingProgress>
{
    private readonly ILogger _logger;

    /// <summary>Creates the adapter.</summary>
    /// <param name="logger">Where the events go.</param>
    public TrainingLog(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    /// <inheritdoc />
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        TrainingStarted(
            _logger,
            context.Network.GetType().Name,
            context.Network.ParameterCount,
            context.Options.Epochs,
            context.Train.Count,
            context.Validation?.Count ?? 0,
            context.Epoch);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metrics);
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        EpochCompleted(
            _logger,
            metrics.Epoch,
            context.Options.Epochs,
            metrics.TrainLoss,
            metrics.TrainAccuracy,
            metrics.ValidationLoss,
            metrics.ValidationAccuracy,
            FormatMetrics(metrics.ValidationMetrics),
            metrics.LearningRate,
            metrics.Duration.TotalSeconds);
    }

    /// <inheritdoc />
    public override void OnTrainingDiverged(TrainingContext context, TrainingDivergedException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        TrainingDiverged(_logger, exception.Message, exception);
    }

    /// <inheritdoc />
    public override void OnTrainingEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        EpochMetrics? last = context.History.Last;
        if (context.StopReason is { } reason)
        {
            TrainingStoppedEarly(_logger, context.Epoch, context.Options.Epochs, reason);
        }

        TrainingEnded(_logger, context.History.Epochs.Count, last?.ValidationLoss, context.History.TotalDuration.TotalSeconds);
    }

    /// <summary>Logs a per-batch report at <see cref="LogLevel.Debug"/>; end-of-epoch reports are left to <see cref="OnEpochEnd"/>.</summary>
    /// <param name="value">The report.</param>
    public void Report(TrainingProgress value)
    {
        if (value.Kind == TrainingProgressKind.Batch)
        {
            BatchProgress(_logger, value.Epoch, value.Epochs, value.Batch, value.BatchesPerEpoch, value.Loss, value.SamplesPerSecond);
        }
    }

    private static string FormatMetrics(IReadOnlyDictionary<string, double> metrics)
    {
        if (metrics.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (KeyValuePair<string, double> metric in metrics)
        {
            sb.Append(sb.Length == 0 ? "" : " ").Append(metric.Key).Append('=').Append(metric.Value.ToString("G6", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Training {Network} ({Parameters} parameters) for {Epochs} epochs on {TrainCount} samples, validating on {ValidationCount}, from epoch {FirstEpoch}")]
    private static partial void TrainingStarted(ILogger logger, string network, int parameters, int epochs, int trainCount, int validationCount, int firstEpoch);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4}, train accuracy {TrainAccuracy:F4}, validation loss {ValidationLoss:F4}, validation accuracy {ValidationAccuracy:F4}, metrics {ValidationMetrics}, learning rate {LearningRate}, {Seconds:F1} s")]
    private static partial void EpochCompleted(ILogger logger, int epoch, int epochs, double trainLoss, double trainAccuracy, double? validationLoss, double? validationAccuracy, string validationMetrics, float learningRate, double seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "Epoch {Epoch}/{Epochs}, batch {Batch}/{BatchesPerEpoch}: loss {Loss:F4}, {SamplesPerSecond:F0} samples/s")]
    private static partial void BatchProgress(ILogger logger, int epoch, int epochs, int batch, int batchesPerEpoch, double loss, double samplesPerSecond);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Training stopped after epoch {Epoch} of {Epochs}: {Reason}")]
    private static partial void TrainingStoppedEarly(ILogger logger, int epoch, int epochs, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Training ended after {CompletedEpochs} epochs, last validation loss {ValidationLoss:F4}, {Seconds:F1} s")]
    private static partial void TrainingEnded(ILogger logger, int completedEpochs, double? validationLoss, double seconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Training diverged: {Reason}")]
    private static partial void TrainingDiverged(ILogger logger, string reason, Exception exception);
}
