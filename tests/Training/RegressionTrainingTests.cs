using System.Globalization;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class RegressionTrainingTests
{
    /// <summary>Targets that a 4-8-3 tanh network can fit: three smooth functions of four inputs, plus a little noise.</summary>
    private static Dataset Smooth(int count, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * 4];
        var y = new float[count * 3];
        for (int s = 0; s < count; s++)
        {
            Span<float> f = x.AsSpan(s * 4, 4);
            for (int i = 0; i < 4; i++)
            {
                f[i] = rng.NextGaussian();
            }

            y[(s * 3) + 0] = (0.8f * f[0]) - (0.5f * f[1]) + (0.05f * rng.NextGaussian());
            y[(s * 3) + 1] = MathF.Tanh(f[2] + f[3]) + (0.05f * rng.NextGaussian());
            y[(s * 3) + 2] = (0.3f * f[0] * f[3]) + 0.5f;
        }

        return new Dataset(x, y, [4], targetCount: 3);
    }

    [Fact]
    public void Trainer_fits_a_mean_squared_error_network_and_records_mse_mae_and_r2_of_the_validation_set()
    {
        Dataset train = Smooth(1000, seed: 1);
        Dataset validation = Smooth(300, seed: 2);
        var net = new RegressionNet(seed: 3);
        RegressionMetrics before = Trainer.EvaluateRegression(net, validation);

        var trainer = new Trainer(new TrainerOptions { Epochs = 15, BatchSize = 32, Seed = 4 });
        TrainingHistory history = trainer.Fit(net, new Adam(0.01f), train, validation);

        EpochMetrics last = history.Last!;
        Assert.True(double.IsNaN(last.TrainAccuracy));
        Assert.Null(last.ValidationAccuracy);
        Assert.Equal(["mse", "mae", "r2"], last.ValidationMetrics.Keys);
        RegressionMetrics after = Trainer.EvaluateRegression(net, validation);
        Assert.Equal(after.MeanSquaredError, last.ValidationMetrics["mse"]);
        Assert.Equal(after.MeanAbsoluteError, last.ValidationMetrics["mae"]);
        Assert.Equal(after.RSquared, last.ValidationMetrics["r2"]);
        Assert.Equal(after.MeanSquaredError, last.ValidationLoss!.Value, 5); // the head's loss is the MSE
        Assert.True(after.RSquared > 0.9, $"R² {after.RSquared} (before training {before.RSquared})");
        Assert.True(after.MeanSquaredError < before.MeanSquaredError / 5, $"MSE {after.MeanSquaredError} vs {before.MeanSquaredError} before");
        Assert.Contains("val r2 ", ConsoleProgress.FormatEpoch(last, 15));
        Assert.DoesNotContain("acc", ConsoleProgress.FormatEpoch(last, 15));
    }

    [Fact]
    public void Regression_metrics_match_the_hand_computed_values()
    {
        // Errors 0, −1, −2: MSE 5/3, MAE 1; targets' mean 3, total sum of squares 8, so R² = 1 − 5/8.
        RegressionMetrics m = RegressionMetrics.Compute([1f, 2f, 3f], [1f, 3f, 5f]);
        Assert.Equal(5.0 / 3.0, m.MeanSquaredError, 12);
        Assert.Equal(1.0, m.MeanAbsoluteError, 12);
        Assert.Equal(0.375, m.RSquared, 12);

        // Two outputs: R² is the mean of the per-output R² (1 for the exact column, 0.375 for the other).
        RegressionMetrics two = RegressionMetrics.Compute([1f, 7f, 2f, 8f, 3f, 9f], [1f, 7f, 3f, 8f, 5f, 9f], outputs: 2);
        Assert.Equal((1 + 0.375) / 2, two.RSquared, 12);
        Assert.Equal(5.0 / 6.0, two.MeanSquaredError, 12);
        Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1f], [1f, 2f]));
    }

    [Fact]
    public void Custom_metrics_are_computed_on_the_validation_outputs_and_written_to_the_csv()
    {
        Dataset train = Synthetic.Blobs(400, 8, 4, seed: 1);
        Dataset validation = Synthetic.Blobs(100, 8, 4, seed: 2);
        var net = new SoftmaxRegression(8, 4);
        net.InitializeParameters(1);
        int calls = 0;
        var top2 = new CustomMetric("top2", (outputs, data) =>
        {
            calls++;
            Assert.Equal(data.Count * 4, outputs.Length);
            int hits = 0;
            for (int s = 0; s < data.Count; s++)
            {
                ReadOnlySpan<float> p = outputs.Slice(s * 4, 4);
                int better = 0;
                for (int c = 0; c < 4; c++)
                {
                    better += p[c] > p[data.Labels[s]] ? 1 : 0;
                }

                hits += better < 2 ? 1 : 0;
            }

            return (double)hits / data.Count;
        });

        string csv = Path.Combine(Path.GetTempPath(), $"netgen-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            var logger = new MetricsLogger(csv);
            var trainer = new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 2, Metrics = [top2], Callbacks = [logger] });
            TrainingHistory history = trainer.Fit(net, new TestSgd(0.1f), train, validation);

            Assert.Equal(3, calls);
            string[] lines = File.ReadAllLines(csv);
            int column = Array.IndexOf(lines[0].Split(','), "val_top2");
            Assert.Equal(MetricsLogger.EpochColumns.Count, column); // right after the fixed columns
            for (int e = 0; e < 3; e++)
            {
                double top2Value = history.Epochs[e].ValidationMetrics["top2"];
                Assert.True(top2Value >= history.Epochs[e].ValidationAccuracy!.Value);
                Assert.Equal(top2Value, double.Parse(lines[e + 1].Split(',')[column], CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public void Mismatched_tasks_and_sizes_are_rejected_before_training()
    {
        var net = new RegressionNet(seed: 1);
        float[] before = net.Parameters.ToArray();
        Dataset regression = Smooth(20, seed: 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1 });

        var twoTargets = new Dataset(new float[20 * 4], new float[20 * 2], [4], targetCount: 2);
        Assert.Contains("2 targets per sample", Assert.Throws<ArgumentException>(() => trainer.Fit(net, new Adam(0.01f), twoTargets, null)).Message);

        var labels = new Dataset(new float[20 * 4], new int[20], [4], classCount: 3);
        Assert.Contains("class labels", Assert.Throws<ArgumentException>(() => trainer.Fit(net, new Adam(0.01f), regression, labels)).Message);

        var mixup = new Trainer(new TrainerOptions { Epochs = 1, BatchTransforms = [new Mixup(0.2f)] });
        Assert.Contains("BatchTransforms", Assert.Throws<ArgumentException>(() => mixup.Fit(net, new Adam(0.01f), regression, null)).Message);

        var clash = new Trainer(new TrainerOptions { Epochs = 1, Metrics = [new CustomMetric("r2", (o, d) => 0)] });
        Assert.Contains("'r2'", Assert.Throws<ArgumentException>(() => clash.Fit(net, new Adam(0.01f), regression, regression)).Message);

        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Throws<ArgumentException>(() => new Dataset(new float[8], [1f, float.NaN], [4]));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[8], [1f, 2f, 3f], [4]));
    }

    [Fact]
    public void Regression_datasets_keep_their_targets_through_split_subset_slice_and_batches()
    {
        Dataset data = Smooth(50, seed: 3);
        (Dataset train, Dataset validation) = data.Split(10, seed: 1);
        Assert.Equal(40, train.Count);
        Assert.Equal(10, validation.Count);
        foreach (Dataset part in new[] { train, validation, data.Slice(5, 7) })
        {
            Assert.True(part.HasTargets);
            for (int i = 0; i < part.Count; i++)
            {
                int source = FindRow(data, part.GetFeatures(i));
                Assert.Equal(data.GetTargets(source).ToArray(), part.GetTargets(i).ToArray());
            }
        }

        var loader = new BatchLoader(train, 16, new Rng(2));
        loader.StartEpoch();
        Assert.True(loader.MoveNext());
        MiniBatch batch = loader.Current;
        Assert.Equal(16, batch.Size);
        Assert.True(batch.Labels.IsEmpty);
        for (int j = 0; j < batch.Size; j++)
        {
            Assert.Equal(train.GetTargets(batch.Indices[j]).ToArray(), batch.Targets.Slice(j * 3, 3).ToArray());
        }
    }

    private static int FindRow(Dataset data, ReadOnlySpan<float> features)
    {
        for (int i = 0; i < data.Count; i++)
        {
            if (data.GetFeatures(i).SequenceEqual(features))
            {
                return i;
            }
        }

        return -1;
    }
}
