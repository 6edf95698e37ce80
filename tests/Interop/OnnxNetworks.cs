namespace NetGen.Tests.Interop;

// One small network per layer kind (and per variant of a kind's ONNX mapping) for the ONNX Runtime comparisons.
// Biases before batch norm are kept on purpose (they must be exported too), so the NG0101 advice is suppressed.
#pragma warning disable NG0101

/// <summary>Dense with and without bias; the mean-squared-error head outputs its input.</summary>
[Network]
[Input(5)]
[Dense(7)] [Dense(4, Bias = false)]
[MeanSquaredError]
public partial class OnnxDenseNet { }

/// <summary>Convolutions with stride, padding and without bias, then an implicit flatten into a dense layer.</summary>
[Network]
[Input(2, 7, 7)]
[Conv2D(3, 3, stride: 2, padding: 1)] [Conv2D(4, 2, Bias = false)]
[Dense(3)]
[MeanSquaredError]
public partial class OnnxConvNet { }

/// <summary>Max pooling (window = stride and overlapping windows) and average pooling.</summary>
[Network]
[Input(2, 9, 9)]
[MaxPool2D(3, stride: 2)] [AvgPool2D(2)] [MaxPool2D(2, stride: 1)]
[MeanSquaredError]
public partial class OnnxPoolNet { }

/// <summary>Average pooling with overlapping windows.</summary>
[Network]
[Input(3, 8, 8)]
[AvgPool2D(3, stride: 1)]
[MeanSquaredError]
public partial class OnnxAvgPoolNet { }

/// <summary>Fractional max pooling at two ratios (fixed regions at inference).</summary>
[Network]
[Input(2, 11, 9)]
[FractionalMaxPool2D(1.5)] [FractionalMaxPool2D(1.6)]
[MeanSquaredError]
public partial class OnnxFractionalPoolNet { }

/// <summary>An explicit flatten of an image and one of a vector (which adds no node).</summary>
[Network]
[Input(2, 3, 3)]
[Flatten] [Flatten]
[Dense(4)]
[MeanSquaredError]
public partial class OnnxFlattenNet { }

/// <summary>Batch norm per channel after a convolution and per feature after a dense layer, with running statistics.</summary>
[Network]
[Input(2, 5, 5)]
[Conv2D(3, 3, padding: 1)] [BatchNorm]
[Dense(6)] [BatchNorm(Epsilon = 1e-3f)]
[MeanSquaredError]
public partial class OnnxBatchNormNet { }

/// <summary>Layer norm over an image's features and over a vector.</summary>
[Network]
[Input(2, 4, 4)]
[LayerNorm]
[Dense(6)] [LayerNorm(Epsilon = 1e-4f)]
[MeanSquaredError]
public partial class OnnxLayerNormNet { }

/// <summary>Instance norm after a convolution.</summary>
[Network]
[Input(3, 5, 5)]
[Conv2D(4, 3, padding: 1)] [InstanceNorm]
[MeanSquaredError]
public partial class OnnxInstanceNormNet { }

/// <summary>Group norm over channel groups of an image and over feature groups of a vector.</summary>
[Network]
[Input(2, 5, 5)]
[Conv2D(6, 3, padding: 1)] [GroupNorm(3)]
[Dense(8)] [GroupNorm(2, Epsilon = 1e-3f)]
[MeanSquaredError]
public partial class OnnxGroupNormNet { }

/// <summary>ReLU.</summary>
[Network]
[Input(6)]
[Dense(8)] [ReLU]
[MeanSquaredError]
public partial class OnnxReluNet { }

/// <summary>Leaky ReLU with its slope.</summary>
[Network]
[Input(6)]
[Dense(8)] [LeakyReLU(0.2f)]
[MeanSquaredError]
public partial class OnnxLeakyReluNet { }

/// <summary>ELU with its alpha, over an image.</summary>
[Network]
[Input(2, 4, 4)]
[ELU(0.7f)]
[MeanSquaredError]
public partial class OnnxEluNet { }

/// <summary>Sigmoid.</summary>
[Network]
[Input(6)]
[Dense(8)] [Sigmoid]
[MeanSquaredError]
public partial class OnnxSigmoidNet { }

/// <summary>Tanh.</summary>
[Network]
[Input(6)]
[Dense(8)] [Tanh]
[MeanSquaredError]
public partial class OnnxTanhNet { }

/// <summary>PReLU with a slope per channel of an image and per feature of a vector.</summary>
[Network]
[Input(3, 4, 4)]
[PReLU]
[Dense(5)] [PReLU]
[MeanSquaredError]
public partial class OnnxPReluNet { }

/// <summary>RReLU (its mean slope at inference).</summary>
[Network]
[Input(6)]
[Dense(8)] [RReLU(0.1f, 0.3f)]
[MeanSquaredError]
public partial class OnnxRReluNet { }

/// <summary>Maxout over 3 pieces.</summary>
[Network]
[Input(5)]
[Dense(12)] [Maxout(3)]
[MeanSquaredError]
public partial class OnnxMaxoutNet { }

/// <summary>Softmax as a layer over a vector and over an image's features.</summary>
[Network]
[Input(2, 3, 3)]
[Softmax]
[Dense(5)] [Softmax]
[MeanSquaredError]
public partial class OnnxSoftmaxNet { }

/// <summary>Dropout and DropConnect (the identity and the full weights at inference).</summary>
[Network]
[Input(6)]
[Dropout(0.4f)]
[DropConnect(0.3f)] [Dense(5)] [Dropout]
[MeanSquaredError]
public partial class OnnxDropoutNet { }

/// <summary>A block for the residual networks: convolution, batch norm, ReLU, convolution.</summary>
[Block]
[Conv2D(3, 3, padding: 1)] [BatchNorm] [ReLU]
[Conv2D(3, 3, padding: 1)]
public partial class OnnxBlock { }

/// <summary>A dense block, used twice in a row.</summary>
[Block]
[Dense(6)] [Tanh] [Dropout(0.2f)]
public partial class OnnxDenseBlock { }

/// <summary>Residual blocks: plain, and with stochastic depth (the branch scaled by its survival probability at inference).</summary>
[Network]
[Input(3, 5, 5)]
[Residual(typeof(OnnxBlock))]
[Residual(typeof(OnnxBlock), Survival = 0.7f)]
[Dense(6)]
[Residual(typeof(OnnxDenseBlock))] [Residual(typeof(OnnxDenseBlock), Survival = 0.5f)]
[MeanSquaredError]
public partial class OnnxResidualNet { }

/// <summary>The softmax cross-entropy head: Forward outputs probabilities.</summary>
[Network]
[Input(6)]
[Dense(4)]
[SoftmaxCrossEntropy]
public partial class OnnxSoftmaxHeadNet { }

/// <summary>The softmax cross-entropy head over an image's features (no dense layer before it).</summary>
[Network]
[Input(2, 3, 3)]
[Conv2D(2, 1)]
[SoftmaxCrossEntropy]
public partial class OnnxSpatialSoftmaxHeadNet { }

/// <summary>A network whose output is its input (the graph is a single Identity node).</summary>
[Network]
[Input(4)]
[Dropout]
[MeanSquaredError]
public partial class OnnxIdentityNet { }

#pragma warning restore NG0101
