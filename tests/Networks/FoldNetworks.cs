namespace NetGen.Tests.Networks;

// Biases before batch norm are kept on purpose: folding must carry them into the folded bias.
#pragma warning disable NG0101

/// <summary>An MLP whose batch norms follow dense layers (one with, one without bias): both fold for inference.</summary>
[Network]
[Input(12)]
[Dense(16)] [BatchNorm] [ReLU]
[Dense(10, Bias = false)] [BatchNorm(Momentum = 0.3f)] [Tanh]
[Dense(4)] [SoftmaxCrossEntropy]
public partial class FoldMlp { }

/// <summary>A CNN whose batch norms follow convolutions (with and without bias) and a dense layer after an implicit flatten.</summary>
[Network]
[Input(2, 8, 8)]
[Conv2D(6, 3, padding: 1)] [BatchNorm(Momentum = 0.5f)] [ReLU] [MaxPool2D(2)]
[Conv2D(5, 3, Bias = false)] [BatchNorm(Epsilon = 1e-3f)] [ReLU]
[Dense(8)] [BatchNorm] [ELU]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class FoldCnn { }
#pragma warning restore NG0101

/// <summary>
/// A dense layer wide enough (k ≥ 16) for the packed-weight product at batches of 64 and more, with a batch norm that
/// folds into it: its inference pass caches packed weights taken from the folded buffer or from the parameters.
/// </summary>
[Network]
[Input(40)]
[Dense(32, Bias = false)] [BatchNorm] [ReLU]
[Dense(24)] [ReLU]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class PackedFoldMlp { }
