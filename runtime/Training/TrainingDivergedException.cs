using System;
using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// Thrown by <see cref="Trainer"/> when a training step produces a non-finite loss or gradient (NaN or ±∞). Training
/// stops at once, before that step's update; the exception names the epoch and step, carries the history of the
/// completed epochs and, from the trainer, a <see cref="DivergenceDiagnosis"/>: the first layer (in forward order)
/// whose output went non-finite, the largest parameter, and whether the previous update had already broken the parameters.
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
        : this(epoch, batch, batchesPerEpoch, step, loss, history, tensor: null)
    {
    }

    /// <summary>Creates the exception for a step whose loss or gradients became non-finite.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The step within the epoch, from 1.</param>
    /// <param name="batchesPerEpoch">The number of steps per epoch.</param>
    /// <param name="step">The step since the start of the run, from 1.</param>
    /// <param name="loss">The step's loss (finite when only a gradient diverged).</param>
    /// <param name="history">The completed epochs.</param>
    /// <param name="tensor">The first parameter tensor, in backward order, whose gradient is non-finite; null when the loss itself is.</param>
    public TrainingDivergedException(int epoch, int batch, int batchesPerEpoch, long step, float loss, TrainingHistory history, string? tensor)
        : this(epoch, batch, batchesPerEpoch, step, loss, history, tensor, diagnosis: null)
    {
    }

    /// <summary>Creates the exception for a diverged step with the trainer's diagnosis of where and since when.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The step within the epoch, from 1.</param>
    /// <param name="batchesPerEpoch">The number of steps per epoch.</param>
    /// <param name="step">The step since the start of the run, from 1.</param>
    /// <param name="loss">The step's loss (finite when only a gradient diverged).</param>
    /// <param name="history">The completed epochs.</param>
    /// <param name="tensor">The first parameter tensor, in backward order, whose gradient is non-finite; null when the loss itself is.</param>
    /// <param name="diagnosis">The first non-finite layer output, the parameter magnitudes and which update is applied, or null.</param>
    public TrainingDivergedException(int epoch, int batch, int batchesPerEpoch, long step, float loss, TrainingHistory history, string? tensor, DivergenceDiagnosis? diagnosis)
        : base(
            (tensor is null
                ? $"Training diverged: the loss is {loss.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {batch} of {batchesPerEpoch} (step {step} of the run). "
                : $"Training diverged: the gradient of {tensor} is not finite (NaN or infinity) at epoch {epoch}, step {batch} of {batchesPerEpoch} (step {step} of the run); the loss was {loss.ToString(CultureInfo.InvariantCulture)}. ") +
            (diagnosis is null ? "Training was stopped before this step's update." : diagnosis.Describe()) +
            " Try a lower learning rate, check the inputs for NaN or infinite values, or clip the gradients.")
    {
        Epoch = epoch;
        Batch = batch;
        Step = step;
        Loss = loss;
        History = history;
        Tensor = tensor;
        Diagnosis = diagnosis;
    }

    /// <summary>
    /// Where and since when the run diverged (first non-finite layer output in forward order, largest parameter, whether
    /// the last applied update already made the parameters non-finite), or null when the exception was created without it.
    /// </summary>
    public DivergenceDiagnosis? Diagnosis { get; }

    /// <summary>The first parameter tensor (in backward order) whose gradient went non-finite, or null if the loss did.</summary>
    public string? Tensor { get; }

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
