using System;
using System.Globalization;

namespace NetGen.Training;

/// <summary>The epoch metric that <see cref="EarlyStopping"/> watches.</summary>
public enum EarlyStoppingMonitor
{
    /// <summary>The validation loss; lower is better. Needs a validation set.</summary>
    ValidationLoss = 0,

    /// <summary>The validation accuracy; higher is better. Needs a validation set.</summary>
    ValidationAccuracy = 1,

    /// <summary>The mean training loss of the epoch; lower is better.</summary>
    TrainLoss = 2,

    /// <summary>The training accuracy of the epoch; higher is better.</summary>
    TrainAccuracy = 3,
}

/// <summary>
/// Stops a run when the monitored metric has not improved for <see cref="Patience"/> epochs (Keras's
/// <c>EarlyStopping</c>), and puts back the parameters and buffers of the best epoch when training ends.
/// </summary>
/// <remarks>
/// The copies of the best parameters and buffers are allocated once, in <see cref="OnTrainingStart"/>, and reused by
/// later runs of the same network size. A metric counts as an improvement only when it beats the best by more than
/// <see cref="MinDelta"/>; NaN or infinity never does, and neither does an epoch whose state is not sound (see
/// <see cref="TrainingContext.EpochStateProblem"/>: non-finite parameters, training or validation loss), so the best
/// weights always have a finite loss. When a run throws <see cref="TrainingDivergedException"/> the trainer does not
/// call <see cref="OnTrainingEnd"/>: call <see cref="RestoreBest"/> yourself to get the best weights back.
/// </remarks>
public sealed class EarlyStopping : TrainingCallback, IStateful<EarlyStoppingState>, ICheckpointedCallback
{
    private float[] _bestParameters = Array.Empty<float>();
    private float[] _bestBuffers = Array.Empty<float>();
    private int _epochsWithoutImprovement;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric to watch.</param>
    /// <param name="patience">How many epochs without improvement to allow before stopping; at least 1.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement; zero or more.</param>
    /// <param name="restoreBestWeights">Whether to put back the best epoch's parameters and buffers when training ends.</param>
    public EarlyStopping(EarlyStoppingMonitor monitor = EarlyStoppingMonitor.ValidationLoss, int patience = 5, double minDelta = 0, bool restoreBestWeights = true)
    {
        if (!Enum.IsDefined(monitor))
        {
            throw new ArgumentOutOfRangeException(nameof(monitor), monitor, "Unknown metric.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(minDelta >= 0) || double.IsInfinity(minDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "The minimum improvement must be finite and zero or more.");
        }

        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>The metric being watched.</summary>
    public EarlyStoppingMonitor Monitor { get; }

    /// <summary>How many epochs without improvement stop the run.</summary>
    public int Patience { get; }

    /// <summary>The smallest change of the metric that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Whether the best epoch's parameters and buffers are put back when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Whether a larger value of the monitored metric is better (accuracies) rather than a smaller one (losses).</summary>
    public bool HigherIsBetter => Monitor is EarlyStoppingMonitor.ValidationAccuracy or EarlyStoppingMonitor.TrainAccuracy;

    /// <summary>The epoch with the best metric in the current run, or 0 before any epoch improved.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best value of the metric in the current run (NaN before the first improvement).</summary>
    public double BestValue { get; private set; } = double.NaN;

    /// <summary>The epoch after which this callback stopped the run, or 0 if it did not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>Whether the last run ended with the best epoch's weights put back.</summary>
    public bool WeightsRestored { get; private set; }

    /// <summary>The name a checkpoint saves this callback's state under (change it when a run has two).</summary>
    public string StateName { get; init; } = "EarlyStopping";

    /// <summary>The best value and epoch, the epochs without improvement, the stop epoch and (when restored) the best weights.</summary>
    /// <returns>A copy of the callback's state.</returns>
    public EarlyStoppingState GetState()
    {
        SavedWeights? weights = RestoreBestWeights && BestEpoch > 0
            ? new SavedWeights(CallbackStateBytes.Copy(_bestParameters), CallbackStateBytes.Copy(_bestBuffers))
            : null;
        return new EarlyStoppingState(Monitor, BestEpoch, BestValue, _epochsWithoutImprovement, StoppedEpoch, weights);
    }

    /// <summary>
    /// Takes a state from <see cref="GetState"/> (on resume, after <see cref="OnTrainingStart"/>). Saved best weights
    /// are ignored when this callback does not restore weights.
    /// </summary>
    /// <param name="state">The state to take.</param>
    /// <exception cref="ArgumentException">The state watched another metric, lacks the best weights this callback restores, or holds weights of another network size; nothing was changed.</exception>
    public void SetState(EarlyStoppingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.SameMonitor(StateName, state.Monitor, Monitor);
        SavedWeights? weights = RestoreBestWeights ? state.BestWeights : null;
        StateCheck.CallbackFits(
            !(RestoreBestWeights && state.BestEpoch > 0 && weights is null),
            StateName,
            "has no best weights (saved with restoreBestWeights: false), but this callback restores them.");

        // After OnTrainingStart the copies have the network's size; before any run the state's sizes are taken.
        bool sized = _bestParameters.Length > 0 || _bestBuffers.Length > 0;
        if (weights is not null && sized)
        {
            StateCheck.CallbackFits(
                weights.Parameters.Count == _bestParameters.Length && weights.Buffers.Count == _bestBuffers.Length,
                StateName,
                $"holds {weights.Parameters.Count} parameters and {weights.Buffers.Count} buffer values but the network has {_bestParameters.Length} and {_bestBuffers.Length}.");
        }

        if (weights is not null)
        {
            _bestParameters = weights.Parameters.Span.ToArray();
            _bestBuffers = weights.Buffers.Span.ToArray();
        }

        BestEpoch = state.BestEpoch;
        BestValue = state.BestValue;
        _epochsWithoutImprovement = state.EpochsWithoutImprovement;
        StoppedEpoch = state.StoppedEpoch;
    }

    /// <inheritdoc />
    byte[] ICheckpointedCallback.EncodeState() => GetState().ToBytes();

    /// <inheritdoc />
    void ICheckpointedCallback.DecodeState(ReadOnlySpan<byte> bytes) => CallbackStateBytes.Take(EarlyStoppingState.Decode(bytes, StateName), SetState);

    /// <summary>The metric's value in <paramref name="metrics"/>, or NaN when the epoch has none (no validation set).</summary>
    /// <param name="metrics">An epoch's results.</param>
    public double ValueOf(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return Monitor switch
        {
            EarlyStoppingMonitor.ValidationLoss => metrics.ValidationLoss ?? double.NaN,
            EarlyStoppingMonitor.ValidationAccuracy => metrics.ValidationAccuracy ?? double.NaN,
            EarlyStoppingMonitor.TrainLoss => metrics.TrainLoss,
            _ => metrics.TrainAccuracy,
        };
    }

    /// <inheritdoc />
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Validation is null && Monitor is EarlyStoppingMonitor.ValidationLoss or EarlyStoppingMonitor.ValidationAccuracy)
        {
            throw new InvalidOperationException($"Early stopping on {Monitor} needs a validation set; pass one to Fit or monitor the training loss.");
        }

        NetworkBase network = context.Network;
        if (RestoreBestWeights)
        {
            if (_bestParameters.Length != network.ParameterCount)
            {
                _bestParameters = new float[network.ParameterCount];
            }

            if (_bestBuffers.Length != network.Buffers.Length)
            {
                _bestBuffers = new float[network.Buffers.Length];
            }
        }

        BestEpoch = 0;
        BestValue = double.NaN;
        StoppedEpoch = 0;
        WeightsRestored = false;
        _epochsWithoutImprovement = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metrics);
        double value = ValueOf(metrics);
        if (IsImprovement(value) && context.EpochStateProblem(metrics) is null) // never keep a diverged state as the best
        {
            BestValue = value;
            BestEpoch = metrics.Epoch;
            _epochsWithoutImprovement = 0;
            if (RestoreBestWeights)
            {
                context.Network.Parameters.CopyTo(_bestParameters);
                context.Network.Buffers.CopyTo(_bestBuffers);
            }

            return;
        }

