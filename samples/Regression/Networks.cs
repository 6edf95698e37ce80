namespace NetGen.Samples.Regression;

/// <summary>Predicts a diamond's price (standardized) from its 9 standardized attributes.</summary>
[Network]
[Input(9)]
[Dense(64)] [ReLU]
[Dense(64)] [ReLU]
[Dense(1)] [MeanSquaredError]
public partial class DiamondPriceMlp
{
}
