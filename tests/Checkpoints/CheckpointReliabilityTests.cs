using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// What checkpoints guarantee around other runs, resumes and failing disks: pruning touches only the callback's own
/// files, resuming refuses changed settings and optimizer options, temporary files of killed saves are removed, and a
/// failing save can warn instead of ending the run.
/// </summary>
public class CheckpointReliabilityTests
{
    private static Dataset Train(int count = 64) => Synthetic.Blobs(count, OracleMlp.InputFeatures, OracleMlp.OutputFeatures, seed: 1);

    private static TrainerOptions Options(int epochs, params TrainingCallback[] callbacks) => new()
    {
        Epochs = epochs,
        BatchSize = 16,
        Seed = 3,
        Schedule = new CosineSchedule(),
        Callbacks = callbacks,
    };

    private sealed class Reports : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> All { get; } = [];

        public void Report(TrainingProgress value) => All.Add(value);
    }

    [Fact]
    public void A_second_run_into_the_same_folder_prunes_only_its_own_files_and_FindLatest_returns_its_newest()
    {
        using var dir = new TempDirectory();

        // Run A: 5 epochs, keeps its newest 2 (epochs 4 and 5).
        var first = new CheckpointCallback(dir.Path, keepLast: 2);
        new Trainer(Options(5, first)).Fit(new OracleMlp(seed: 1), new Adam(1e-2f), Train(), null);
        Assert.Equal([first.PathFor(4), first.PathFor(5)], first.SavedPaths.Select(Path.GetFullPath));
        Dictionary<string, byte[]> before = first.SavedPaths.ToDictionary(p => p, File.ReadAllBytes);

        // Run B: a new run with the same prefix, 2 epochs, also keepLast 2.
        var second = new CheckpointCallback(dir.Path, keepLast: 2);
        new Trainer(Options(2, second)).Fit(new OracleMlp(seed: 2), new Adam(1e-2f), Train(), null);

        // B keeps both of its files, A's files are untouched.
        Assert.Equal([second.PathFor(1), second.PathFor(2)], second.SavedPaths.Select(Path.GetFullPath));
        Assert.All(second.SavedPaths, p => Assert.True(File.Exists(p)));
        foreach ((string path, byte[] bytes) in before)
        {
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        // The newest file written, not the highest epoch number of any run; a damaged newest file is skipped.
        Assert.Equal(Path.GetFullPath(second.PathFor(2)), CheckpointCallback.FindLatest(dir.Path));
        File.WriteAllBytes(second.PathFor(2), File.ReadAllBytes(second.PathFor(2))[..100]);
        Assert.Equal(Path.GetFullPath(second.PathFor(1)), CheckpointCallback.FindLatest(dir.Path));

        // A third run with keepLast 1 deletes its own epoch 1 and nothing of A's or B's.
        var third = new CheckpointCallback(dir.Path, keepLast: 1, prefix: "other");
        new Trainer(Options(2, third)).Fit(new OracleMlp(seed: 3), new Adam(1e-2f), Train(), null);
        Assert.Equal([third.PathFor(2)], third.SavedPaths.Select(Path.GetFullPath));
        Assert.False(File.Exists(third.PathFor(1)));
        Assert.True(File.Exists(second.PathFor(1)));
        Assert.All(before.Keys, p => Assert.True(File.Exists(p)));
    }

    [Fact]
    public void Resuming_with_another_batch_size_epoch_count_or_dataset_size_is_refused_naming_the_setting()
    {
        using var dir = new TempDirectory();
        new Trainer(Options(3, new CheckpointCallback(dir.Path, keepLast: 1), new StopAfter(1))).Fit(new OracleMlp(seed: 1), new Adam(1e-2f), Train(), null);
        Checkpoint checkpoint = Checkpoint.Load(CheckpointCallback.FindLatest(dir.Path)!);
        Assert.Equal(new TrainingRunSettings(16, 3, 64), checkpoint.TrainingState!.Settings);

        void Resume(TrainerOptions options, Dataset train, string expected)
        {
            var net = new OracleMlp(seed: 9);
            var adam = new Adam(1e-2f);
            checkpoint.Restore(net, adam);
            int[] restored = Bits.Of(net.Parameters);
            var e = Assert.Throws<ArgumentException>(() => new Trainer(options).Fit(net, adam, train, null, checkpoint.TrainingState));
            Assert.Contains(expected, e.Message);
            Assert.Equal(restored, Bits.Of(net.Parameters)); // refused before any step
            Assert.Equal(checkpoint.Optimizer!.State.StepCount, adam.StepCount);
        }

        Resume(Options(3) with { BatchSize = 32 }, Train(), "BatchSize = 16, but this run has BatchSize = 32");
        Resume(Options(5), Train(), "Epochs = 3, but this run has Epochs = 5");
        Resume(Options(3), Train(80), "(Dataset.Count) = 64, but this run has the training set's sample count (Dataset.Count) = 80");

        // The saved settings resume.
        var ok = new OracleMlp(seed: 9);
        var okAdam = new Adam(1e-2f);
        checkpoint.Restore(ok, okAdam);
        Assert.Equal(3, new Trainer(Options(3)).Fit(ok, okAdam, Train(), null, checkpoint.TrainingState).Epochs.Count);
    }

    [Fact]
    public void Restoring_into_an_optimizer_with_other_hyperparameters_is_refused_naming_them()
    {
        using var dir = new TempDirectory();
        var source = new OracleMlp(seed: 1);
        var adam = new Adam(1e-2f, beta2: 0.99f, epsilon: 1e-6f, weightDecay: 1e-4f);
        new Trainer(Options(1)).Fit(source, adam, Train(), null);
        string path = dir.File("h.ngck");
        Checkpoint.Save(path, source, adam);
        Checkpoint loaded = Checkpoint.Load(path);
        Assert.Equal(0.99f, (float)loaded.Optimizer!.Hyperparameters!["beta2"]);

        var target = new OracleMlp(seed: 2);
        int[] before = Bits.Of(target.Parameters);
        void Refused(IOptimizer optimizer, string expected)
        {
            var e = Assert.Throws<ArgumentException>(() => loaded.Restore(target, optimizer));
            Assert.Contains(expected, e.Message);
            Assert.Contains(Path.GetFullPath(path), e.Message);
            Assert.Equal(before, Bits.Of(target.Parameters));
        }

        Refused(new Adam(1e-2f, epsilon: 1e-6f, weightDecay: 1e-4f), "with beta2 = 0.99, but the optimizer has beta2 = 0.999");
        Refused(new Adam(1e-2f, beta2: 0.99f, weightDecay: 1e-4f), "with eps = 1E-06, but the optimizer has eps = 1E-08");
        Refused(new Adam(1e-2f, beta2: 0.99f, epsilon: 1e-6f), "with weight_decay = 0.0001, but the optimizer has weight_decay = 0");

        var same = new Adam(0.5f, beta2: 0.99f, epsilon: 1e-6f, weightDecay: 1e-4f); // the learning rate is restored, not compared
        loaded.Restore(target, same);
        Assert.Equal(adam.StepCount, same.StepCount);

        // Momentum of SGD as well.
        Checkpoint sgd = Checkpoint.Capture(source, Stepped(new Sgd(0.1f, momentum: 0.9f), source));
        var e2 = Assert.Throws<ArgumentException>(() => sgd.Restore(new OracleMlp(seed: 2), new Sgd(0.1f, momentum: 0.9f, nesterov: true)));
        Assert.Contains("with nesterov = 0, but the optimizer has nesterov = 1", e2.Message);
    }

    private static Optimizer Stepped(Optimizer optimizer, NetworkBase network)
    {
        optimizer.Step(network.Parameters.ToArray(), new float[network.ParameterCount]);
        return optimizer;
    }

    [Fact]
    public void Temporary_files_of_a_killed_save_are_removed_by_later_saves_and_at_training_start()
    {
        using var dir = new TempDirectory();
        string Temp(string target) => dir.File("." + target + "." + Guid.NewGuid().ToString("N") + ".tmp");
        void Age(string path, TimeSpan age)
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        }

        string staleEpoch = Temp("checkpoint-epoch0007.ngck");
        string staleModel = Temp("model.ngck");
        string young = Temp("checkpoint-epoch0003.ngck");   // may be a save in progress in another process
        string otherRun = Temp("other-epoch0001.ngck");      // another prefix: not this callback's
        string user = dir.File(".notes.ngck.tmp");           // not NetGen's temporary naming
        Age(staleEpoch, TimeSpan.FromHours(2));
        Age(staleModel, TimeSpan.FromHours(2));
        Age(young, TimeSpan.Zero);
        Age(otherRun, TimeSpan.FromHours(2));
        Age(user, TimeSpan.FromHours(2));

        // A save of model.ngck removes the stale temporary file of model.ngck.
        Checkpoint.Save(dir.File("model.ngck"), new OracleMlp(seed: 1));
        Assert.False(File.Exists(staleModel));
        Assert.True(File.Exists(staleEpoch));

        // The callback removes its prefix's stale temporary files when training starts.
        var saver = new CheckpointCallback(dir.Path, keepLast: 0);
        new Trainer(Options(1, saver)).Fit(new OracleMlp(seed: 1), new Adam(1e-2f), Train(), null);
        Assert.False(File.Exists(staleEpoch));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(otherRun));
        Assert.True(File.Exists(user));
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_warns_and_training_continues_with_the_previous_checkpoint_intact()
    {
        using var dir = new TempDirectory();
        var saver = new CheckpointCallback(dir.Path, keepLast: 2) { OnSaveError = CheckpointSaveErrorPolicy.WarnAndContinue };

        // Epoch 2's file cannot be written: a folder of that name is in the way (as a full disk, the move fails with an IOException).
        Directory.CreateDirectory(saver.PathFor(2));
        var reports = new Reports();
        TrainingHistory history = new Trainer(Options(3, saver)).Fit(new OracleMlp(seed: 1), new Adam(1e-2f), Train(), null, reports);

        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal([2], saver.FailedEpochs);
        string warning = Assert.Single(history.Warnings);
        Assert.Contains("epoch 2 could not be written", warning);
        Assert.Contains(Path.GetFullPath(saver.PathFor(1)), warning); // names the newest good checkpoint
        TrainingProgress reported = Assert.Single(reports.All, r => r.Kind == TrainingProgressKind.Warning);
        Assert.Equal((warning, 2), (reported.Message, reported.Epoch));
        Assert.Equal(1, Checkpoint.Load(saver.PathFor(1)).TrainingState!.CompletedEpochs);
        Assert.Equal(3, Checkpoint.Load(saver.PathFor(3)).TrainingState!.CompletedEpochs);
        Assert.Equal([saver.PathFor(1), saver.PathFor(3)], saver.SavedPaths.Select(Path.GetFullPath));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));

        // The console shows the warning on its own line.
        var console = new StringWriter();
        new ConsoleProgress(console, interactive: false).Report(reported);
        Assert.Equal("warning: " + warning + Environment.NewLine, console.ToString());

        // By default the failure ends the run.
        var strict = new CheckpointCallback(dir.Path, keepLast: 0, prefix: "strict");
        Directory.CreateDirectory(strict.PathFor(1));
        Assert.ThrowsAny<IOException>(() => new Trainer(Options(2, strict)).Fit(new OracleMlp(seed: 1), new Adam(1e-2f), Train(), null));
    }
}
