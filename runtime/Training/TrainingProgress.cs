using System;

namespace NetGen.Training;

/// <summary>What a <see cref="TrainingProgress"/> report is about.</summary>
public enum TrainingProgressKind
{
    /// <summary>A throttled report during an epoch, after a training step.</summary>
    Batch = 0,

    /// <summary>The epoch (training and validation) is complete; <see cref="TrainingProgress.Metrics"/> holds its results.</summary>
    EpochCompleted = 1,

    /// <summary>A callback reported a problem the run survived (e.g. a checkpoint that could not be written); <see cref="TrainingProgress.Message"/> says what.</summary>
    Warning = 2,
}

/// <summary>A progress report of a <see cref="Trainer"/>, sent to an <see cref="IProgress{T}"/> (a struct, so reporting does not box).</summary>
/// <param name="Kind">Whether this is a per-batch or an end-of-epoch report.</param>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="Batch">The number of batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">The number of batches in an epoch.</param>
/// <param name="Step">The number of training steps done since the start of the run.</param>
/// <param name="Loss">The mean training loss per sample so far in this epoch.</param>
/// <param name="Accuracy">The training accuracy so far in this epoch (NaN for regression).</param>
/// <param name="SamplesPerSecond">The training throughput so far in this epoch.</param>
/// <param name="Elapsed">The time since the epoch started.</param>
/// <param name="EstimatedRemaining">The estimated time left for the epoch's training steps.</param>
/// <param name="Metrics">The epoch's results when <paramref name="Kind"/> is <see cref="TrainingProgressKind.EpochCompleted"/>; otherwise null.</param>
public readonly record struct TrainingProgress(
    TrainingProgressKind Kind,
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    long Step,
    double Loss,
    double Accuracy,
    double SamplesPerSecond,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining,
    EpochMetrics? Metrics)
{
    /// <summary>The warning's text when <see cref="Kind"/> is <see cref="TrainingProgressKind.Warning"/>; otherwise null.</summary>
    public string? Message { get; init; }
}
