using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.EndToEnd;

/// <summary>The README's promise, in CI: the generated MLP trained as the sample trains it reaches 0.88 on the test set.</summary>
public class FashionMnistTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Mlp_trained_for_10_epochs_like_the_sample_reaches_88_percent_test_accuracy()
    {
        (Dataset fullTrain, Dataset test) = FashionMnist.Load(FashionMnist.FindDirectory());
        (Dataset train, Dataset validation) = fullTrain.Split(5000, 1);
        Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.Global);
        standardizer.Apply(train);
        standardizer.Apply(validation);
        standardizer.Apply(test);

        var network = new FashionMlp(1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 10, BatchSize = 64, Seed = 1, Schedule = new CosineSchedule() });
        TrainingHistory history = trainer.Fit(network, new AdamW(1e-3f, weightDecay: 1e-4f), train, validation);
        EvaluationResult result = Trainer.Evaluate(network, test);

        foreach (EpochMetrics e in history.Epochs)
        {
            output.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:F4} val acc {e.ValidationAccuracy:F4} ({e.Duration.TotalSeconds:F2} s)");
        }

        output.WriteLine($"test accuracy {result.Accuracy:F4}");
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss / 2, "the training loss should at least halve");
        Assert.True(result.Accuracy >= 0.88, $"test accuracy {result.Accuracy:F4} is below the 0.88 target");
    }
}
