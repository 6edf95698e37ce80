namespace NetGen.Samples.InitStudy;

// Seven dense layers of 4096 units as in the cs231n notes, no biases, each followed by the activation under study;
// the loss head is only there because every network has one. Xavier before ReLU is the point of one experiment, so its advice (NG0103) is silenced here.
#pragma warning disable NG0103

/// <summary>Deep stack: tanh, 0.01·N(0,1).</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.01f, Bias = false)] [Tanh]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class TanhSmall { }

/// <summary>Deep stack: tanh, 0.05·N(0,1).</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Gaussian, InitStd = 0.05f, Bias = false)] [Tanh]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class TanhLarge { }

/// <summary>Deep stack: tanh, Xavier.</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [Tanh]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class TanhXavier { }

/// <summary>Deep stack: ReLU, Xavier.</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.Xavier, Bias = false)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class ReluXavier { }

/// <summary>Deep stack: ReLU, He.</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.He, Bias = false)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class ReluHe { }

/// <summary>Deep stack: ReLU, PyTorch's default (U(±1/√fanIn), a third of Xavier's variance here).</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class ReluTorchDefault { }

/// <summary>Deep stack: batch norm before every ReLU, PyTorch's default initialization.</summary>
[Network]
[Input(4096)]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(4096, Init = WeightInit.TorchDefault, Bias = false)] [BatchNorm] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class BatchNormReluTorchDefault { }

#pragma warning restore NG0103