        _epochsWithoutImprovement++;
        if (_epochsWithoutImprovement >= Patience)
        {
            StoppedEpoch = metrics.Epoch;
            CultureInfo inv = CultureInfo.InvariantCulture;
            string best = BestEpoch == 0
                ? "no epoch gave a finite value"
                : string.Format(inv, "the best was {0:G6} at epoch {1}", BestValue, BestEpoch);
            context.RequestStop(string.Format(inv, "Early stopping: {0} did not improve by more than {1:G6} for {2} epochs ({3}).", Monitor, MinDelta, Patience, best));
        }
    }

    /// <inheritdoc />
    public override void OnTrainingEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (RestoreBestWeights)
        {
            RestoreBest(context.Network);
        }
    }

    /// <summary>
    /// Copies the best epoch's parameters and buffers into <paramref name="network"/> (the trainer does this through
    /// <see cref="OnTrainingEnd"/>; call it yourself after a <see cref="TrainingDivergedException"/>).
    /// </summary>
    /// <param name="network">The network that was trained.</param>
    /// <returns>True when weights were restored; false when no epoch improved or <see cref="RestoreBestWeights"/> is off.</returns>
    public bool RestoreBest(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!RestoreBestWeights || BestEpoch == 0)
        {
            return false;
        }

        if (network.ParameterCount != _bestParameters.Length || network.Buffers.Length != _bestBuffers.Length)
        {
            throw new ArgumentException("The network's size differs from the one this callback watched.", nameof(network));
        }

        _bestParameters.CopyTo(network.Parameters);
        _bestBuffers.CopyTo(network.Buffers);
        WeightsRestored = true;
        return true;
    }

    private bool IsImprovement(double value)
    {
        if (!double.IsFinite(value))
        {
            return false; // a NaN or infinite metric comes from a diverged state
        }

        if (BestEpoch == 0)
        {
            return true;
        }

        return HigherIsBetter ? value > BestValue + MinDelta : value < BestValue - MinDelta;
    }
}
