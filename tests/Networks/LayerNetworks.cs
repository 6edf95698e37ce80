namespace NetGen.Tests.Networks;

// The oracle networks keep the biases before batch norm (their gradient must be ~0 on both sides), so the NG0101
// advice is suppressed the normal way.
#pragma warning disable NG0101

/// <summary>A residual block: two 3×3 convolutions with batch norm, same shape in and out.</summary>
[Block]
[Conv2D(4, 3, padding: 1)] [BatchNorm] [ReLU]
[Conv2D(4, 3, padding: 1)] [BatchNorm]
public partial class BasicBlock { }

/// <summary>
/// A residual block with a smooth activation: batch norm couples every unit of a batch to every parameter before it,
/// so with ReLU some unit almost always sits within a finite-difference step of its kink, which makes central
/// differences meaningless there (ReLU itself is checked in networks without that coupling).
/// </summary>
[Block]
[Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm] [ELU]
[Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm]
public partial class SmoothBlock { }

/// <summary>Every layer kind of the training notes in one small network, for gradient checks.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm] [ELU]
[Residual(typeof(SmoothBlock))]
[Residual(typeof(SmoothBlock), Survival = 0.7f)]
[Conv2D(3, 3, stride: 2)] [GroupNorm(3)] [PReLU]
[Dense(6)] [LayerNorm] [RReLU]
[DropConnect(0.3f)] [Dense(8)] [Maxout(2)]
[Dropout(0.25f)]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class KitchenSinkNet { }

/// <summary>Instance norm, group norm, ELU, a softmax layer and the MSE head over spatial inputs.</summary>
[Network]
[Input(3, 5, 5)]
[Conv2D(4, 3, padding: 1)] [InstanceNorm] [ELU]
[Conv2D(4, 2, stride: 1)] [GroupNorm(2)] [Tanh]
[Flatten]
[Dense(5)] [Softmax]
[MeanSquaredError]
public partial class NormalizationNet { }

/// <summary>A residual CNN compared with the same network in TorchSharp.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(4, 3, padding: 1)] [BatchNorm] [ReLU]
[Residual(typeof(BasicBlock))]
[Conv2D(3, 3, stride: 2, padding: 1)] [ELU(0.8f)]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class ResidualOracleNet { }

#pragma warning restore NG0101

/// <summary>The sample's CNN (for allocation and end-to-end tests).</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(32, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Dense(128)] [ReLU] [Dropout(0.3f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class TestCnn { }

/// <summary>A small modern CNN: GELU and SiLU convolutions, a global-average-pooling head, a dense pair with tanh-GELU.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(4, 3, padding: 1)] [GELU]
[Conv2D(6, 3, stride: 2, padding: 1)] [SiLU]
[GlobalAvgPool2D]
[Dense(8)] [GELU(Approximation = GeluApproximation.Tanh)]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class GapCnnNet { }

/// <summary>An MLP whose dense pairs run SiLU and exact GELU inside the fused pair kernel.</summary>
[Network]
[Input(10)]
[Dense(16)] [SiLU]
[Dense(12)] [GELU]
[Dense(4)] [MeanSquaredError]
public partial class SiluGeluMlp { }
