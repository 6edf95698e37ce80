using System;
using System.Collections.Generic;

namespace NetGen.Training;

/// <summary>The loss and accuracy of a network on a dataset; deconstructs as <c>var (loss, accuracy) = …</c>.</summary>
/// <param name="Loss">The mean loss per sample.</param>
/// <param name="Accuracy">The fraction of samples whose largest output is the label (NaN for a regression dataset).</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy);

/// <summary>What one epoch of training achieved.</summary>
/// <param name="Epoch">The epoch's number, from 1.</param>
/// <param name="TrainLoss">The mean training loss per sample over the epoch (measured before each step's update).</param>
/// <param name="TrainAccuracy">The training accuracy over the epoch (measured before each step's update); with soft targets (mixup), against each sample's dominant label; NaN for regression.</param>
/// <param name="ValidationLoss">The validation loss after the epoch, or null without a validation set.</param>
/// <param name="ValidationAccuracy">The validation accuracy after the epoch, or null without a validation set.</param>
/// <param name="Duration">The wall-clock time of the epoch, evaluation included.</param>
/// <param name="SamplesPerSecond">Training throughput: training samples per second of training steps (evaluation excluded).</param>
/// <param name="LearningRate">The optimizer's learning rate at the end of the epoch.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    TimeSpan Duration,
    double SamplesPerSecond,
    float LearningRate)
{
    /// <summary>
    /// The mean, over the epoch's steps, of the penalties the gradient transforms added (L1/L2 weight penalties, from
    /// <see cref="IGradientTransform.Apply"/>); 0 without penalties. <see cref="TrainLoss"/> excludes it (as a PyTorch
    /// loss excludes weight decay), so the objective being minimized is <c>TrainLoss + TrainPenalty</c>.
    /// </summary>
    public double TrainPenalty { get; init; }

    /// <summary>
    /// The validation metrics beyond loss and accuracy, by name: <c>mse</c>, <c>mae</c> and <c>r2</c> for regression
    /// runs and every metric of <see cref="TrainerOptions.Metrics"/>; empty without a validation set. Checkpoints do not
    /// store them, so the epochs restored from a checkpoint have none.
    /// </summary>
    public IReadOnlyDictionary<string, double> ValidationMetrics { get; init; } = NoMetrics;

    /// <summary>The shared empty metrics (so that an epoch without metrics allocates nothing for them).</summary>
    internal static readonly IReadOnlyDictionary<string, double> NoMetrics = new Dictionary<string, double>(0, StringComparer.Ordinal);

    /// <summary>Value equality over every member, the validation metrics compared by content (names and values).</summary>
    /// <param name="other">The other epoch.</param>
    public bool Equals(EpochMetrics? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Epoch != other.Epoch || !TrainLoss.Equals(other.TrainLoss) || !TrainAccuracy.Equals(other.TrainAccuracy)
            || !Nullable.Equals(ValidationLoss, other.ValidationLoss) || !Nullable.Equals(ValidationAccuracy, other.ValidationAccuracy)
            || Duration != other.Duration || !SamplesPerSecond.Equals(other.SamplesPerSecond) || !LearningRate.Equals(other.LearningRate)
            || !TrainPenalty.Equals(other.TrainPenalty) || ValidationMetrics.Count != other.ValidationMetrics.Count)
        {
            return false;
        }

        foreach (KeyValuePair<string, double> metric in ValidationMetrics)
        {
            if (!other.ValidationMetrics.TryGetValue(metric.Key, out double value) || !value.Equals(metric.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Epoch, TrainLoss, TrainAccuracy, ValidationLoss, ValidationAccuracy, Duration, LearningRate, ValidationMetrics.Count);
}

/// <summary>The per-epoch record of a training run, in order.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochMetrics> _epochs;

    /// <summary>Creates an empty history.</summary>
    /// <param name="capacity">The expected number of epochs.</param>
    public TrainingHistory(int capacity = 0) => _epochs = new List<EpochMetrics>(capacity);

    /// <summary>The completed epochs, first to last.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => _epochs;

    /// <summary>The last completed epoch, or null before the first.</summary>
    public EpochMetrics? Last => _epochs.Count == 0 ? null : _epochs[^1];

    /// <summary>The summed duration of the completed epochs.</summary>
    public TimeSpan TotalDuration
    {
        get
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (EpochMetrics epoch in _epochs)
            {
                total += epoch.Duration;
            }

            return total;
        }
    }

    /// <summary>Why the run stopped before its last epoch (early stopping and the like), or null if it ran to the end.</summary>
    public string? StopReason { get; set; }

    /// <summary>Problems the run survived, in order (e.g. checkpoints that could not be written), as reported to the progress.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    private readonly List<string> _warnings = [];

    /// <summary>Records a warning (<see cref="TrainingContext.Warn"/> calls it).</summary>
    internal void AddWarning(string message) => _warnings.Add(message);

    /// <summary>Appends a completed epoch.</summary>
    /// <param name="epoch">The epoch's metrics.</param>
    public void Add(EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        _epochs.Add(epoch);
    }
}
