namespace NetGen.Samples.Serving;

/// <summary>
/// The Fashion-MNIST multilayer perceptron of <c>samples/FashionMnist</c> (784 → 256 → 128 → 10): the same declaration,
/// so checkpoints written by that sample load here (a checkpoint records the architecture, not the class name).
/// </summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class FashionMlp
{
}
