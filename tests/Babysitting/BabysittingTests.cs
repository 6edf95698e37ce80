using System.Globalization;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Babysitting;

// Inside the namespace, so that it wins over this test namespace's own name.
using Babysitting = NetGen.Training.Babysitting;

public class BabysittingTests
{
    private static BabyMlp NewMlp(int seed = 1)
    {
        var network = new BabyMlp();
        network.InitializeParameters(seed);
        return network;
    }

    [Fact]
    public void Initial_loss_of_a_fresh_mlp_is_close_to_ln_of_the_class_count()
    {
        Dataset data = BabyData.RandomLabels(400, 8, 10, seed: 3);
        BabyMlp network = NewMlp();

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data, sampleCount: 200);

        Assert.True(report.IsOk, report.Message);
        Assert.Equal(Math.Log(10), report.ExpectedLoss, 12);
        Assert.Equal(200, report.SampleCount);
        Assert.InRange(report.Ratio, Babysitting.InitialLossLowestRatio, Babysitting.InitialLossHighestRatio);
        Assert.StartsWith("OK:", report.Message);
        Assert.Contains(report.MeasuredLoss.ToString("F4", CultureInfo.InvariantCulture), report.Message);
        Assert.Contains("2.3026 = ln(10)", report.Message);
    }

    [Fact]
    public void Measured_initial_loss_is_the_mean_loss_over_the_sample()
    {
        Dataset data = BabyData.RandomLabels(300, 8, 10, seed: 4);
        BabyMlp network = NewMlp();
        double expected = Trainer.Evaluate(network, data, batchSize: 7).Loss; // an independent batching of the same samples

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data, sampleCount: 1000, mode: NetworkMode.Inference);

        Assert.Equal(300, report.SampleCount);
        Assert.Equal(expected, report.MeasuredLoss, 5);
    }

    [Fact]
    public void Weights_initialized_ten_times_too_large_are_reported_as_confidently_wrong()
    {
        Dataset data = BabyData.RandomLabels(400, 8, 10, seed: 3);
        BabyMlp network = NewMlp();
        foreach (ref float p in network.Parameters)
        {
            p *= 10f;
        }

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data);

        Assert.False(report.IsOk, report.Message);
        Assert.True(report.Ratio > Babysitting.InitialLossHighestRatio, report.Message);
        Assert.StartsWith("Warning:", report.Message);
        Assert.Contains("confidently wrong", report.Message);
        Assert.Contains(report.MeasuredLoss.ToString("F4", CultureInfo.InvariantCulture), report.Message);
        Assert.Contains(report.ExpectedLoss.ToString("F4", CultureInfo.InvariantCulture), report.Message);
    }

    [Fact]
    public void A_network_that_already_predicts_the_labels_is_reported_as_better_than_chance()
    {
        // Every label is 0 and the last layer's bias already favours class 0: the labels have leaked.
        Dataset random = BabyData.RandomLabels(100, 8, 10, seed: 3);
        var data = new Dataset(random.Features.ToArray(), new int[100], [8], 10);
        BabyMlp network = NewMlp();
        ParameterTensor bias = network.ParameterTensors.Single(t => t.Name == "dense2.bias");
        network.Parameters[bias.Offset] = 6f;

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data);

        Assert.False(report.IsOk, report.Message);
        Assert.True(report.Ratio < Babysitting.InitialLossLowestRatio, report.Message);
        Assert.Contains("better than chance", report.Message);
    }

    [Fact]
    public void Initial_loss_check_leaves_buffers_random_state_and_mode_as_they_were()
    {
        Dataset data = BabyData.RandomLabels(100, 8, 10, seed: 3);
        var network = new BabyNormMlp();
        network.InitializeParameters(2);
        network.Mode = NetworkMode.Inference;
        float[] parameters = network.Parameters.ToArray();
        float[] buffers = network.Buffers.ToArray();
        var state = new ulong[4];
        network.Random.GetState(state);

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data); // training mode: batch statistics, dropout

        Assert.True(double.IsFinite(report.MeasuredLoss));
        Assert.NotEmpty(buffers);
        Assert.Equal(buffers, network.Buffers.ToArray());
        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(NetworkMode.Inference, network.Mode);
        var after = new ulong[4];
        network.Random.GetState(after);
        Assert.Equal(state, after);
    }

    [Fact]
    public void Initial_loss_check_needs_a_softmax_cross_entropy_head_or_an_explicit_expectation()
    {
        var network = new RegressionNet();
        network.InitializeParameters(1);
        var data = new Dataset(new float[4 * 10], new int[10], [4], 3);

        var e = Assert.Throws<InvalidOperationException>(() => Babysitting.CheckInitialLoss(network, data));
        Assert.Contains("MeanSquaredError", e.Message);

        InitialLossReport report = Babysitting.CheckInitialLoss(network, data, expectedLoss: 1.0);
        Assert.Equal(1.0, report.ExpectedLoss);
    }

    [Fact]
    public void Mlp_memorizes_twenty_samples_with_random_labels()
    {
        Dataset data = BabyData.RandomLabels(500, 8, 10, seed: 5);
        BabyMlp network = NewMlp();
        float[] before = network.Parameters.ToArray();

        OverfitReport report = Babysitting.OverfitSmallSample(network, () => new Adam(0.02f), data, count: 20, epochs: 300);

        Assert.True(report.Succeeded, report.Message);
        Assert.Equal(1.0, report.Accuracy);
        Assert.True(report.Loss < 0.05, report.Message);
        Assert.Equal(20, report.SampleCount);
        Assert.True(report.EpochsRun < 300, $"stopped once memorized, but ran {report.EpochsRun} epochs");
        Assert.Equal("memorized the sample", report.History.StopReason);
        Assert.Equal(report.History.Last!.TrainLoss, report.FinalTrainLoss);
        Assert.StartsWith("OK:", report.Message);
        Assert.Equal(before, network.Parameters.ToArray()); // the check trains a copy of the state, then puts it back
    }

    [Fact]
    public void Network_with_dropout_and_batch_norm_still_memorizes_in_training_mode()
    {
        Dataset data = BabyData.RandomLabels(500, 8, 10, seed: 6);
        var network = new BabyNormMlp();
        network.InitializeParameters(3);
        float[] buffers = network.Buffers.ToArray();

        OverfitReport report = Babysitting.OverfitSmallSample(network, () => new Adam(0.02f), data, count: 20, epochs: 400);

        Assert.True(report.Succeeded, report.Message);
        Assert.Equal(buffers, network.Buffers.ToArray());
    }

    [Fact]
    public void A_network_that_cannot_learn_fails_the_overfit_check()
    {
        Dataset data = BabyData.RandomLabels(500, 8, 10, seed: 5);
        BabyMlp network = NewMlp();

        OverfitReport report = Babysitting.OverfitSmallSample(network, () => new Sgd(learningRate: 0f), data, count: 20, epochs: 20);

        Assert.False(report.Succeeded, report.Message);
        Assert.Equal(20, report.EpochsRun);
        Assert.StartsWith("Warning:", report.Message);
        Assert.Contains("gradient check", report.Message);
    }

    [Fact]
    public void Overfit_report_names_the_optimizers_weight_decay()
    {
        Dataset data = BabyData.RandomLabels(100, 8, 10, seed: 5);
        OverfitReport report = Babysitting.OverfitSmallSample(NewMlp(), () => new AdamW(0.02f, weightDecay: 0.5f), data, count: 10, epochs: 5);
        Assert.Contains("weight decay 0.5", report.Message);

        OverfitReport clean = Babysitting.OverfitSmallSample(NewMlp(), () => new Adam(0.02f), data, count: 10, epochs: 5);
        Assert.DoesNotContain("weight decay", clean.Message);
    }
}
