using System;
using System.Collections.Generic;
using System.Threading;
using NetGen.Data;
using NetGen.Tests.Infrastructure;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class TrainerTests
{
    private const int Features = 8;
    private const int Classes = 4;

    private static SoftmaxRegression NewNetwork(int seed = 1)
    {
        var network = new SoftmaxRegression(Features, Classes);
        network.InitializeParameters(seed);
        return network;
    }

    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Softmax_regression_loss_decreases_and_accuracy_exceeds_0_9()
    {
        Dataset train = Synthetic.Blobs(800, Features, Classes, seed: 1);
        Dataset validation = Synthetic.Blobs(200, Features, Classes, seed: 2);
        SoftmaxRegression network = NewNetwork();
        var (initialLoss, initialAccuracy) = Trainer.Evaluate(network, validation);

        var trainer = new Trainer(new TrainerOptions { Epochs = 8, BatchSize = 32, Seed = 5 });
        TrainingHistory history = trainer.Fit(network, new TestSgd(0.1f), train, validation);

        Assert.Equal(8, history.Epochs.Count);
        for (int e = 1; e < history.Epochs.Count; e++)
        {
            Assert.True(history.Epochs[e].TrainLoss < history.Epochs[e - 1].TrainLoss, $"epoch {e + 1} loss did not decrease");
        }

        EpochMetrics last = history.Last!;
        Assert.True(last.ValidationLoss < initialLoss / 4, $"validation loss {last.ValidationLoss} vs initial {initialLoss}");
        Assert.True(last.TrainAccuracy > 0.9, $"train accuracy {last.TrainAccuracy}");
        Assert.True(last.ValidationAccuracy > 0.9, $"validation accuracy {last.ValidationAccuracy}");
        Assert.True(last.ValidationAccuracy > initialAccuracy);
        Assert.True(last.SamplesPerSecond > 0);
        Assert.Equal(0.1f, last.LearningRate);

        var (loss, accuracy) = Trainer.Evaluate(network, validation, batchSize: 7);
        Assert.Equal(last.ValidationLoss!.Value, loss, 4);
        Assert.Equal(last.ValidationAccuracy!.Value, accuracy, 6);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_parameters()
    {
        Dataset train = Synthetic.Blobs(300, Features, Classes, seed: 1);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 9 };
        SoftmaxRegression a = NewNetwork(), b = NewNetwork(), c = NewNetwork();
        new Trainer(options).Fit(a, new TestSgd(0.1f), train, null);
        new Trainer(options).Fit(b, new TestSgd(0.1f), train, null);
        new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 10 }).Fit(c, new TestSgd(0.1f), train, null);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.NotEqual(a.Parameters.ToArray(), c.Parameters.ToArray());
    }

    [Fact]
    public void Nan_loss_stops_training_at_once_naming_epoch_and_step()
    {
        Dataset train = Synthetic.Blobs(800, Features, Classes, seed: 1); // 25 steps per epoch
        SoftmaxRegression network = NewNetwork();
        network.NaNLossAtForwardCall = 25 + 3; // epoch 2, step 3
        var optimizer = new TestSgd(0.1f);
        var trainer = new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 32 });

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(network, optimizer, train, null));

        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Equal(28, e.Step);
        Assert.True(float.IsNaN(e.Loss));
        Assert.Contains("NaN", e.Message);
        Assert.Contains("epoch 2, step 3 of 25", e.Message);
        Assert.Single(e.History.Epochs);
        Assert.Equal(27, optimizer.StepCount); // the diverged step made no update
    }

    [Fact]
    public void Training_steps_allocate_nothing_after_warm_up()
    {
        Dataset train = Synthetic.Blobs(800, Features, Classes, seed: 1);
        SoftmaxRegression network = NewNetwork();
        var optimizer = new TestSgd(0.05f);
        var oneEpoch = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 8 });   // 100 steps per epoch
        var fiveEpochs = new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 8 });
        oneEpoch.Fit(network, optimizer, train, null); // warm-up: JIT, arena

        // The two runs differ by 4 epochs = 400 steps; what they allocate beyond the fixed setup is per-epoch
        // bookkeeping (one EpochMetrics record each). A single allocation per step would add at least 400 × 24 bytes.
        AllocationAssert.AtMost(4 * 128, ExtraFor400Steps, "4 extra epochs (400 steps) beyond the setup");

        long ExtraFor400Steps()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            oneEpoch.Fit(network, optimizer, train, null);
            long afterOne = GC.GetAllocatedBytesForCurrentThread();
            fiveEpochs.Fit(network, optimizer, train, null);
            long afterFive = GC.GetAllocatedBytesForCurrentThread();
            return (afterFive - afterOne) - (afterOne - start);
        }
    }

    [Fact]
    public void Progress_reports_batches_and_one_summary_per_epoch()
    {
        Dataset train = Synthetic.Blobs(100, Features, Classes, seed: 1);
        Dataset validation = Synthetic.Blobs(40, Features, Classes, seed: 2);
        var recorder = new Recorder();
        var trainer = new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 32, ProgressInterval = TimeSpan.Zero });
        trainer.Fit(NewNetwork(), new TestSgd(0.1f), train, validation, recorder);

        // 4 batches per epoch (32, 32, 32, 4), each reported with a zero interval, then the epoch summary.
        Assert.Equal(3 * (4 + 1), recorder.Reports.Count);
        TrainingProgress batch = recorder.Reports[2];
        Assert.Equal(TrainingProgressKind.Batch, batch.Kind);
        Assert.Equal((1, 3, 3, 4, 3L), (batch.Epoch, batch.Epochs, batch.Batch, batch.BatchesPerEpoch, batch.Step));
        Assert.Null(batch.Metrics);

        TrainingProgress end = recorder.Reports[^1];
        Assert.Equal(TrainingProgressKind.EpochCompleted, end.Kind);
        Assert.Equal(3, end.Epoch);
        Assert.Equal(12, end.Step);
        Assert.NotNull(end.Metrics);
        Assert.NotNull(end.Metrics!.ValidationAccuracy);
        Assert.Equal(end.Metrics.TrainLoss, end.Loss, 10);
    }

    [Fact]
    public void Evaluation_runs_in_inference_mode_and_restores_the_mode()
    {
        Dataset train = Synthetic.Blobs(64, Features, Classes, seed: 1);
        SoftmaxRegression network = NewNetwork();
        network.RecordModes = true;
        network.Mode = NetworkMode.Training;
        Trainer.Evaluate(network, train, batchSize: 32);
        Assert.Equal(new[] { NetworkMode.Inference, NetworkMode.Inference }, network.ModesSeen);
        Assert.Equal(NetworkMode.Training, network.Mode);

        network.ModesSeen.Clear();
        network.Mode = NetworkMode.Inference;
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 32, EvaluationBatchSize = 64 }).Fit(network, new TestSgd(0.1f), train, train);
        Assert.Equal(new[] { NetworkMode.Training, NetworkMode.Training, NetworkMode.Inference }, network.ModesSeen);
        Assert.Equal(NetworkMode.Inference, network.Mode);
    }

    [Fact]
    public void Cancellation_stops_between_steps()
    {
        Dataset train = Synthetic.Blobs(100, Features, Classes, seed: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var optimizer = new TestSgd(0.1f);
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer().Fit(NewNetwork(), optimizer, train, null, null, cts.Token));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Mismatched_dataset_is_rejected_up_front()
    {
        Dataset wrong = Synthetic.Blobs(10, Features + 1, Classes, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => new Trainer().Fit(NewNetwork(), new TestSgd(0.1f), wrong, null));
        Assert.Contains("9 features", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(new TrainerOptions { BatchSize = 0 }));
    }
}
