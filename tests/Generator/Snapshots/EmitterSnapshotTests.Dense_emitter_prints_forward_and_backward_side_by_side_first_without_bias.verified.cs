// Describe: Dense 6 -> 4, weights [4 x 6] at params[0..24), no bias
// ExtraConstants: L0_W = 0
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 0 forward (dense0): y[b, o] = Σᵢ x[b, i]·W[o, i].</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.Dense.Forward(
        batch: batch,
        inputs: L0_In,
        outputs: L0_Out,
        x: Activation(L0_X, L0_In, batch),
        weights: Parameters.Slice(L0_W, L0_Out * L0_In),
        bias: default,
        y: Activation(L0_Y, L0_Out, batch),
        packed: PackedWeightsFor(0));
}

// EmitBackward
/// <summary>Layer 0 backward (dense0): dW += dyᵀ·x, dx += dy·W is skipped: the input needs no gradient; the first pass
/// after ZeroGradients writes dW instead (OverwriteParameterGradients).</summary>
private void Layer0Backward(int batch)
{
    global::NetGen.Kernels.Dense.Backward(
        batch: batch,
        inputs: L0_In,
        outputs: L0_Out,
        x: Activation(L0_X, L0_In, batch),
        weights: Parameters.Slice(L0_W, L0_Out * L0_In),
        dy: ActivationGradient(L0_Y, L0_Out, batch),
        dx: default,
        dWeights: Gradients.Slice(L0_W, L0_Out * L0_In),
        dBias: default,
        overwriteGradients: OverwriteParameterGradients);
}

// EmitParameterTensors
// Layer 0 (dense0): weights Constant (as declared), bias none.
new(
    name: "dense0.weight",
    layer: 0,
    offset: L0_W,
    shape: new(L0_Out, L0_In),
    role: global::NetGen.ParameterRole.Weight,
    scheme: global::NetGen.WeightInit.Constant,
    fanIn: L0_In,
    fanOut: L0_Out,
    value: 0.25f),