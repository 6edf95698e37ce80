using System;

namespace NetGen.Training;

/// <summary>The epoch metric that <see cref="ReduceLearningRateOnPlateau"/> watches.</summary>
public enum PlateauMonitor
{
    /// <summary>The validation loss; lower is better (torch's <c>mode='min'</c>).</summary>
    ValidationLoss = 0,

    /// <summary>The validation accuracy; higher is better (torch's <c>mode='max'</c>).</summary>
    ValidationAccuracy = 1,

    /// <summary>The epoch's mean training loss; lower is better.</summary>
    TrainLoss = 2,

    /// <summary>The epoch's training accuracy; higher is better.</summary>
    TrainAccuracy = 3,
}

/// <summary>How <see cref="ReduceLearningRateOnPlateau"/> decides that a metric improved.</summary>
public enum PlateauThresholdMode
{
    /// <summary>Better by a fraction of the best value: <c>best·(1 − threshold)</c> for losses (torch's <c>'rel'</c>).</summary>
    Relative = 0,

    /// <summary>Better by a fixed amount: <c>best − threshold</c> for losses (torch's <c>'abs'</c>).</summary>
    Absolute = 1,
}

/// <summary>
/// Lowers the learning rate when a metric stops improving, with the semantics of
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c> stepped once per epoch: after more than <see cref="Patience"/>
/// epochs without improvement the rate is multiplied by <see cref="Factor"/> (never below <see cref="MinimumScale"/>
/// of the scheduled rate), then <see cref="Cooldown"/> epochs pass before bad epochs count again. It acts on
/// <see cref="TrainingContext.LearningRateScale"/>, a factor the trainer applies on top of any
/// <see cref="TrainerOptions.Schedule"/>, so it composes with step schedules and is saved in checkpoints.
/// </summary>
public sealed class ReduceLearningRateOnPlateau : TrainingCallback, IStateful<ReduceLearningRateOnPlateauState>, ICheckpointedCallback
{
    private readonly bool _higherIsBetter;

