using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// The settings a run's step numbering and learning-rate schedule depend on, saved with the trainer's state so that a
/// resume with other settings is refused instead of silently shifting the schedule.
/// </summary>
/// <param name="BatchSize">The <see cref="TrainerOptions.BatchSize"/> of the run.</param>
/// <param name="Epochs">The <see cref="TrainerOptions.Epochs"/> of the run.</param>
/// <param name="TrainCount">The number of training samples.</param>
public sealed record TrainingRunSettings(int BatchSize, int Epochs, int TrainCount)
{
    /// <summary>Throws when a resumed run's settings differ from the saved ones, naming the setting and both values.</summary>
    /// <param name="options">The resumed run's options.</param>
    /// <param name="train">The resumed run's training set.</param>
    /// <exception cref="ArgumentException">A setting differs.</exception>
    internal void CheckResumedBy(TrainerOptions options, Dataset train)
    {
        static void Check(string setting, long saved, long now)
        {
            if (saved != now)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The checkpoint was saved by a run with {setting} = {saved}, but this run has {setting} = {now}; ") +
                    "resuming would shift the step count and the learning-rate schedule. Resume with the saved setting, or start a new run from the checkpoint's weights (Restore, then Fit without resume).",
                    "resume");
            }
        }

        Check(nameof(TrainerOptions.BatchSize), BatchSize, options.BatchSize);
        Check(nameof(TrainerOptions.Epochs), Epochs, options.Epochs);
        Check("the training set's sample count (Dataset.Count)", TrainCount, train.Count);
    }
}

/// <summary>The run's warnings and the check that an end-of-epoch state is sound enough to save or keep.</summary>
public sealed partial class TrainingContext
{
    private readonly List<string> _pendingWarnings = [];
    private int _checkedEpoch = -1;
    private string? _epochStateProblem;

    /// <summary>
    /// Reports a problem the run survives (a checkpoint that could not be written, a state not saved): it is added to
    /// <see cref="TrainingHistory.Warnings"/> and sent to the progress as a <see cref="TrainingProgressKind.Warning"/>
    /// report after the epoch's callbacks.
    /// </summary>
    /// <param name="message">What happened, in a sentence.</param>
    public void Warn(string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        History.AddWarning(message);
        _pendingWarnings.Add(message);
    }

    /// <summary>Sends the warnings reported since the last call to <paramref name="progress"/> and forgets them.</summary>
    internal void FlushWarnings(IProgress<TrainingProgress>? progress, int epochs)
    {
        foreach (string message in _pendingWarnings)
        {
            progress?.Report(new TrainingProgress(TrainingProgressKind.Warning, Epoch, epochs, 0, BatchesPerEpoch, Step, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, null) { Message = message });
        }

        _pendingWarnings.Clear();
    }

    /// <summary>
    /// Why the network's state at the end of the current epoch must not be checkpointed or kept as the best one, or null
    /// when it is sound: its parameters and buffers are finite, the epoch's training loss is finite, and the loss of
    /// exactly this state is finite — the validation loss, or without a validation set the loss on the first training
    /// batch in inference mode (which catches parameters that are finite but so large that a forward pass overflows).
    /// Computed once per epoch; the probe leaves the network's mode, buffers and random state as they were.
    /// </summary>
    /// <param name="metrics">The epoch's results.</param>
    public string? EpochStateProblem(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (_checkedEpoch != metrics.Epoch)
        {
            _epochStateProblem = FindEpochStateProblem(metrics);
            _checkedEpoch = metrics.Epoch;
        }

        return _epochStateProblem;
    }

    private string? FindEpochStateProblem(EpochMetrics metrics)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        if (!Kernels.Reductions.AllFinite(Network.Parameters))
        {
            return "its parameters hold NaN or infinity";
        }

        if (!Kernels.Reductions.AllFinite(Network.Buffers))
        {
            return "its buffers (running statistics) hold NaN or infinity";
        }

        if (!double.IsFinite(metrics.TrainLoss))
        {
            return string.Create(inv, $"the epoch's training loss is {metrics.TrainLoss}");
        }

        if (metrics.ValidationLoss is double validation)
        {
            return double.IsFinite(validation) ? null : string.Create(inv, $"its validation loss is {validation}");
        }

        float probe = ProbeLoss();
        return float.IsFinite(probe) ? null : string.Create(inv, $"its loss on the first training batch is {probe}");
    }

    /// <summary>The loss of the current parameters on the first training batch, in inference mode.</summary>
    private float ProbeLoss()
    {
        var loader = new BatchLoader(Train, Math.Min(Options.BatchSize, Train.Count), rng: null);
        loader.StartEpoch();
        loader.MoveNext();
        MiniBatch batch = loader.Current;
        NetworkMode mode = Network.Mode;
        var rng = new ulong[4];
        Network.Random.GetState(rng);
        try
        {
            Network.Mode = NetworkMode.Inference;
            Network.Forward(batch.Features, batch.Size);
            return Network.Loss(batch.Labels);
        }
        finally
        {
            Network.Mode = mode;
            Network.Random.SetState(rng);
        }
    }
}
