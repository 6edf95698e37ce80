namespace NetGen.Samples.OptimizerComparison;

/// <summary>The README's multilayer perceptron, 784 → 256 → 128 → 10 with ReLU, which every optimizer trains.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class ComparisonMlp
{
}
