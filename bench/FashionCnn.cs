namespace NetGen.Benchmarks;

/// <summary>The CNN of the Fashion-MNIST sample (<c>--model cnn</c>), declared again here for the benchmark.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, 3, padding: 1, Bias = false, Init = WeightInit.TorchDefault)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, padding: 1, Bias = false, Init = WeightInit.TorchDefault)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Dense(128, Init = WeightInit.TorchDefault)] [ReLU] [Dropout(0.3f)]
[Dense(10, Init = WeightInit.TorchDefault)] [SoftmaxCrossEntropy]
public partial class FashionCnn
{
}

/// <summary>FLOP counts of the CNN's training step (convolution and dense matrix products only; a multiply-add is 2 FLOP).</summary>
/// <remarks>
/// Multiply-adds per sample: conv0 32·(1·3·3)·28·28 = 225,792; conv4 64·(32·3·3)·14·14 = 3,612,672; dense9 3136·128 =
/// 401,408; dense12 128·10 = 1,280; total M = 4,241,152. A training step at batch B is forward 2·B·M, weight gradients
/// 2·B·M, and input gradients of every layer but the first, 2·B·(M − 225,792).
/// </remarks>
public static class FashionCnnFlops
{
    /// <summary>Multiply-adds per sample through the four weight layers.</summary>
    public const long MultiplyAddsPerSample = (32L * 9 * 28 * 28) + (64L * 32 * 9 * 14 * 14) + (3136L * 128) + (128L * 10);

    /// <summary>FLOP of one training step at batch 64.</summary>
    public const long TrainingStep = (2 * 64 * MultiplyAddsPerSample * 2) + (2 * 64 * (MultiplyAddsPerSample - (32L * 9 * 28 * 28)));
}
