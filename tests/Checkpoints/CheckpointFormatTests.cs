using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// Checkpoints written by earlier builds keep loading. The fixtures under <c>tests/Checkpoints/Fixtures</c> were
/// written by <see cref="WriteFixture"/> with the format version in their name; set
/// <c>NETGEN_WRITE_CHECKPOINT_FIXTURES=1</c> to (re)write the one of the current <see cref="Checkpoint.FormatVersion"/>.
/// </summary>
public class CheckpointFormatTests
{
    private const int Samples = 64, BatchSize = 16, StepsPerEpoch = Samples / BatchSize;

    private static Dataset Train => Synthetic.Blobs(Samples, OracleMlp.InputFeatures, OracleMlp.OutputFeatures, seed: 11);

    private static TrainerOptions FixtureOptions(params TrainingCallback[] callbacks) => new()
    {
        Epochs = 3,
        BatchSize = BatchSize,
        Seed = 5,
        Schedule = new CosineSchedule(0.1f),
        Callbacks = callbacks,
    };

    private static Adam FixtureAdam() => new(1e-2f, beta2: 0.99f, weightDecay: 1e-4f);

    private static string FixturePath(int version) => Path.Combine(Repository.Root(), "tests", "Checkpoints", "Fixtures", $"v{version}-mlp{Checkpoint.Extension}");

    /// <summary>The fixture recipe: OracleMlp, Adam, a cosine schedule, early stopping; interrupted after epoch 2 of 3.</summary>
    private static (OracleMlp Network, Adam Adam) WriteFixture(string directory)
    {
        var net = new OracleMlp(seed: 1);
        var adam = FixtureAdam();
        var saver = new CheckpointCallback(directory, everyEpochs: 1, keepLast: 1, preprocessing: new Dictionary<string, float[]> { ["mean"] = [0.5f, -1f] });
        new Trainer(FixtureOptions(saver, new StopAfter(2), new EarlyStopping(EarlyStoppingMonitor.TrainLoss))).Fit(net, adam, Train, null);
        return (net, adam);
    }

    [Fact]
    public void The_fixture_of_the_current_format_version_exists_or_is_written_on_request()
    {
        string path = FixturePath(Checkpoint.FormatVersion);
        if (Environment.GetEnvironmentVariable("NETGEN_WRITE_CHECKPOINT_FIXTURES") == "1")
        {
            using var dir = new TempDirectory();
            WriteFixture(dir.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(CheckpointCallback.FindLatest(dir.Path)!, path, overwrite: true);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with NETGEN_WRITE_CHECKPOINT_FIXTURES=1 and commit it.");
        Checkpoint current = Checkpoint.Load(path);
        Assert.Equal(new TrainingRunSettings(BatchSize, 3, Samples), current.TrainingState!.Settings);
        Assert.Equal(0.99f, (float)current.Optimizer!.Hyperparameters!["beta2"]);
    }

    [Fact]
    public void A_version_1_checkpoint_still_loads_restores_and_resumes()
    {
        Checkpoint v1 = Checkpoint.Load(FixturePath(1));

        // What the file holds, against the same recipe run now.
        using var dir = new TempDirectory();
        (OracleMlp again, Adam againAdam) = WriteFixture(dir.Path);
        Assert.Equal(again.Architecture, v1.Architecture);
        Assert.Equal(OracleMlp.Fingerprint, v1.ArchitectureFingerprint);
        Assert.Equal(again.Parameters.ToArray(), v1.Parameters.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(a)));
        TrainingState state = v1.TrainingState!;
        Assert.Equal((2, 2L * StepsPerEpoch), (state.CompletedEpochs, state.Step));
        Assert.Equal(2, v1.History.Count);
        Assert.Equal("NetGen.Optimizers.Adam", v1.Optimizer!.TypeName);
        Assert.Equal(againAdam.StepCount, v1.Optimizer.State.StepCount);
        Assert.Equal(["EarlyStopping"], state.CallbackStates.Keys);
        Assert.Equal([0.5f, -1f], v1.Preprocessing["mean"]);

        // Restores into fresh objects and resumes to the end of the run.
        var net = new OracleMlp(seed: 9);
        var adam = FixtureAdam();
        v1.Restore(net, adam);
        Assert.Equal(v1.Parameters.ToArray(), net.Parameters.ToArray());
        TrainingHistory history = new Trainer(FixtureOptions(new EarlyStopping(EarlyStoppingMonitor.TrainLoss))).Fit(net, adam, Train, null, state);
        Assert.Equal([1, 2, 3], history.Epochs.Select(e => e.Epoch));
        Assert.Equal(3L * StepsPerEpoch, adam.StepCount);
    }
}
