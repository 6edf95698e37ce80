namespace NetGen.Benchmarks;

/// <summary>The Fashion-MNIST MLP from the README: 784 → 256 → 128 → 10 with ReLU and softmax cross-entropy.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class FashionMlp { }
