using System;
using NetGen.Optimizers;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Generator;

/// <summary>The sample CNN from samples/FashionMnist (same attributes), compiled here so its constants can be checked.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, 3, padding: 1, Bias = false, Init = WeightInit.TorchDefault)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, padding: 1, Bias = false, Init = WeightInit.TorchDefault)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Dense(128, Init = WeightInit.TorchDefault)] [ReLU] [Dropout(0.3f)]
[Dense(10, Init = WeightInit.TorchDefault)] [SoftmaxCrossEntropy]
public partial class SampleFashionCnn { }

/// <summary>
/// The compile-time model facts on generated classes against figures computed by hand here. FLOPs follow PyTorch's
/// FlopCounterMode: 2 per multiply-add of matrix products and convolutions, element-wise work not counted; backward
/// = weight gradient + input gradient, with no input gradient for the first layer (the network input needs none).
/// </summary>
public class ModelFactsTests
{
    [Fact]
    public void Mlp_facts_match_hand_computed_counts()
    {
        // Multiply-adds per sample of the three dense layers 784→256, 256→128, 128→10.
        const long Macs0 = 784L * 256, Macs1 = 256L * 128, Macs2 = 128L * 10;
        Assert.Equal(2 * (Macs0 + Macs1 + Macs2), FashionMlp.ForwardFlopsPerSample); // 469,504
        // dW for all three; dx for the second and third only.
        Assert.Equal((2 * (Macs0 + Macs1 + Macs2)) + (2 * (Macs1 + Macs2)), FashionMlp.BackwardFlopsPerSample); // 537,600

        // Activations: the input copy plus each layer's output: 784 + 256 + 256 + 128 + 128 + 10 + 10 floats.
        Assert.Equal((784 + 256 + 256 + 128 + 128 + 10 + 10) * 4L, FashionMlp.ActivationBytesPerSample);
        const long Parameters = (784 * 256) + 256 + (256 * 128) + 128 + (128 * 10) + 10;
        Assert.Equal(Parameters * 4, FashionMlp.ParameterBytes);
        Assert.Equal(Parameters * 4, FashionMlp.GradientBytes);
    }

    [Fact]
    public void Cnn_facts_match_hand_computed_counts()
    {
        // conv0: 32 filters × 28·28 positions × (1 channel · 3·3) weights each.
        const long Conv0 = 32L * 28 * 28 * 1 * 3 * 3;
        // conv4: 64 filters × 14·14 positions × (32 channels · 3·3).
        const long Conv4 = 64L * 14 * 14 * 32 * 3 * 3;
        // dense9: 3136 (64·7·7) → 128; dense12: 128 → 10.
        const long Dense9 = 3136L * 128, Dense12 = 128L * 10;
        Assert.Equal(2 * (Conv0 + Conv4 + Dense9 + Dense12), SampleFashionCnn.ForwardFlopsPerSample); // 8,482,304
        // conv0 reads the network input: its weight gradient only. The others: weight and input gradients.
        Assert.Equal((2 * Conv0) + (4 * (Conv4 + Dense9 + Dense12)), SampleFashionCnn.BackwardFlopsPerSample); // 16,513,024

        // Arena floats per sample: input 784; conv0, bn1, relu2 32·28·28 each; maxpool3 32·14·14; conv4, bn5, relu6
        // 64·14·14 each; maxpool7 64·7·7; flatten8 none (a view); dense9, relu10, dropout11 128 each plus the dropout
        // mask 128; dense12 10; softmax 10.
        const long Floats = 784 + (3 * 32 * 28 * 28) + (32 * 14 * 14) + (3 * 64 * 14 * 14) + (64 * 7 * 7) + (3 * 128) + 128 + 10 + 10;
        Assert.Equal(Floats * 4, SampleFashionCnn.ActivationBytesPerSample); // 494,480
        const long Parameters = (32 * 9) + 64 + (64 * 32 * 9) + 128 + (3136 * 128) + 128 + (128 * 10) + 10;
        Assert.Equal(Parameters * 4, SampleFashionCnn.ParameterBytes);
        Assert.Equal(Parameters * 4, SampleFashionCnn.GradientBytes);
    }

    [Fact]
    public void Summary_shows_the_facts_and_the_optimizer_state_memory()
    {
        var net = new FashionMlp();
        Assert.Equal(new ModelFacts(469_504, 537_600, 6_288, 940_584, 940_584), net.Facts);

        string plain = net.Summary();
        Assert.Contains("FLOPs per sample: forward 469,504, backward 537,600", plain, StringComparison.Ordinal);
        Assert.Contains("Activations per sample: 6,288 B", plain, StringComparison.Ordinal);
        Assert.Contains("Parameters: 940,584 B, gradients: 940,584 B", plain, StringComparison.Ordinal);
        Assert.Contains("Optimizer state: 940,584 B per state buffer", plain, StringComparison.Ordinal);

        // Adam keeps two buffers (exp_avg, exp_avg_sq) of one float per parameter.
        string withAdam = net.Summary(new Adam(learningRate: 1e-3f));
        Assert.Contains("Optimizer state (Adam: exp_avg, exp_avg_sq): 1,881,168 B", withAdam, StringComparison.Ordinal);
    }
}
