using System;
using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// Thrown by <see cref="Trainer.Fit"/> when a training step produces a non-finite loss (NaN or ±∞). Training stops at
/// once, before that step's backward pass and update; the exception names the epoch and step and carries the history
/// of the completed epochs.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the step that diverged.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The step within the epoch, from 1.</param>
    /// <param name="batchesPerEpoch">The number of steps per epoch.</param>
    /// <param name="step">The step since the start of the run, from 1.</param>
    /// <param name="loss">The non-finite loss.</param>
    /// <param name="history">The completed epochs.</param>
    public TrainingDivergedException(int epoch, int batch, int batchesPerEpoch, long step, float loss, TrainingHistory history)
        : base(
            $"Training diverged: the loss is {loss.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {batch} of {batchesPerEpoch} (step {step} of the run). " +
            "Training was stopped before this step's update. Try a lower learning rate, check the inputs for NaN or infinite values, or clip the gradients.")
    {
        Epoch = epoch;
        Batch = batch;
        Step = step;
        Loss = loss;
        History = history;
    }

    /// <summary>The epoch in which the loss became non-finite, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The step within that epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The step since the start of the run, from 1.</summary>
    public long Step { get; }

    /// <summary>The non-finite loss (NaN or an infinity).</summary>
    public float Loss { get; }

    /// <summary>The epochs completed before the divergence.</summary>
    public TrainingHistory History { get; }
}