    /// <summary>Creates the callback; the defaults are torch's.</summary>
    /// <param name="monitor">The metric to watch; the validation ones need a validation set.</param>
    /// <param name="factor">The factor applied to the rate at each reduction, in (0, 1).</param>
    /// <param name="patience">The number of epochs without improvement that are tolerated before a reduction; 0 or more.</param>
    /// <param name="threshold">How much better than the best value a metric must be to count as an improvement; 0 or more.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative to the best value or absolute.</param>
    /// <param name="cooldown">The number of epochs after a reduction during which bad epochs are not counted; 0 or more.</param>
    /// <param name="minimumScale">The lowest scale (torch's <c>min_lr / base_lr</c>), in [0, 1].</param>
    /// <param name="epsilon">The smallest change of the scale worth making; smaller reductions are skipped (torch's <c>eps</c>).</param>
    public ReduceLearningRateOnPlateau(
        PlateauMonitor monitor = PlateauMonitor.ValidationLoss,
        float factor = 0.1f,
        int patience = 10,
        double threshold = 1e-4,
        PlateauThresholdMode thresholdMode = PlateauThresholdMode.Relative,
        int cooldown = 0,
        float minimumScale = 0f,
        float epsilon = 1e-8f)
    {
        if (factor is not (> 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The reduction factor must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (!(threshold >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be 0 or more.");
        }

        if (minimumScale is not (>= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumScale), minimumScale, "The minimum scale must be in [0, 1].");
        }

        if (!(epsilon >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be 0 or more.");
        }

        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinimumScale = minimumScale;
        Epsilon = epsilon;
        _higherIsBetter = monitor is PlateauMonitor.ValidationAccuracy or PlateauMonitor.TrainAccuracy;
        Reset();
    }

    /// <summary>The metric being watched.</summary>
    public PlateauMonitor Monitor { get; }

    /// <summary>The factor applied to the rate at each reduction.</summary>
    public float Factor { get; }

    /// <summary>The number of epochs without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The margin by which a value must beat the best one to count as an improvement.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public PlateauThresholdMode ThresholdMode { get; }

    /// <summary>The number of epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The lowest learning-rate scale.</summary>
    public float MinimumScale { get; }

    /// <summary>The smallest change of the scale worth making.</summary>
    public float Epsilon { get; }

    /// <summary>The best value seen so far (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>The number of consecutive epochs without improvement (torch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>The number of cooldown epochs left.</summary>
    public int CooldownRemaining { get; private set; }

    /// <summary>The number of reductions made so far.</summary>
    public int Reductions { get; private set; }

    /// <summary>The name a checkpoint saves this callback's state under (change it when a run has two).</summary>
    public string StateName { get; init; } = "ReduceLearningRateOnPlateau";

    /// <summary>The best value and the bad-epoch, cooldown and reduction counters (the scale itself is in the trainer state).</summary>
    /// <returns>A copy of the callback's state.</returns>
    public ReduceLearningRateOnPlateauState GetState() => new(Monitor, Best, BadEpochs, CooldownRemaining, Reductions);

    /// <summary>Takes a state from <see cref="GetState"/> (on resume, after <see cref="OnTrainingStart"/>).</summary>
    /// <param name="state">The state to take.</param>
    /// <exception cref="ArgumentException">The state watched another metric or has negative counters; nothing was changed.</exception>
    public void SetState(ReduceLearningRateOnPlateauState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.SameMonitor(StateName, state.Monitor, Monitor);
        StateCheck.CallbackFits(state.BadEpochs >= 0 && state.CooldownRemaining >= 0 && state.Reductions >= 0, StateName, "has negative counters.");

        Best = state.Best;
        BadEpochs = state.BadEpochs;
        CooldownRemaining = state.CooldownRemaining;
        Reductions = state.Reductions;
    }

    /// <inheritdoc />
    byte[] ICheckpointedCallback.EncodeState() => GetState().ToBytes();

    /// <inheritdoc />
    void ICheckpointedCallback.DecodeState(ReadOnlySpan<byte> bytes) => CallbackStateBytes.Take(ReduceLearningRateOnPlateauState.Decode(bytes, StateName), SetState);

    /// <summary>Forgets the best value and the counters, as at the start of a run.</summary>
    public void Reset()
    {
        Best = _higherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
        BadEpochs = 0;
        CooldownRemaining = 0;
        Reductions = 0;
    }

    /// <summary>
    /// Records one epoch's value of the metric and returns the new scale; the counterpart of torch's
    /// <c>scheduler.step(metric)</c> with the scale in place of the rate. A NaN value never counts as an improvement.
    /// </summary>
    /// <param name="value">The metric's value this epoch.</param>
    /// <param name="scale">The current learning-rate scale.</param>
    /// <returns>The scale to use from the next step on.</returns>
    public float Step(double value, float scale)
    {
        if (IsBetter(value))
        {
            Best = value;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }

        if (CooldownRemaining > 0)
        {
            CooldownRemaining--;
            BadEpochs = 0;
        }

        if (BadEpochs > Patience)
        {
            float reduced = MathF.Max(scale * Factor, MinimumScale);
            if (scale - reduced > Epsilon)
            {
                scale = reduced;
                Reductions++;
            }

            CooldownRemaining = Cooldown;
            BadEpochs = 0;
        }

        return scale;
    }

    /// <summary>Checks that the watched metric will exist and, at the start of a new run (not a resumed one), resets the counters.</summary>
    /// <param name="context">The run.</param>
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Validation is null && Monitor is PlateauMonitor.ValidationLoss or PlateauMonitor.ValidationAccuracy)
        {
            throw new InvalidOperationException($"ReduceLearningRateOnPlateau watches {Monitor} but the run has no validation set; pass one to Fit or monitor a training metric.");
        }

        // A new run starts from scratch; a resumed run (epochs already done) keeps the counters of this instance.
        if (context.Epoch == 0)
        {
            Reset();
        }
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metrics);
        double value = Monitor switch
        {
            PlateauMonitor.ValidationLoss => metrics.ValidationLoss ?? double.NaN,
            PlateauMonitor.ValidationAccuracy => metrics.ValidationAccuracy ?? double.NaN,
            PlateauMonitor.TrainLoss => metrics.TrainLoss,
            _ => metrics.TrainAccuracy,
        };
        context.LearningRateScale = Step(value, context.LearningRateScale);
    }

    private bool IsBetter(double value) => (_higherIsBetter, ThresholdMode) switch
    {
        (false, PlateauThresholdMode.Relative) => value < Best * (1 - Threshold),
        (false, PlateauThresholdMode.Absolute) => value < Best - Threshold,
        (true, PlateauThresholdMode.Relative) => value > Best * (1 + Threshold),
        _ => value > Best + Threshold,
    };
}
