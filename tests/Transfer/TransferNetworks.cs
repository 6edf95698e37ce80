namespace NetGen.Tests.Transfer;

/// <summary>The pretrained network: a feature extractor (dense, batch norm, dense) and a 4-class head.</summary>
[Network]
[Input(12)]
[Dense(16, Bias = false)] [BatchNorm] [ReLU]
[Dense(10)] [ReLU]
[Dense(4)] [SoftmaxCrossEntropy]
public partial class PretrainedFeatureNet { }

/// <summary>The same feature extractor with a new 3-class head: the layers share names and shapes up to the head.</summary>
[Network]
[Input(12)]
[Dense(16, Bias = false)] [BatchNorm] [ReLU]
[Dense(10)] [ReLU]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class FineTunedNet { }

/// <summary>OracleMlp's tensor shapes under other names (a dropout layer shifts the layer numbers), for matching by position.</summary>
[Network]
[Input(20)]
[Dense(16)] [ReLU] [Dropout(0.1f)]
[Dense(12)] [Tanh]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class ShiftedOracleMlp { }
