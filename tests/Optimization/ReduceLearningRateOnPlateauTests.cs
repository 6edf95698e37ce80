using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Training;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimization;

/// <summary>
/// <see cref="ReduceLearningRateOnPlateau"/> against torch's ReduceLROnPlateau fed the same metric sequence: after every
/// epoch our scale must equal torch's learning rate divided by the base rate.
/// </summary>
public class ReduceLearningRateOnPlateauTests(ITestOutputHelper output)
{
    private const double BaseRate = 0.5;

    /// <summary>A loss curve with improvements, tiny (sub-threshold) improvements, plateaus and a late drop.</summary>
    private static readonly double[] LossCurve =
    [
        1.0, 0.8, 0.7, 0.699, 0.6995, 0.7, 0.65, 0.649, 0.6489, 0.66, 0.67, 0.5, 0.5, 0.5, 0.5,
        0.5, 0.499, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.3, 0.31, 0.3, 0.31, 0.3,
        0.31, 0.3, 0.31, 0.3, 0.31, 0.3, 0.31, 0.3, 0.31, 0.3,
    ];

    [Fact]
    public void Loss_monitor_with_relative_threshold_and_cooldown_matches_torch()
        => AssertMatchesTorch(
            new ReduceLearningRateOnPlateau(PlateauMonitor.ValidationLoss, factor: 0.5f, patience: 2, threshold: 0.01, cooldown: 1, minimumScale: 0.05f),
            () => LossCurve,
            mode: "min",
            factor: 0.5,
            patience: 2,
            threshold: 0.01,
            thresholdMode: "rel",
            cooldown: 1,
            minimumScale: 0.05);

    [Fact]
    public void Accuracy_monitor_with_absolute_threshold_matches_torch()
        => AssertMatchesTorch(
            new ReduceLearningRateOnPlateau(PlateauMonitor.ValidationAccuracy, factor: 0.3f, patience: 1, threshold: 0.02, thresholdMode: PlateauThresholdMode.Absolute, cooldown: 2),
            () => LossCurve.Select(l => 1 - l).ToArray(),
            mode: "max",
            factor: 0.3,
            patience: 1,
            threshold: 0.02,
            thresholdMode: "abs",
            cooldown: 2,
            minimumScale: 0);

    [Fact]
    public void Trainer_applies_the_reduced_scale_from_the_next_epoch_on()
    {
        // A learning rate so small that the validation loss stays flat: every epoch after the first is a bad epoch, so
        // with patience 1 the scale halves after epochs 3, 5, 7 and the optimizer's rate follows one epoch later.
        Dataset data = OptimizationFixtures.SeparableBlobs(32, seed: 5);
        var network = new SoftmaxRegression(2, 2);
        network.InitializeParameters(1);
        var plateau = new ReduceLearningRateOnPlateau(PlateauMonitor.ValidationLoss, factor: 0.5f, patience: 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 8, BatchSize = 16, Callbacks = [plateau] });
        TrainingHistory history = trainer.Fit(network, new Sgd(1e-9f), data, data);

        float[] rates = history.Epochs.Select(e => e.LearningRate).ToArray();
        output.WriteLine("Learning rate per epoch: " + string.Join(", ", rates.Select(r => r.ToString("G3"))));
        float[] expected = [1e-9f, 1e-9f, 1e-9f, 0.5e-9f, 0.5e-9f, 0.25e-9f, 0.25e-9f, 0.125e-9f];
        for (int e = 0; e < expected.Length; e++)
        {
            Assert.Equal(expected[e], rates[e], expected[e] * 1e-5f);
        }

        Assert.Equal(3, plateau.Reductions);
    }

    [Fact]
    public void Validation_monitor_without_a_validation_set_fails_at_the_start()
    {
        Dataset data = OptimizationFixtures.SeparableBlobs(8, seed: 5);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, Callbacks = [new ReduceLearningRateOnPlateau()] });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new SoftmaxRegression(2, 2), new Sgd(0.1f), data, validation: null));
        Assert.Contains("no validation set", error.Message);
    }

    private void AssertMatchesTorch(ReduceLearningRateOnPlateau ours, Func<double[]> curve, string mode, double factor, int patience, double threshold, string thresholdMode, int cooldown, double minimumScale)
    {
        double[] values = curve();
        using var parameter = new Parameter(torch.zeros(1), requires_grad: true);
        var optimizer = torch.optim.SGD([parameter], BaseRate);
        var scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, [minimumScale * BaseRate]);

        float scale = 1f;
        int reductions = 0;
        var trace = new List<string>();
        for (int epoch = 0; epoch < values.Length; epoch++)
        {
            optimizer.step();
            scheduler.step(values[epoch]);
            double torchScale = optimizer.ParamGroups.First().LearningRate / BaseRate;
            float previous = scale;
            scale = ours.Step(values[epoch], scale);
            reductions += scale < previous ? 1 : 0;
            trace.Add($"{scale:G3}");
            Assert.True(
                Math.Abs(scale - torchScale) <= 1e-6 * torchScale,
                $"Epoch {epoch + 1} (value {values[epoch]}): our scale is {scale} but torch's rate is {torchScale}·base.");
        }

        output.WriteLine($"mode={mode} threshold={threshold} ({thresholdMode}) patience={patience} cooldown={cooldown}: scale per epoch {string.Join(" ", trace)}");
        Assert.True(reductions >= 3, $"Only {reductions} reductions; the curve should exercise patience and cooldown.");
    }
}
