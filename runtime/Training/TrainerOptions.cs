using System.Collections.Generic;
using System;

namespace NetGen.Training;

/// <summary>
/// The settings of a <see cref="Trainer"/> run. A record: derive variants with <c>options with { Epochs = 3 }</c>, which
/// copies every other setting (lists are shared, not copied).
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>The number of passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>The number of samples per training step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The number of samples per forward pass when evaluating (no gradients are kept, so it can be larger).</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>The seed of the shuffling; the same seed gives the same batch order on every machine.</summary>
    public long Seed { get; init; }

    /// <summary>Whether each epoch visits the training samples in a new random order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The shortest time between two per-batch progress reports; end-of-epoch reports are always sent.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Sets the optimizer's learning rate before every step from the rate it had at the start, or null to leave it alone.</summary>
    public ILearningRateSchedule? Schedule { get; init; }

    /// <summary>Applied to the gradients after each backward pass, in order (penalties, clipping, freezing).</summary>
    public IReadOnlyList<IGradientTransform> GradientTransforms { get; init; } = Array.Empty<IGradientTransform>();

    /// <summary>Applied to each training batch before the forward pass, in order (augmentation).</summary>
    public IReadOnlyList<IBatchTransform> BatchTransforms { get; init; } = Array.Empty<IBatchTransform>();

    /// <summary>Observe and steer the run (early stopping, weight averaging, logs, checkpoints).</summary>
    public IReadOnlyList<TrainingCallback> Callbacks { get; init; } = Array.Empty<TrainingCallback>();

    /// <summary>
    /// Extra metrics computed on the validation set after every epoch, recorded in
    /// <see cref="EpochMetrics.ValidationMetrics"/> and by <see cref="MetricsLogger"/> (regression runs always record
    /// <c>mse</c>, <c>mae</c> and <c>r2</c>).
    /// </summary>
    public IReadOnlyList<IMetric> Metrics { get; init; } = Array.Empty<IMetric>();

    /// <summary>
    /// Checks every step's gradients for NaN or infinity and stops with a report naming the first parameter tensor
    /// (in backward order) that went non-finite, before the update (default true; costs one pass over the gradients).
    /// </summary>
    public bool CheckGradients { get; init; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (Epochs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "The number of epochs must be positive.");
        }

        if (BatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be positive.");
        }

        if (EvaluationBatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "The evaluation batch size must be positive.");
        }

        if (ProgressInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "The progress interval cannot be negative.");
        }
    }
}
