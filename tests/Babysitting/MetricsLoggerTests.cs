using System.Globalization;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Training;
using NetGen.Training;

namespace NetGen.Tests.Babysitting;

public sealed class MetricsLoggerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-metrics-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Records what a callback sees at each step and epoch end (it runs before the logger).</summary>
    private sealed class Recorder : TrainingCallback
    {
        public List<(long Step, int Epoch, float Loss, float LearningRate)> Steps { get; } = [];

        public List<float[]> Parameters { get; } = [];

        public List<float[]> Gradients { get; } = [];

        public override void OnStepEnd(TrainingContext context) =>
            Steps.Add((context.Step, context.Epoch, context.LastLoss, context.Optimizer.LearningRate));

        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
        {
            Parameters.Add(context.Network.Parameters.ToArray());
            Gradients.Add(context.Network.Gradients.ToArray());
        }
    }

    private static string[][] ReadCsv(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        Assert.EndsWith("\n", text); // never a partial row
        return text.TrimEnd('\n').Split('\n').Select(line => line.Split(',')).ToArray();
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Norm(float[] values, ParameterTensor tensor) =>
        Math.Sqrt(values.AsSpan(tensor.Offset, tensor.Length).ToArray().Sum(v => (double)v * v));

    [Fact]
    public void Epoch_csv_has_the_documented_columns_and_the_historys_values()
    {
        Dataset train = BabyData.Blobs(64, 8, 10, seed: 1);
        Dataset validation = BabyData.Blobs(50, 8, 10, seed: 2);
        var network = new BabyMlp();
        network.InitializeParameters(1);
        string path = Path.Combine(_folder, "sub", "epochs.csv");
        var recorder = new Recorder();
        var logger = new MetricsLogger(path);
        var options = new TrainerOptions { Epochs = 4, BatchSize = 16, Schedule = new CosineSchedule(), Callbacks = [recorder, logger] };

        TrainingHistory history = new Trainer(options).Fit(network, new Adam(0.01f), train, validation);

        string[][] rows = ReadCsv(path);
        IReadOnlyList<string> columns = MetricsLogger.ColumnsFor(network);
        Assert.Equal(
            ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "duration_s", "samples_per_s", "train_penalty",
             "dense0.weight.norm", "dense0.weight.grad_norm", "dense0.bias.norm", "dense0.bias.grad_norm",
             "dense2.weight.norm", "dense2.weight.grad_norm", "dense2.bias.norm", "dense2.bias.grad_norm"],
            columns);
        Assert.Equal(columns, rows[0]);
        Assert.Equal(1 + history.Epochs.Count, rows.Length);
        for (int e = 0; e < history.Epochs.Count; e++)
        {
            EpochMetrics m = history.Epochs[e];
            string[] row = rows[e + 1];
            Assert.Equal(columns.Count, row.Length);
            Assert.Equal(m.Epoch, int.Parse(row[0], CultureInfo.InvariantCulture));
            Assert.Equal(m.TrainLoss, Number(row[1]));
            Assert.Equal(m.TrainAccuracy, Number(row[2]));
            Assert.Equal(m.ValidationLoss!.Value, Number(row[3]));
            Assert.Equal(m.ValidationAccuracy!.Value, Number(row[4]));
            Assert.Equal(m.LearningRate, float.Parse(row[5], CultureInfo.InvariantCulture));
            Assert.Equal(m.Duration.TotalSeconds, Number(row[6]));
            Assert.Equal(m.SamplesPerSecond, Number(row[7]));
            Assert.Equal(m.TrainPenalty, Number(row[8]));
            for (int t = 0; t < network.ParameterTensors.Count; t++)
            {
                ParameterTensor tensor = network.ParameterTensors[t];
                Assert.Equal(Norm(recorder.Parameters[e], tensor), Number(row[9 + (2 * t)]), 12);
                Assert.Equal(Norm(recorder.Gradients[e], tensor), Number(row[10 + (2 * t)]), 12);
            }
        }

        Assert.NotEqual(rows[1][5], rows[^1][5]); // the schedule changed the learning rate
        Assert.True(Number(rows[^1][10]) > 0, "the last gradient is not zero");
    }

    [Fact]
    public void Epochs_without_validation_leave_the_validation_cells_empty()
    {
        var network = new BabyMlp();
        network.InitializeParameters(1);
        string path = Path.Combine(_folder, "epochs.csv");
        new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Callbacks = [new MetricsLogger(path)] })
            .Fit(network, new Adam(0.01f), BabyData.Blobs(32, 8, 10, seed: 1), null);

        string[][] rows = ReadCsv(path);
        Assert.Equal(3, rows.Length);
        Assert.Equal(string.Empty, rows[1][3]);
        Assert.Equal(string.Empty, rows[1][4]);
    }

    [Fact]
    public void Step_csv_has_a_row_every_interval_with_the_steps_loss_and_learning_rate()
    {
        var network = new BabyMlp();
        network.InitializeParameters(1);
        string path = Path.Combine(_folder, "epochs.csv"), steps = Path.Combine(_folder, "steps.csv");
        var recorder = new Recorder();
        var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Schedule = new CosineSchedule(), Callbacks = [recorder, new MetricsLogger(path, steps, stepInterval: 3)] };

        new Trainer(options).Fit(network, new Adam(0.01f), BabyData.Blobs(64, 8, 10, seed: 1), null); // 8 steps per epoch

        string[][] rows = ReadCsv(steps);
        Assert.Equal(["step", "epoch", "loss", "learning_rate"], rows[0]);
        var expected = recorder.Steps.Where(s => s.Step % 3 == 0).ToList();
        Assert.Equal(8, expected.Count); // steps 3, 6, …, 24
        Assert.Equal(1 + expected.Count, rows.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Step, long.Parse(rows[i + 1][0], CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].Epoch, int.Parse(rows[i + 1][1], CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].Loss, float.Parse(rows[i + 1][2], CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].LearningRate, float.Parse(rows[i + 1][3], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Numbers_are_written_in_the_invariant_culture_whatever_the_current_one()
    {
        CultureInfo original = CultureInfo.CurrentCulture;
        var german = new CultureInfo("de-DE");
        Assert.Equal(",", german.NumberFormat.NumberDecimalSeparator); // ICU is present, so the culture would matter
        string path = Path.Combine(_folder, "epochs.csv"), steps = Path.Combine(_folder, "steps.csv");
        try
        {
            CultureInfo.CurrentCulture = german;
            var network = new BabyMlp();
            network.InitializeParameters(1);
            new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Callbacks = [new MetricsLogger(path, steps, stepInterval: 1)] })
                .Fit(network, new Adam(0.01f), BabyData.Blobs(32, 8, 10, seed: 1), BabyData.Blobs(16, 8, 10, seed: 2));
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }

        string[][] rows = ReadCsv(path);
        Assert.All(rows, row => Assert.Equal(rows[0].Length, row.Length)); // a decimal comma would add cells
        Assert.Contains('.', rows[1][1]);
        Assert.All(ReadCsv(steps), row => Assert.Equal(4, row.Length));
    }

    [Fact]
    public void A_diverged_run_leaves_complete_rows_of_the_finite_steps_and_epochs_only()
    {
        Dataset train = Synthetic.Blobs(800, 8, 4, seed: 1); // 25 steps per epoch
        var network = new SoftmaxRegression(8, 4);
        network.InitializeParameters(1);
        network.NaNLossAtForwardCall = 25 + 3; // epoch 2, step 3
        string path = Path.Combine(_folder, "epochs.csv"), steps = Path.Combine(_folder, "steps.csv");
        var logger = new MetricsLogger(path, steps, stepInterval: 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 32, Callbacks = [logger] });

        Assert.Throws<TrainingDivergedException>(() => trainer.Fit(network, new TestSgd(0.1f), train, null));

        // Before anything is closed: the epoch file holds epoch 1, the step file the steps flushed with it.
        string[][] epochs = ReadCsv(path);
        Assert.Equal(2, epochs.Length);
        Assert.Equal("1", epochs[1][0]);
        Assert.Equal(26, ReadCsv(steps).Length);

        logger.Dispose(); // writes the pending rows of steps 26 and 27 and closes the files
        string[][] stepRows = ReadCsv(steps);
        Assert.Equal(1 + 27, stepRows.Length);
        Assert.Equal("27", stepRows[^1][0]);
        Assert.All(stepRows.Skip(1), row => Assert.True(double.IsFinite(Number(row[2])), $"step {row[0]} logged a non-finite loss"));
        Assert.All(epochs.Skip(1).SelectMany(row => row.Skip(1)).Where(cell => cell.Length > 0), cell => Assert.True(double.IsFinite(Number(cell))));
        using (File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // Disposing closed the files: they can be opened exclusively.
        }
    }

    [Fact]
    public void Appending_continues_the_files_without_a_second_header()
    {
        var network = new BabyMlp();
        network.InitializeParameters(1);
        string path = Path.Combine(_folder, "epochs.csv");
        Dataset data = BabyData.Blobs(32, 8, 10, seed: 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Callbacks = [new MetricsLogger(path, append: true)] });
        trainer.Fit(network, new Adam(0.01f), data, null);
        trainer.Fit(network, new Adam(0.01f), data, null);

        string[][] rows = ReadCsv(path);
        Assert.Equal(5, rows.Length);
        Assert.Equal(["epoch", "1", "2", "1", "2"], rows.Select(r => r[0]));
    }

    [Fact]
    public void Writing_rows_allocates_nothing_per_step()
    {
        Dataset train = Synthetic.Blobs(800, 8, 4, seed: 1);
        var network = new SoftmaxRegression(8, 4);
        network.InitializeParameters(1);
        var optimizer = new TestSgd(0.05f);
        TrainerOptions Options(int epochs) => new()
        {
            Epochs = epochs,
            BatchSize = 8, // 100 steps per epoch
            Callbacks = [new MetricsLogger(Path.Combine(_folder, $"e{epochs}.csv"), Path.Combine(_folder, $"s{epochs}.csv"), stepInterval: 1)],
        };
        var oneEpoch = new Trainer(Options(1));
        var fiveEpochs = new Trainer(Options(5));
        oneEpoch.Fit(network, optimizer, train, null); // warm-up: JIT, arena

        // 4 more epochs = 400 more step rows and 4 more epoch rows; one allocation per row would add at least 400 × 24 bytes.
        AllocationAssert.AtMost(4 * 256, ExtraFor400Rows, "4 extra epochs (400 step rows) beyond the setup");

        long ExtraFor400Rows()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            oneEpoch.Fit(network, optimizer, train, null);
            long afterOne = GC.GetAllocatedBytesForCurrentThread();
            fiveEpochs.Fit(network, optimizer, train, null);
            long afterFive = GC.GetAllocatedBytesForCurrentThread();
            return (afterFive - afterOne) - (afterOne - start);
        }
        Assert.Equal(1 + 500, ReadCsv(Path.Combine(_folder, "s5.csv")).Length);
    }

    [Fact]
    public void L2_norm_is_the_square_root_of_the_sum_of_squares()
    {
        Assert.Equal(5.0, MetricsLogger.L2Norm([3f, -4f]));
        Assert.Equal(0.0, MetricsLogger.L2Norm([]));
    }
}
