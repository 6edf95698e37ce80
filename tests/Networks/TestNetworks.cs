namespace NetGen.Tests.Networks;

/// <summary>The Fashion-MNIST MLP from the README.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class FashionMlp { }

/// <summary>A small MLP for gradient checks: every activation of the foundation, one per hidden layer.</summary>
[Network]
[Input(5)]
[Dense(7)] [Tanh]
[Dense(6)] [Sigmoid]
[Dense(6, BiasInit = 0.1f)] [LeakyReLU(0.1f)]
[Dense(5)] [ELU(0.7f)]
[Dense(4)] [ReLU]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class AllActivationsNet { }

/// <summary>A regression network with the mean-squared-error head.</summary>
[Network]
[Input(4)]
[Dense(8, Init = WeightInit.XavierUniform)] [Tanh]
[Dense(3, Bias = false)] [MeanSquaredError]
public partial class RegressionNet { }

/// <summary>A 3-layer MLP used for the TorchSharp oracle.</summary>
[Network]
[Input(20)]
[Dense(16)] [ReLU]
[Dense(12)] [Tanh]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class OracleMlp { }

/// <summary>One dense layer per initialization scheme, wide enough to measure the statistics of each.</summary>
[Network]
[Input(400)]
[Dense(300)] [ReLU]
[Dense(200)] [Tanh]
[Dense(200, Init = WeightInit.Gaussian, InitStd = 0.05f, BiasInit = 0.01f)] [LeakyReLU]
[Dense(100, Init = WeightInit.Constant, InitValue = 0.25f)] [Sigmoid]
[Dense(100, Init = WeightInit.Zeros, Bias = false)] [ELU]
[Dense(50, Init = WeightInit.HeUniform)] [ReLU]
[Dense(10, Init = WeightInit.XavierUniform)] [SoftmaxCrossEntropy]
public partial class InitNet { }
