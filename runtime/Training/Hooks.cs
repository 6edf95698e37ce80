using System;
using System.Collections.Generic;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Training;

/// <summary>
/// Changes the gradients after the backward pass and before the optimizer step: weight penalties, clipping, freezing.
/// Transforms run in the order given in <see cref="TrainerOptions.GradientTransforms"/>; they must not allocate.
/// </summary>
public interface IGradientTransform
{
    /// <summary>Adjusts <paramref name="gradients"/> (same layout as the network's parameters).</summary>
    /// <param name="network">The network being trained (its parameters and tensor table).</param>
    /// <param name="gradients">The gradients to adjust in place.</param>
    /// <returns>The penalty this transform adds to the loss (0 for transforms that add none), for reporting.</returns>
    double Apply(NetworkBase network, Span<float> gradients);
}

/// <summary>
/// Changes a mini-batch before the forward pass (data augmentation). Runs on the batch's own copy of the samples, so
/// the dataset is never modified; must not allocate.
/// </summary>
public interface IBatchTransform
{
    /// <summary>Whether the transform writes soft targets (as mixup does); the trainer then trains against them.</summary>
    bool ProducesSoftTargets { get; }

    /// <summary>Transforms the batch in place.</summary>
    /// <param name="features">The batch's samples, batchSize × features, to change in place.</param>
    /// <param name="labels">The batch's labels.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="softTargets">batchSize × classes targets to fill when <see cref="ProducesSoftTargets"/>; they arrive holding the one-hot labels.</param>
    /// <param name="rng">The trainer's augmentation random source (seeded, saved in checkpoints).</param>
    void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng);
}

/// <summary>
/// Observes and steers a training run: early stopping, weight averaging, learning-rate changes on plateaus, metric
/// logs, checkpoints. Override only what you need; every method does nothing by default.
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>Called once before the first step.</summary>
    /// <param name="context">The run.</param>
    public virtual void OnTrainingStart(TrainingContext context)
    {
    }

    /// <summary>Called after every optimizer step; must not allocate.</summary>
    /// <param name="context">The run.</param>
    public virtual void OnStepEnd(TrainingContext context)
    {
    }

    /// <summary>Called after each epoch's training and validation; may call <see cref="TrainingContext.RequestStop"/>.</summary>
    /// <param name="context">The run.</param>
    /// <param name="metrics">The epoch's results.</param>
    public virtual void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
    }

    /// <summary>
    /// Called when a step's loss or gradient went non-finite, before the <see cref="TrainingDivergedException"/> leaves
    /// the trainer (no update was applied for that step). Close logs here; never write a checkpoint from this state.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <param name="exception">What diverged, where.</param>
    public virtual void OnTrainingDiverged(TrainingContext context, TrainingDivergedException exception)
    {
    }

    /// <summary>Called once after the last epoch (also after an early stop).</summary>
    /// <param name="context">The run.</param>
    public virtual void OnTrainingEnd(TrainingContext context)
    {
    }
}

/// <summary>The state of a training run that callbacks see and steer.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(NetworkBase network, IOptimizer optimizer, TrainerOptions options, Dataset train, Dataset? validation, TrainingHistory history, Rng shuffleRng, Rng augmentationRng)
    {
        Network = network;
        Optimizer = optimizer;
        Options = options;
        Train = train;
        Validation = validation;
        History = history;
        ShuffleRng = shuffleRng;
        AugmentationRng = augmentationRng;
    }

    /// <summary>The network being trained.</summary>
    public NetworkBase Network { get; }

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The run's settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The training set.</summary>
    public Dataset Train { get; }

    /// <summary>The validation set, if any.</summary>
    public Dataset? Validation { get; }

    /// <summary>The completed epochs.</summary>
    public TrainingHistory History { get; }

    /// <summary>The random source of the shuffling (its state goes into checkpoints).</summary>
    public Rng ShuffleRng { get; }

    /// <summary>The random source of the batch transforms (its state goes into checkpoints).</summary>
    public Rng AugmentationRng { get; }

    /// <summary>The current epoch, from 1.</summary>
    public int Epoch { get; internal set; }

    /// <summary>The number of optimizer steps taken since the start of the run (across resumes).</summary>
    public long Step { get; internal set; }

    /// <summary>The number of steps in one epoch.</summary>
    public int BatchesPerEpoch { get; internal set; }

    /// <summary>The number of steps of the whole run.</summary>
    public long TotalSteps { get; internal set; }

    /// <summary>The optimizer's learning rate when the run started; schedules scale it.</summary>
    public float BaseLearningRate { get; set; }

    /// <summary>A factor on every scheduled learning rate (reduce-on-plateau lowers it); 1 by default.</summary>
    public float LearningRateScale { get; set; } = 1f;

    /// <summary>The loss of the most recent step.</summary>
    public float LastLoss { get; internal set; }

    /// <summary>Whether a callback asked the run to stop after this epoch.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Why the run stopped early, if it did.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Stops the run after the current epoch.</summary>
    /// <param name="reason">Why, for the history and the logs.</param>
    public void RequestStop(string reason)
    {
        StopRequested = true;
        StopReason = reason;
    }

    /// <summary>The trainer's part of a checkpoint: epochs done, step count, random states and the learning-rate state.</summary>
    public TrainingState CaptureState()
    {
        var shuffle = new ulong[4];
        var augmentation = new ulong[4];
        ShuffleRng.GetState(shuffle);
        AugmentationRng.GetState(augmentation);
        return new TrainingState(Epoch, Step, shuffle, augmentation, BaseLearningRate, LearningRateScale, new List<EpochMetrics>(History.Epochs));
    }
}

/// <summary>
/// Where a run stands between two epochs, enough to resume it exactly (together with the network's parameters, buffers
/// and random state, and the optimizer's state).
/// </summary>
/// <param name="CompletedEpochs">The number of epochs done.</param>
/// <param name="Step">The number of optimizer steps done.</param>
/// <param name="ShuffleRngState">The shuffling random source's state.</param>
/// <param name="AugmentationRngState">The batch transforms' random source's state.</param>
/// <param name="BaseLearningRate">The learning rate schedules scale.</param>
/// <param name="LearningRateScale">The plateau factor on the learning rate.</param>
/// <param name="History">The metrics of the completed epochs.</param>
public sealed record TrainingState(
    int CompletedEpochs,
    long Step,
    ulong[] ShuffleRngState,
    ulong[] AugmentationRngState,
    float BaseLearningRate,
    float LearningRateScale,
    IReadOnlyList<EpochMetrics> History);
