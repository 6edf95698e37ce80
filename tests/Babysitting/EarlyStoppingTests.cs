using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Tests.Babysitting;

public class EarlyStoppingTests
{
    private const int MaxEpochs = 200;

    /// <summary>Copies the parameters and buffers at the end of every epoch.</summary>
    private sealed class Snapshots : TrainingCallback
    {
        public Dictionary<int, float[]> Parameters { get; } = [];

        public Dictionary<int, float[]> Buffers { get; } = [];

        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
        {
            Parameters[metrics.Epoch] = context.Network.Parameters.ToArray();
            Buffers[metrics.Epoch] = context.Network.Buffers.ToArray();
        }
    }

    /// <summary>40 noisy training samples against 400 validation samples: the validation loss falls, then rises.</summary>
    private static (TrainingHistory History, Snapshots Snapshots) Overfit(NetworkBase network, EarlyStopping? earlyStopping)
    {
        Dataset train = BabyData.Blobs(40, 8, 10, seed: 1);
        Dataset validation = BabyData.Blobs(400, 8, 10, seed: 2);
        network.InitializeParameters(7);
        var snapshots = new Snapshots();
        var callbacks = new List<TrainingCallback> { snapshots };
        if (earlyStopping is not null)
        {
            callbacks.Add(earlyStopping);
        }

        var trainer = new Trainer(new TrainerOptions { Epochs = MaxEpochs, BatchSize = 8, Seed = 3, Callbacks = callbacks });
        TrainingHistory history = trainer.Fit(network, new Adam(0.01f), train, validation);
        return (history, snapshots);
    }

    private static int ArgMin(IReadOnlyList<EpochMetrics> epochs, Func<EpochMetrics, double> metric)
    {
        EpochMetrics best = epochs[0];
        foreach (EpochMetrics m in epochs)
        {
            if (metric(m) < metric(best))
            {
                best = m;
            }
        }

        return best.Epoch;
    }

    [Fact]
    public void The_tiny_training_set_really_overfits()
    {
        (TrainingHistory history, _) = Overfit(new BabyMlp(), earlyStopping: null);

        int best = ArgMin(history.Epochs, m => m.ValidationLoss!.Value);
        Assert.InRange(best, 2, MaxEpochs / 4);
        Assert.True(history.Last!.ValidationLoss > 1.5 * history.Epochs[best - 1].ValidationLoss, "the validation loss should rise well above its minimum");
        Assert.True(history.Last.TrainLoss < history.Epochs[best - 1].TrainLoss, "while the training loss keeps falling");
    }

    [Fact]
    public void Stops_after_patience_epochs_without_improvement_and_restores_the_best_epoch_exactly()
    {
        var network = new BabyNormMlp();
        var earlyStopping = new EarlyStopping(EarlyStoppingMonitor.ValidationLoss, patience: 4);

        (TrainingHistory history, Snapshots snapshots) = Overfit(network, earlyStopping);

        int best = ArgMin(history.Epochs, m => m.ValidationLoss!.Value);
        Assert.Equal(best, earlyStopping.BestEpoch);
        Assert.Equal(history.Epochs[best - 1].ValidationLoss!.Value, earlyStopping.BestValue);
        Assert.Equal(best + 4, history.Epochs.Count); // stopped right after the patience ran out
        Assert.Equal(best + 4, earlyStopping.StoppedEpoch);
        Assert.True(history.Epochs.Count < MaxEpochs);
        Assert.StartsWith("Early stopping: ValidationLoss did not improve", history.StopReason);
        Assert.Contains($"at epoch {best}", history.StopReason);
        Assert.True(earlyStopping.WeightsRestored);
        Assert.NotEqual(snapshots.Parameters[history.Epochs.Count], snapshots.Parameters[best]);
        Assert.Equal(snapshots.Parameters[best], network.Parameters.ToArray());
        Assert.NotEmpty(network.Buffers.ToArray());
        Assert.NotEqual(snapshots.Buffers[history.Epochs.Count], snapshots.Buffers[best]);
        Assert.Equal(snapshots.Buffers[best], network.Buffers.ToArray());

        // The restored network scores the best epoch's validation loss again.
        double loss = Trainer.Evaluate(network, BabyData.Blobs(400, 8, 10, seed: 2)).Loss;
        Assert.Equal(history.Epochs[best - 1].ValidationLoss!.Value, loss, 5);
    }

    [Fact]
    public void Without_restoring_the_last_epochs_weights_are_kept()
    {
        var network = new BabyMlp();
        var earlyStopping = new EarlyStopping(EarlyStoppingMonitor.ValidationLoss, patience: 3, restoreBestWeights: false);

        (TrainingHistory history, Snapshots snapshots) = Overfit(network, earlyStopping);

        Assert.Equal(earlyStopping.BestEpoch + 3, history.Epochs.Count);
        Assert.False(earlyStopping.WeightsRestored);
        Assert.Equal(snapshots.Parameters[history.Epochs.Count], network.Parameters.ToArray());
        Assert.False(earlyStopping.RestoreBest(network));
    }

    [Fact]
    public void Validation_accuracy_counts_higher_as_better()
    {
        var network = new BabyMlp();
        var earlyStopping = new EarlyStopping(EarlyStoppingMonitor.ValidationAccuracy, patience: 5);

        (TrainingHistory history, Snapshots snapshots) = Overfit(network, earlyStopping);

        // The best epoch is the first one reaching the highest accuracy (later ties are no improvement).
        double top = history.Epochs.Max(m => m.ValidationAccuracy!.Value);
        int best = history.Epochs.First(m => m.ValidationAccuracy == top).Epoch;
        Assert.Equal(best, earlyStopping.BestEpoch);
        Assert.Equal(best + 5, history.Epochs.Count);
        Assert.Equal(snapshots.Parameters[best], network.Parameters.ToArray());
    }

    [Fact]
    public void Min_delta_ignores_improvements_that_are_too_small()
    {
        var network = new BabyMlp();
        var earlyStopping = new EarlyStopping(EarlyStoppingMonitor.TrainLoss, patience: 2, minDelta: 100);

        (TrainingHistory history, Snapshots snapshots) = Overfit(network, earlyStopping);

        Assert.True(history.Epochs[1].TrainLoss < history.Epochs[0].TrainLoss); // it did improve, by less than 100
        Assert.Equal(1, earlyStopping.BestEpoch);
        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(snapshots.Parameters[1], network.Parameters.ToArray());
    }

    [Fact]
    public void Monitoring_validation_without_a_validation_set_is_an_error()
    {
        var network = new BabyMlp();
        network.InitializeParameters(1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, Callbacks = [new EarlyStopping(EarlyStoppingMonitor.ValidationLoss)] });

        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(network, new Adam(), BabyData.Blobs(20, 8, 10, seed: 1), null));
        Assert.Contains("validation set", e.Message);
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(patience: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(minDelta: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(minDelta: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping((EarlyStoppingMonitor)42));
    }
}
