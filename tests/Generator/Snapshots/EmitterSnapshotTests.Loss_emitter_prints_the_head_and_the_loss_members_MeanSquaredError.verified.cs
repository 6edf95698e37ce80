// Describe: MeanSquaredError over 10 outputs (output: the input)
// ExtraConstants: 
// HasForward: False, HasBackward: False

// EmitForward

// EmitBackward

// EmitParameterTensors

// EmitLayoutArguments
// Layer 4 (mse): the mean squared error of the prediction at L4_X; backward writes dy = 2·(y − target) / (batch·10).
lossHead: global::NetGen.NetworkBase.LossHeadKind.MeanSquaredError,
lossHeadInputOffset: L4_X,