using System;
using System.Collections.Generic;
using System.Linq;
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
    /// <returns>The penalty this transform adds to the loss (0 for transforms that add none); the trainer reports the epoch's mean as <see cref="EpochMetrics.TrainPenalty"/>.</returns>
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
    /// Called after every callback's <see cref="OnEpochEnd"/> for the epoch, so it sees what all of them did (a stop
    /// request, a new learning-rate scale, an early-stopping best); checkpoints are written here.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <param name="metrics">The epoch's results.</param>
    public virtual void OnEpochCompleted(TrainingContext context, EpochMetrics metrics)
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
public sealed partial class TrainingContext : IStateful<TrainingState>
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
        var callbackStates = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (TrainingCallback callback in Options.Callbacks)
        {
            if (callback is ICheckpointedCallback stateful && !callbackStates.TryAdd(stateful.StateName, stateful.EncodeState()))
            {
                throw new InvalidOperationException($"Two callbacks of the run save their state as '{stateful.StateName}'; give them different state names.");
            }
        }

        return new TrainingState(Epoch, Step, ValueArray<ulong>.Own(shuffle), ValueArray<ulong>.Own(augmentation), BaseLearningRate, LearningRateScale, new List<EpochMetrics>(History.Epochs))
        {
            CallbackStates = callbackStates,
            Settings = new TrainingRunSettings(Options.BatchSize, Options.Epochs, Train.Count),
        };
    }

    /// <summary>The trainer's state; the same as <see cref="CaptureState"/>.</summary>
    /// <returns>The run's position, random states, learning-rate state, history and callback states.</returns>
    TrainingState IStateful<TrainingState>.GetState() => CaptureState();

    /// <summary>
    /// Takes the trainer's part of a saved state when a run resumes: checks the epochs and the run settings first, then
    /// sets the random sources, the step, the learning-rate state and the history. The callbacks' states are given
    /// later, after <see cref="TrainingCallback.OnTrainingStart"/>, each through its own <see cref="IStateful{TState}.SetState"/>
    /// (<see cref="EarlyStopping"/>, <see cref="ExponentialMovingAverage"/>, <see cref="ReduceLearningRateOnPlateau"/>).
    /// </summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentException">The state does not fit this run; nothing was changed.</exception>
    void IStateful<TrainingState>.SetState(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.Fits(
            state.CompletedEpochs <= Options.Epochs, $"The checkpoint has {state.CompletedEpochs} completed epochs but the run has only {Options.Epochs}.", "resume");

        state.Settings?.CheckResumedBy(Options, Train); // null in version-1 checkpoints
        ShuffleRng.SetState(state.ShuffleRngState.Span);
        AugmentationRng.SetState(state.AugmentationRngState.Span);
        Step = state.Step;
        BaseLearningRate = state.BaseLearningRate;
        LearningRateScale = state.LearningRateScale;
        foreach (EpochMetrics done in state.History)
        {
            History.Add(done);
        }
    }

    /// <summary>Gives each callback with a saved state its state (right after OnTrainingStart of a resumed run).</summary>
    internal void RestoreCallbackStates(TrainingState resume)
    {
        foreach (TrainingCallback callback in Options.Callbacks)
        {
            if (callback is ICheckpointedCallback stateful && resume.CallbackStates.TryGetValue(stateful.StateName, out byte[]? state))
            {
                stateful.DecodeState(state);
            }
        }
    }
}

/// <summary>
/// Where a run stands between two epochs, enough to resume it exactly (together with the network's parameters, buffers
/// and random state, and the optimizer's state). Two states are equal when they hold the same values: the random states,
/// the history and the callback states are compared by content, not by reference.
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
    ValueArray<ulong> ShuffleRngState,
    ValueArray<ulong> AugmentationRngState,
    float BaseLearningRate,
    float LearningRateScale,
    IReadOnlyList<EpochMetrics> History)
{
    /// <summary>
    /// The states of the run's callbacks by state name, each the callback's <see cref="IStateful{TState}.GetState"/>
    /// in the checkpoint's encoding (e.g. <see cref="EarlyStoppingState.ToBytes"/>; read back with
    /// <see cref="EarlyStoppingState.FromBytes"/>). A checkpoint without a callback's state (an older file, or a callback
    /// added since) leaves that callback as <see cref="TrainingCallback.OnTrainingStart"/> left it.
    /// </summary>
    public IReadOnlyDictionary<string, byte[]> CallbackStates { get; init; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

    /// <summary>The settings the step count and the schedule depend on, checked on resume; null in checkpoints of format version 1.</summary>
    public TrainingRunSettings? Settings { get; init; }

    /// <summary>A copy that shares no array or collection with this state (checkpoints keep one).</summary>
    /// <exception cref="ArgumentException">A random state is not four words, or a callback state is null.</exception>
    internal TrainingState Copy()
    {
        if (ShuffleRngState.Count != 4 || AugmentationRngState.Count != 4)
        {
            throw new ArgumentException("A training state's random states are four words each.", "trainingState");
        }

        var callbackStates = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, byte[]> pair in CallbackStates)
        {
            ArgumentNullException.ThrowIfNull(pair.Value, "trainingState");
            callbackStates.Add(pair.Key, (byte[])pair.Value.Clone());
        }

        return this with
        {
            History = new List<EpochMetrics>(History),
            CallbackStates = callbackStates,
        };
    }

    /// <summary>Whether both states hold the same values, comparing the history and the callback states by content.</summary>
    /// <param name="other">The other state.</param>
    /// <returns>True when every member is equal.</returns>
    public bool Equals(TrainingState? other) =>
        other is not null
        && CompletedEpochs == other.CompletedEpochs
        && Step == other.Step
        && ShuffleRngState.Equals(other.ShuffleRngState)
        && AugmentationRngState.Equals(other.AugmentationRngState)
        && BaseLearningRate.Equals(other.BaseLearningRate)
        && LearningRateScale.Equals(other.LearningRateScale)
        && History.SequenceEqual(other.History)
        && Equals(Settings, other.Settings)
        && CallbackStates.Count == other.CallbackStates.Count
        && CallbackStates.All(pair => other.CallbackStates.TryGetValue(pair.Key, out byte[]? bytes) && pair.Value.AsSpan().SequenceEqual(bytes));

    /// <summary>A hash of the scalar members and the random states, consistent with <see cref="Equals(TrainingState?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(CompletedEpochs, Step, ShuffleRngState, AugmentationRngState, BaseLearningRate, LearningRateScale, History.Count);
}
