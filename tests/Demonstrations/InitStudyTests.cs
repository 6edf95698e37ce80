using NetGen.Samples.InitStudy;
using Xunit.Abstractions;

namespace NetGen.Tests.Demonstrations;

/// <summary>The weight-initialization study shows the pattern of the cs231n notes (7 layers of 4096 units).</summary>
public class InitStudyTests(ITestOutputHelper output)
{
    [Fact]
    public void Initialization_study_reproduces_the_cs231n_pattern()
    {
        IReadOnlyList<Experiment> experiments = Study.Run(samples: 64, seed: 3);
        foreach (Experiment e in experiments)
        {
            output.WriteLine($"{e.Name}: std by layer {string.Join(" ", e.Layers.Select(l => l.Std.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
        }

        Experiment small = experiments.Single(e => e.Name == "tanh, 0.01·N(0,1)");
        Experiment large = experiments.Single(e => e.Name == "tanh, 0.05·N(0,1)");
        Experiment tanhXavier = experiments.Single(e => e.Name == "tanh, Xavier");
        Experiment reluXavier = experiments.Single(e => e.Name == "ReLU, Xavier");
        Experiment reluHe = experiments.Single(e => e.Name == "ReLU, He");
        Experiment reluTorch = experiments.Single(e => e.Name == "ReLU, torch default");
        Experiment normTorch = experiments.Single(e => e.Name == "batch norm + ReLU, torch default");
        Assert.All(experiments, e => Assert.Equal(7, e.Layers.Count));

        // 0.01·N(0,1): each layer multiplies the spread by about 0.01·√4096 = 0.64, so it collapses towards zero.
        Assert.True(small.Layers[^1].Std < 0.1 * small.Layers[0].Std, "0.01·N(0,1) should collapse");
        Assert.True(small.Layers[^1].Std < 0.05);

        // 0.05·N(0,1): pre-activations of spread 0.05·√4096 ≈ 3.2 saturate tanh at ±1 in every layer.
        Assert.All(large.Layers, l => Assert.True(Study.SaturatedFraction(l.Values) > 0.5, $"layer {l.Layer} not saturated"));

        // Xavier with tanh: healthy, neither collapsed nor saturated.
        Assert.All(tanhXavier.Layers, l => Assert.InRange(l.Std, 0.15, 0.8));
        Assert.All(tanhXavier.Layers, l => Assert.True(Study.SaturatedFraction(l.Values) < 0.25));

        // Xavier with ReLU: ReLU halves the variance per layer, so the spread collapses (by ~√2 per layer).
        Assert.True(reluXavier.Layers[^1].Std < 0.25 * reluXavier.Layers[0].Std, "Xavier with ReLU should collapse");

        // He with ReLU: the factor 2 compensates, so the spread stays put.
        Assert.InRange(reluHe.Layers[^1].Std / reluHe.Layers[0].Std, 0.7, 1.4);

        // PyTorch's default with ReLU: variance 1/(3·fanIn), halved by ReLU, so the second moment shrinks 6-fold per
        // layer (std by √6 ≈ 2.4; 6 layers ≈ 216×): faster than Xavier.
        double torchRatio = reluTorch.Layers[^1].Std / reluTorch.Layers[0].Std;
        Assert.True(torchRatio < 0.02, $"torch default with ReLU should collapse, last/first std {torchRatio}");
        Assert.True(torchRatio < reluXavier.Layers[^1].Std / reluXavier.Layers[0].Std);

        // With batch norm before each ReLU the weights' scale no longer matters: every layer outputs ReLU of a unit
        // normal, std √(1/2 − 1/(2π)) ≈ 0.584.
        Assert.All(normTorch.Layers, l => Assert.InRange(l.Std, 0.5, 0.65));
    }
}
