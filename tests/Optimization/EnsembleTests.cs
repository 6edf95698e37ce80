using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimization;

/// <summary>The ensemble averages its members' probabilities and scores the average.</summary>
public class EnsembleTests(ITestOutputHelper output)
{
    [Fact]
    public void Predict_averages_the_members_probabilities()
    {
        var first = new TinyClassifier(seed: 1);
        var second = new TinyClassifier(seed: 2);
        const int batch = 7;
        float[] input = OptimizationFixtures.RandomVector(batch * 2, seed: 5, scale: 2f);
        float[] p1 = first.Forward(input, batch).ToArray();
        float[] p2 = second.Forward(input, batch).ToArray();

        var ensemble = new Ensemble(first, second);
        var mean = new float[batch * 2];
        ensemble.Predict(input, batch, mean);

        double worst = 0, membersDiffer = TensorAssert.MaxAbsDiff(p1, p2);
        for (int i = 0; i < mean.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(mean[i] - ((p1[i] + p2[i]) / 2.0)));
        }

        output.WriteLine($"Members differ by up to {membersDiffer:F3}; max |ensemble − (p1 + p2)/2| = {worst:E2}.");
        Assert.True(membersDiffer > 0.05);
        Assert.True(worst < 1e-7);
        for (int b = 0; b < batch; b++)
        {
            Assert.Equal(1f, mean[2 * b] + mean[(2 * b) + 1], 5);
        }
    }

    [Fact]
    public void Evaluate_scores_the_averaged_probabilities()
    {
        Dataset data = OptimizationFixtures.XorBlobs(20, seed: 6);
        var first = Train(seed: 1, data, epochs: 2);
        var second = Train(seed: 2, data, epochs: 2);
        var ensemble = new Ensemble(first, second);
        EvaluationResult result = ensemble.Evaluate(data, batchSize: 16);

        // By hand: average the two members' full-batch probabilities.
        float[] p1 = first.Forward(data.Features, data.Count).ToArray();
        float[] p2 = second.Forward(data.Features, data.Count).ToArray();
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double a = (p1[2 * i] + p2[2 * i]) / 2, b = (p1[(2 * i) + 1] + p2[(2 * i) + 1]) / 2;
            int label = data.Labels[i];
            correct += (b > a ? 1 : 0) == label ? 1 : 0;
            loss -= Math.Log(label == 0 ? a : b);
        }

        output.WriteLine($"Members {Trainer.Evaluate(first, data).Accuracy:P1} and {Trainer.Evaluate(second, data).Accuracy:P1}; ensemble {result.Accuracy:P1}, loss {result.Loss:F5} (by hand {loss / data.Count:F5}).");
        Assert.Equal((double)correct / data.Count, result.Accuracy);
        Assert.Equal(loss / data.Count, result.Loss, 1e-5);
    }

    [Fact]
    public void A_single_member_ensemble_scores_like_the_network_itself()
    {
        Dataset data = OptimizationFixtures.XorBlobs(20, seed: 7);
        TinyClassifier network = Train(seed: 3, data, epochs: 3);
        network.Mode = NetworkMode.Training;
        EvaluationResult alone = Trainer.Evaluate(network, data);
        EvaluationResult ensemble = new Ensemble(network).Evaluate(data);
        Assert.Equal(alone.Accuracy, ensemble.Accuracy);
        Assert.Equal(alone.Loss, ensemble.Loss, 1e-5);
        Assert.Equal(NetworkMode.Training, network.Mode); // the member's mode is restored
    }

    [Fact]
    public void Members_must_agree_on_input_and_output_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => new Ensemble(new TinyClassifier(), new OracleMlp()));
        Assert.Contains("Member 1", error.Message);
        Assert.Throws<ArgumentException>(() => new Ensemble());
    }

    private static TinyClassifier Train(int seed, Dataset data, int epochs)
    {
        var network = new TinyClassifier(seed);
        new Trainer(new TrainerOptions { Epochs = epochs, BatchSize = 8, Seed = seed }).Fit(network, new Sgd(0.3f, momentum: 0.9f), data, null);
        return network;
    }
}
