namespace NetGen.Benchmarks;

/// <summary>
/// The small CNN: convolution 1→8 with 5×5 kernels (no padding, bias) and ReLU, 2×2 max pooling, convolution
/// 8→16 with 5×5 kernels (no padding, bias) and ReLU, 2×2 max pooling, a dense layer of 10 logits and softmax
/// cross-entropy; no batch norm, no dropout. Every weight layer starts from PyTorch's default initialization.
/// </summary>
/// <remarks>Shapes per sample: 1×28×28 → 8×24×24 → 8×12×12 → 16×8×8 → 16×4×4 = 256 → 10.</remarks>
[Network]
[Input(1, 28, 28)]
[Conv2D(8, 5, Init = WeightInit.TorchDefault)] [ReLU] [MaxPool2D(2)]
[Conv2D(16, 5, Init = WeightInit.TorchDefault)] [ReLU] [MaxPool2D(2)]
[Dense(10, Init = WeightInit.TorchDefault)] [SoftmaxCrossEntropy]
public partial class SmallCnn
{
}

/// <summary>FLOP counts of the small CNN's training step (convolution and dense matrix products only; a multiply-add is 2 FLOP).</summary>
/// <remarks>
/// Multiply-adds per sample: conv0 8·(1·5·5)·24·24 = 115,200; conv3 16·(8·5·5)·8·8 = 204,800; the dense layer 256·10 =
/// 2,560; total M = 322,560. A training step at batch B is forward 2·B·M, weight gradients 2·B·M, and input gradients
/// of every layer but the first, 2·B·(M − 115,200).
/// </remarks>
public static class SmallCnnFlops
{
    /// <summary>Multiply-adds per sample through the three weight layers.</summary>
    public const long MultiplyAddsPerSample = (8L * 25 * 24 * 24) + (16L * 8 * 25 * 8 * 8) + (256L * 10);

    /// <summary>FLOP of one training step at batch 64.</summary>
    public const long TrainingStep = (2 * 64 * MultiplyAddsPerSample * 2) + (2 * 64 * (MultiplyAddsPerSample - (8L * 25 * 24 * 24)));
}
