// Describe: Dense 6 -> 4, weights [4 x 6] at params[40..64), bias [4] at params[64..68)
// ExtraConstants: L2_W = 40, L2_B = 64
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 2 forward (dense2): y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i].</summary>
private void Layer2Forward(int batch)
{
    global::NetGen.Kernels.Dense.Forward(
        batch: batch,
        inputs: L2_In,
        outputs: L2_Out,
        x: Activation(L2_X, L2_In, batch),
        weights: Parameters.Slice(L2_W, L2_Out * L2_In),
        bias: Parameters.Slice(L2_B, L2_Out),
        y: Activation(L2_Y, L2_Out, batch),
        packed: PackedWeightsFor(2));
}

// EmitBackward
/// <summary>Layer 2 backward (dense2): dW += dyᵀ·x, dbias += Σ_b dy, dx += dy·W; the first pass after ZeroGradients
/// writes dW and dbias instead (OverwriteParameterGradients).</summary>
private void Layer2Backward(int batch)
{
    global::NetGen.Kernels.Dense.Backward(
        batch: batch,
        inputs: L2_In,
        outputs: L2_Out,
        x: Activation(L2_X, L2_In, batch),
        weights: Parameters.Slice(L2_W, L2_Out * L2_In),
        dy: ActivationGradient(L2_Y, L2_Out, batch),
        dx: ActivationGradient(L2_X, L2_In, batch),
        dWeights: Gradients.Slice(L2_W, L2_Out * L2_In),
        dBias: Gradients.Slice(L2_B, L2_Out),
        overwriteGradients: OverwriteParameterGradients);
}

// EmitParameterTensors
// Layer 2 (dense2): weights He (He, chosen because ReLU follows), bias 0.01.
new(
    name: "dense2.weight",
    layer: 2,
    offset: L2_W,
    shape: new(L2_Out, L2_In),
    role: global::NetGen.ParameterRole.Weight,
    scheme: global::NetGen.WeightInit.He,
    fanIn: L2_In,
    fanOut: L2_Out),
new(
    name: "dense2.bias",
    layer: 2,
    offset: L2_B,
    shape: new(L2_Out),
    role: global::NetGen.ParameterRole.Bias,
    value: 0.01f),