using System.Buffers.Binary;
using System.IO;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;

namespace NetGen.Tests.Checkpoints;

/// <summary>Captures the trainer's state at a chosen epoch and asks the run to stop there (an interrupted run).</summary>
internal sealed class StopAfter(int epoch) : TrainingCallback
{
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        if (context.Epoch == epoch)
        {
            context.RequestStop($"interrupted after epoch {epoch}");
        }
    }
}

/// <summary>A temporary folder deleted with the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => System.IO.Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netgen-ckpt-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Bits
{
    /// <summary>The IEEE bit patterns, so that comparisons are bitwise (−0 ≠ 0, every NaN payload counts).</summary>
    public static int[] Of(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}

public class CheckpointTests
{
    private static Dataset KitchenSinkData(int count, int seed) => Synthetic.Blobs(count, KitchenSinkNet.InputFeatures, 3, seed, noise: 1.5f);

    private static TrainerOptions Options(int epochs, params TrainingCallback[] callbacks) => new()
    {
        Epochs = epochs,
        BatchSize = 24,
        Seed = 17,
        Shuffle = true,
        Schedule = new CosineSchedule(0.1f),
        Callbacks = callbacks,
    };

    private sealed class Capture : TrainingCallback
    {
        public TrainingState? State { get; private set; }

        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics) => State = context.CaptureState();
    }

    [Fact]
    public void Round_trip_restores_every_saved_value_exactly()
    {
        using var dir = new TempDirectory();
        Dataset train = KitchenSinkData(96, 1);
        var net = new KitchenSinkNet(seed: 3);
        var adam = new Adam(3e-3f, weightDecay: 1e-4f);
        var capture = new Capture();
        new Trainer(Options(2, capture)).Fit(net, adam, train, KitchenSinkData(30, 2));
        var prep = new Dictionary<string, float[]> { ["mean"] = [1f, -0f, float.Epsilon], ["std"] = [2.5f] };

        string path = dir.File("a.ngck");
        Checkpoint.Save(path, net, adam, capture.State, prep);
        Checkpoint loaded = Checkpoint.Load(path);

        Assert.Equal(Path.GetFullPath(path), loaded.SourcePath);
        Assert.Equal(net.Architecture, loaded.Architecture);
        Assert.Equal(KitchenSinkNet.Fingerprint, loaded.ArchitectureFingerprint);
        Assert.Equal(Bits.Of(net.Parameters), Bits.Of(loaded.Parameters));
        Assert.Equal(Bits.Of(net.Buffers), Bits.Of(loaded.Buffers));
        Assert.Contains(net.Buffers.ToArray(), v => v != 0f); // batch norm really moved its running statistics
        var rng = new ulong[4];
        net.Random.GetState(rng);
        Assert.Equal(rng, loaded.NetworkRngState.ToArray());
        Assert.Equal(net.ParameterTensors.Select(t => (t.Name, t.Offset, t.Length, string.Join("x", t.Shape), t.Role)),
                     loaded.ParameterTensors.Select(t => (t.Name, t.Offset, t.Length, string.Join("x", t.Shape), t.Role)));
        Assert.Equal(net.BufferTensors.Select(t => t.Name), loaded.BufferTensors.Select(t => t.Name));

        OptimizerState saved = adam.GetState();
        Assert.Equal("NetGen.Optimizers.Adam", loaded.Optimizer!.TypeName);
        Assert.Equal(adam.LearningRate, loaded.Optimizer.LearningRate);
        Assert.Equal(saved.StepCount, loaded.Optimizer.State.StepCount);
        Assert.Equal(saved.Names, loaded.Optimizer.State.Names);
        for (int k = 0; k < saved.Buffers.Count; k++)
        {
            Assert.Equal(Bits.Of(saved.Buffers[k]), Bits.Of(loaded.Optimizer.State.Buffers[k]));
        }

        TrainingState state = loaded.TrainingState!;
        Assert.Equal((capture.State!.CompletedEpochs, capture.State.Step, capture.State.BaseLearningRate, capture.State.LearningRateScale),
                     (state.CompletedEpochs, state.Step, state.BaseLearningRate, state.LearningRateScale));
        Assert.Equal(capture.State.ShuffleRngState, state.ShuffleRngState);
        Assert.Equal(capture.State.AugmentationRngState, state.AugmentationRngState);
        Assert.Equal(capture.State.History, state.History); // records: every field, durations included
        Assert.Equal(capture.State.History, loaded.History);
        Assert.Equal(2, state.History.Count);

        Assert.Equal(["mean", "std"], loaded.Preprocessing.Keys.Order());
        Assert.Equal(Bits.Of(prep["mean"]), Bits.Of(loaded.Preprocessing["mean"]));

        // Same content, same bytes: writing the loaded checkpoint again reproduces the file.
        string again = dir.File("b.ngck");
        loaded.WriteTo(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));

        // Restoring into fresh objects reproduces the network and the optimizer.
        var fresh = new KitchenSinkNet(seed: 99);
        var freshAdam = new Adam(3e-3f, weightDecay: 1e-4f) { LearningRate = 0.5f };
        loaded.Restore(fresh, freshAdam);
        Assert.Equal(Bits.Of(net.Parameters), Bits.Of(fresh.Parameters));
        Assert.Equal(Bits.Of(net.Buffers), Bits.Of(fresh.Buffers));
        Assert.Equal(net.Random.NextUInt64(), fresh.Random.NextUInt64());
        Assert.Equal(adam.StepCount, freshAdam.StepCount);
        Assert.Equal(adam.LearningRate, freshAdam.LearningRate);
        Assert.Equal(Bits.Of(saved.Buffers[1]), Bits.Of(freshAdam.GetState().Buffers[1]));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_bit_for_bit()
    {
        using var dir = new TempDirectory();
        Dataset train = KitchenSinkData(120, 1);
        Dataset validation = KitchenSinkData(36, 2);

        // The uninterrupted run: 4 epochs of Adam with shuffling, dropout, DropConnect, RReLU, stochastic depth and batch norm.
        var straight = new KitchenSinkNet(seed: 5);
        TrainingHistory full = new Trainer(Options(4)).Fit(straight, new Adam(3e-3f), train, validation);

        // The interrupted run: same settings, checkpointed after every epoch, stopped after epoch 2.
        var first = new KitchenSinkNet(seed: 5);
        var saver = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 1);
        new Trainer(Options(4, saver, new StopAfter(2))).Fit(first, new Adam(3e-3f), train, validation);
        string latest = CheckpointCallback.FindLatest(dir.Path)!;
        Assert.EndsWith("checkpoint-epoch0002.ngck", latest);

        // A new process: fresh objects (another seed, so that nothing survives by accident), restore, resume.
        var resumed = new KitchenSinkNet(seed: 77);
        var adam = new Adam(3e-3f);
        Checkpoint checkpoint = Checkpoint.Load(latest);
        checkpoint.Restore(resumed, adam);
        TrainingHistory rest = new Trainer(Options(4)).Fit(resumed, adam, train, validation, checkpoint.TrainingState);

        Assert.Equal(Bits.Of(straight.Parameters), Bits.Of(resumed.Parameters));
        Assert.Equal(Bits.Of(straight.Buffers), Bits.Of(resumed.Buffers));
        Assert.Equal(4, rest.Epochs.Count);
        for (int e = 0; e < 4; e++)
        {
            EpochMetrics a = full.Epochs[e], b = rest.Epochs[e];
            Assert.Equal(
                (a.Epoch, BitConverter.DoubleToInt64Bits(a.TrainLoss), BitConverter.DoubleToInt64Bits(a.TrainAccuracy), BitConverter.DoubleToInt64Bits(a.ValidationLoss!.Value), BitConverter.DoubleToInt64Bits(a.ValidationAccuracy!.Value), a.LearningRate),
                (b.Epoch, BitConverter.DoubleToInt64Bits(b.TrainLoss), BitConverter.DoubleToInt64Bits(b.TrainAccuracy), BitConverter.DoubleToInt64Bits(b.ValidationLoss!.Value), BitConverter.DoubleToInt64Bits(b.ValidationAccuracy!.Value), b.LearningRate));
        }

        // The comparison is sensitive: resuming with the network's random state left fresh gives other dropout masks.
        var careless = new KitchenSinkNet(seed: 77);
        var carelessAdam = new Adam(3e-3f);
        checkpoint.Restore(careless, carelessAdam);
        careless.Random = new Rng(123, stream: -1);
        new Trainer(Options(4)).Fit(careless, carelessAdam, train, validation, checkpoint.TrainingState);
        Assert.NotEqual(Bits.Of(straight.Parameters), Bits.Of(careless.Parameters));
    }

    [Fact]
    public void Resuming_restores_early_stopping_plateau_and_weight_average_state_bit_for_bit()
    {
        using var dir = new TempDirectory();
        Dataset train = KitchenSinkData(120, 1);
        Dataset validation = KitchenSinkData(36, 2);
        const int Epochs = 7;
        (EarlyStopping Stop, ReduceLearningRateOnPlateau Plateau, ExponentialMovingAverage Average) Stateful() => (
            new EarlyStopping(EarlyStoppingMonitor.ValidationLoss, patience: 3),
            new ReduceLearningRateOnPlateau(PlateauMonitor.ValidationAccuracy, factor: 0.5f, patience: 1),
            new ExponentialMovingAverage(decay: 0.9f, includeBuffers: true));

        // The uninterrupted run.
        var straight = new KitchenSinkNet(seed: 5);
        var a = Stateful();
        TrainingHistory full = new Trainer(Options(Epochs, a.Stop, a.Plateau, a.Average)).Fit(straight, new Adam(3e-3f), train, validation);

        // Interrupted after epoch 3, with the checkpoint callback listed first: it saves in OnEpochCompleted, after
        // the stateful callbacks have taken epoch 3 into account.
        var first = new KitchenSinkNet(seed: 5);
        var b = Stateful();
        var saver = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 1);
        new Trainer(Options(Epochs, saver, new StopAfter(3), b.Stop, b.Plateau, b.Average)).Fit(first, new Adam(3e-3f), train, validation);
        Checkpoint checkpoint = Checkpoint.Load(CheckpointCallback.FindLatest(dir.Path)!);
        Assert.Equal(["EarlyStopping", "ExponentialMovingAverage", "ReduceLearningRateOnPlateau"], checkpoint.TrainingState!.CallbackStates.Keys.Order(StringComparer.Ordinal));

        // A new process: fresh network, optimizer and callbacks; only the checkpoint carries the state over.
        var resumed = new KitchenSinkNet(seed: 77);
        var adam = new Adam(3e-3f);
        var c = Stateful();
        checkpoint.Restore(resumed, adam);
        TrainingHistory rest = new Trainer(Options(Epochs, c.Stop, c.Plateau, c.Average)).Fit(resumed, adam, train, validation, checkpoint.TrainingState);

        Assert.Equal(full.StopReason, rest.StopReason);
        Assert.Equal(full.Epochs.Select(e => e.LearningRate), rest.Epochs.Select(e => e.LearningRate));
        Assert.Equal((a.Stop.BestEpoch, a.Stop.BestValue, a.Stop.StoppedEpoch, a.Stop.WeightsRestored), (c.Stop.BestEpoch, c.Stop.BestValue, c.Stop.StoppedEpoch, c.Stop.WeightsRestored));
        Assert.Equal((a.Plateau.Best, a.Plateau.BadEpochs, a.Plateau.CooldownRemaining, a.Plateau.Reductions), (c.Plateau.Best, c.Plateau.BadEpochs, c.Plateau.CooldownRemaining, c.Plateau.Reductions));
        Assert.Equal(a.Average.UpdateCount, c.Average.UpdateCount);
        Assert.Equal(Bits.Of(a.Average.Parameters), Bits.Of(c.Average.Parameters));
        Assert.Equal(Bits.Of(a.Average.Buffers), Bits.Of(c.Average.Buffers));
        Assert.Equal(Bits.Of(straight.Parameters), Bits.Of(resumed.Parameters)); // the best epoch's weights, put back
        Assert.Equal(Bits.Of(straight.Buffers), Bits.Of(resumed.Buffers));
        Assert.True(a.Plateau.Reductions > 0, "the plateau schedule never reduced the rate, so its state was not exercised");
        Assert.True(a.Stop.BestEpoch > 0, "early stopping never saw an improvement");

        // Sensitivity: the same resume without the callback states restarts the averages and the counters.
        var careless = new KitchenSinkNet(seed: 77);
        var carelessAdam = new Adam(3e-3f);
        var d = Stateful();
        checkpoint.Restore(careless, carelessAdam);
        TrainingState withoutCallbacks = checkpoint.TrainingState with { CallbackStates = new Dictionary<string, byte[]>() };
        new Trainer(Options(Epochs, d.Stop, d.Plateau, d.Average)).Fit(careless, carelessAdam, train, validation, withoutCallbacks);
        Assert.NotEqual(Bits.Of(a.Average.Parameters), Bits.Of(d.Average.Parameters));
        Assert.NotEqual(a.Average.UpdateCount, d.Average.UpdateCount);
    }

    [Fact]
    public void Epoch_penalties_travel_with_the_history()
    {
        using var dir = new TempDirectory();
        Dataset train = KitchenSinkData(48, 1);
        var net = new KitchenSinkNet(seed: 5);
        var saver = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 1);
        var options = Options(2, saver) with { GradientTransforms = [new NetGen.Regularization.L2Penalty(1e-3f)] };
        TrainingHistory history = new Trainer(options).Fit(net, new Adam(3e-3f), train, null);
        Checkpoint loaded = Checkpoint.Load(CheckpointCallback.FindLatest(dir.Path)!);

        Assert.All(history.Epochs, m => Assert.True(m.TrainPenalty > 0));
        Assert.Equal(history.Epochs.Select(m => m.TrainPenalty), loaded.History.Select(m => m.TrainPenalty));
        Assert.Equal(history.Epochs.Select(m => m.TrainPenalty), loaded.TrainingState!.History.Select(m => m.TrainPenalty));
    }

    [Fact]
    public void A_callback_state_saved_for_another_setting_is_refused_with_its_name()
    {
        using var dir = new TempDirectory();
        Dataset train = KitchenSinkData(48, 1);
        Dataset validation = KitchenSinkData(24, 2);
        var net = new KitchenSinkNet(seed: 5);
        var saver = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 1);
        new Trainer(Options(3, saver, new StopAfter(1), new EarlyStopping(EarlyStoppingMonitor.ValidationLoss), new ExponentialMovingAverage(0.9f))).Fit(net, new Adam(3e-3f), train, validation);
        Checkpoint checkpoint = Checkpoint.Load(CheckpointCallback.FindLatest(dir.Path)!);

        void Resume(params TrainingCallback[] callbacks)
        {
            var resumed = new KitchenSinkNet(seed: 5);
            var adam = new Adam(3e-3f);
            checkpoint.Restore(resumed, adam);
            new Trainer(Options(3, callbacks)).Fit(resumed, adam, train, validation, checkpoint.TrainingState);
        }

        var monitor = Assert.Throws<InvalidDataException>(() => Resume(new EarlyStopping(EarlyStoppingMonitor.ValidationAccuracy)));
        Assert.Contains("'EarlyStopping' watched ValidationLoss", monitor.Message);
        var buffers = Assert.Throws<InvalidDataException>(() => Resume(new ExponentialMovingAverage(0.9f, includeBuffers: true)));
        Assert.Contains("'ExponentialMovingAverage'", buffers.Message);
        Resume(new EarlyStopping(EarlyStoppingMonitor.ValidationLoss), new ExponentialMovingAverage(0.9f)); // matching settings resume

        // A state with bytes the callback does not read is named too.
        var padded = new Dictionary<string, byte[]>(checkpoint.TrainingState!.CallbackStates);
        padded["EarlyStopping"] = [.. padded["EarlyStopping"], 0];
        var resumedPadded = new KitchenSinkNet(seed: 5);
        var adamPadded = new Adam(3e-3f);
        checkpoint.Restore(resumedPadded, adamPadded);
        var extra = Assert.Throws<InvalidDataException>(() => new Trainer(Options(3, new EarlyStopping(EarlyStoppingMonitor.ValidationLoss))).Fit(resumedPadded, adamPadded, train, validation, checkpoint.TrainingState with { CallbackStates = padded }));
        Assert.Contains("1 bytes the callback did not read", extra.Message);
    }

    [Fact]
    public void Restoring_into_another_architecture_names_both_and_leaves_the_network_untouched()
    {
        using var dir = new TempDirectory();
        string path = dir.File("oracle.ngck");
        Checkpoint.Save(path, new OracleMlp(seed: 1));
        var other = new AllActivationsNet(seed: 2);
        int[] before = Bits.Of(other.Parameters);
        var rngBefore = new ulong[4];
        other.Random.GetState(rngBefore);

        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(path).Restore(other));

        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.Contains(new OracleMlp().Architecture, e.Message);
        Assert.Contains(other.Architecture, e.Message);
        Assert.Contains($"0x{OracleMlp.Fingerprint:X16}", e.Message);
        Assert.Contains($"0x{AllActivationsNet.Fingerprint:X16}", e.Message);
        Assert.Equal(before, Bits.Of(other.Parameters));
        var rngAfter = new ulong[4];
        other.Random.GetState(rngAfter);
        Assert.Equal(rngBefore, rngAfter);
    }

    [Fact]
    public void Restoring_into_another_optimizer_fails_before_anything_changes()
    {
        Dataset train = Synthetic.Blobs(64, 20, 5, seed: 1);
        var source = new OracleMlp(seed: 1);
        var adam = new Adam(1e-2f);
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 16 }).Fit(source, adam, train, null);
        Checkpoint checkpoint = Checkpoint.Capture(source, adam);

        var target = new OracleMlp(seed: 2);
        int[] before = Bits.Of(target.Parameters);
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        var e = Assert.Throws<ArgumentException>(() => checkpoint.Restore(target, sgd));
        Assert.Contains("NetGen.Optimizers.Adam", e.Message);
        Assert.Contains("NetGen.Optimizers.Sgd", e.Message);
        Assert.Equal(before, Bits.Of(target.Parameters));
        Assert.Equal(0, sgd.StepCount);

        // Same type, other options: AMSGrad keeps a third buffer.
        var ams = new Adam(1e-2f, amsGrad: true);
        var e2 = Assert.Throws<ArgumentException>(() => checkpoint.Restore(target, ams));
        Assert.Contains("max_exp_avg_sq", e2.Message);
        Assert.Equal(before, Bits.Of(target.Parameters));
        Assert.Equal(0, ams.StepCount);

        // Asking for optimizer state that was never saved.
        var e3 = Assert.Throws<ArgumentException>(() => Checkpoint.Capture(source).Restore(target, new Adam()));
        Assert.Contains("without optimizer state", e3.Message);
        Assert.Equal(before, Bits.Of(target.Parameters));
    }

    public static TheoryData<int> TruncatedLengths => new() { 0, 5, 8, 23, 24, 100, -1 };

    [Theory]
    [MemberData(nameof(TruncatedLengths))]
    public void Truncated_files_fail_with_a_message_naming_the_file(int length)
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.ngck");
        Checkpoint.Save(path, new OracleMlp(seed: 1), new Adam());
        byte[] bytes = File.ReadAllBytes(path);
        int keep = length >= 0 ? length : bytes.Length - 1;
        File.WriteAllBytes(path, bytes[..keep]);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_the_payload_fails_the_checksum()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f.ngck");
        Checkpoint.Save(path, new OracleMlp(seed: 1));
        byte[] good = File.ReadAllBytes(path);
        foreach (int at in new[] { 24, 40, good.Length / 2, good.Length - 1 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[at] ^= 0x10;
            File.WriteAllBytes(path, bad);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
            Assert.Contains(Path.GetFullPath(path), e.Message);
            Assert.Contains("CRC-32", e.Message);
            Assert.Contains("corrupted", e.Message);
        }
    }

    [Fact]
    public void Bad_magic_and_unknown_versions_are_named()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.ngck");
        Checkpoint.Save(path, new OracleMlp(seed: 1));
        byte[] good = File.ReadAllBytes(path);

        byte[] magic = (byte[])good.Clone();
        magic[1] = (byte)'X';
        File.WriteAllBytes(path, magic);
        Assert.Contains("not a NetGen checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);

        byte[] version = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(version.AsSpan(8), 7);
        File.WriteAllBytes(path, version);
        string message = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message;
        Assert.Contains("format version 7", message);
        Assert.Contains(Path.GetFullPath(path), message);

        File.WriteAllBytes(path, [.. good, 0]);
        Assert.Contains("unexpected bytes", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);
    }

    [Fact]
    public void A_damaged_length_behind_a_valid_checksum_is_caught_by_the_bounds_checks()
    {
        using var dir = new TempDirectory();
        string path = dir.File("l.ngck");
        var net = new OracleMlp(seed: 1);
        Checkpoint.Save(path, net);
        byte[] bytes = File.ReadAllBytes(path);

        // Find the PARM section and claim far more floats than it holds, then re-seal the file with a correct CRC.
        int parm = IndexOf(bytes, "PARM"u8);
        Assert.Equal(net.ParameterCount, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(parm + 12)));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(parm + 12), net.ParameterCount + 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), TestCrc32(bytes.AsSpan(24)));
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("section PARM", e.Message);
        Assert.Contains(Path.GetFullPath(path), e.Message);
    }

    [Fact]
    public void Saving_is_atomic_and_leaves_no_temporary_files()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.ngck");
        var a = new OracleMlp(seed: 1);
        var b = new OracleMlp(seed: 2);
        Checkpoint.Save(path, a);
        Checkpoint.Save(path, b); // overwrites in place

        Assert.Equal([Path.GetFullPath(path)], System.IO.Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Select(Path.GetFullPath));
        Assert.Equal(Bits.Of(b.Parameters), Bits.Of(Checkpoint.Load(path).Parameters));

        // A failed save (the folder does not exist) leaves nothing behind either.
        Assert.ThrowsAny<IOException>(() => Checkpoint.Save(dir.File("missing/x.ngck"), a));
        Assert.Single(System.IO.Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Checkpoint_callback_saves_every_n_epochs_and_the_last_and_keeps_the_newest()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(64, 20, 5, seed: 1);
        var callback = new CheckpointCallback(dir.Path, everyEpochs: 2, keepLast: 2, prefix: "run");
        new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 16, Callbacks = [callback] }).Fit(new OracleMlp(seed: 1), new Adam(), train, null);

        string[] files = System.IO.Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(["run-epoch0004.ngck", "run-epoch0005.ngck"], files);
        Assert.Equal(callback.PathFor(5), CheckpointCallback.FindLatest(dir.Path, "run"));
        Assert.Equal(2, callback.SavedPaths.Count);
        Checkpoint last = Checkpoint.Load(callback.LastPath!);
        Assert.Equal(5, last.TrainingState!.CompletedEpochs);
        Assert.Equal(5, last.History.Count);
        Assert.Equal(20, last.Optimizer!.State.StepCount);
        Assert.Empty(callback.SkippedEpochs);
    }

    [Fact]
    public void Checkpoint_callback_never_saves_a_diverged_epoch()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(128, 8, 4, seed: 1);            // 8 steps per epoch
        var network = new SoftmaxRegression(8, 4) { NaNLossAtForwardCall = 8 + 3 };
        network.InitializeParameters(1);
        var callback = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 0);
        var trainer = new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 16, Callbacks = [callback] });

        Assert.Throws<TrainingDivergedException>(() => trainer.Fit(network, new Sgd(0.1f), train, null));

        Assert.Equal(["checkpoint-epoch0001.ngck"], System.IO.Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(8, Checkpoint.Load(callback.LastPath!).TrainingState!.Step);
    }

    [Fact]
    public void Checkpoint_callback_refuses_an_optimizer_whose_state_it_cannot_save()
    {
        using var dir = new TempDirectory();
        var network = new SoftmaxRegression(8, 4);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, Callbacks = [new CheckpointCallback(dir.Path)] });
        var e = Assert.Throws<NotSupportedException>(() => trainer.Fit(network, new TestSgd(0.1f), Synthetic.Blobs(16, 8, 4, seed: 1), null));
        Assert.Contains("TestSgd", e.Message);
    }

    [Fact]
    public void Standardizer_statistics_travel_with_the_checkpoint()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(50, 20, 5, seed: 1);
        Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.PerFeature);
        string path = dir.File("s.ngck");
        Checkpoint.Save(path, new OracleMlp(seed: 1), preprocessing: StandardizerStatistics.ToArrays(standardizer));

        Standardizer back = StandardizerStatistics.FromArrays(Checkpoint.Load(path).Preprocessing);
        Assert.Equal(standardizer.Kind, back.Kind);
        Assert.Equal(standardizer.Mean, back.Mean);
        Assert.Equal(standardizer.FeatureMeans.ToArray(), back.FeatureMeans.ToArray());
        Assert.Equal(standardizer.FeatureStandardDeviations.ToArray(), back.FeatureStandardDeviations.ToArray());
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>An independent bitwise CRC-32 (IEEE), to re-seal deliberately damaged files.</summary>
    private static uint TestCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
