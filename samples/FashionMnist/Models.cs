namespace NetGen.Samples.FashionMnist;

/// <summary>
/// The multilayer perceptron from the README: 784 → 256 → 128 → 10 with ReLU, trained with softmax cross-entropy.
/// (The published MLP 256-128-100 baseline on Fashion-MNIST is 0.8833.)
/// </summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class FashionMlp
{
}
