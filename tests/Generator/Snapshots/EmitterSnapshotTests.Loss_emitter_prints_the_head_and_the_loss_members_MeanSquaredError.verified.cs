// Describe: MeanSquaredError over 10 outputs (output: the input)
// ExtraConstants: 
// HasForward: False, HasBackward: False

// EmitForward

// EmitBackward

// EmitInitialization

// EmitParameterTensors

// EmitLossMembers
// Layer 4 (mse): the mean squared error of the prediction at L4_X; backward writes dy = 2·(y − target) / (batch·10).
/// <inheritdoc />
protected override global::NetGen.NetworkBase.LossHead LossHeadLayout
    => new(global::NetGen.NetworkBase.LossHeadKind.MeanSquaredError, L4_X, L4_Y, L4_In);