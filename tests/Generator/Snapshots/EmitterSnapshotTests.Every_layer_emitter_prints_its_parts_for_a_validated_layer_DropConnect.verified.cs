// Describe: Dense 4 -> 3, weights [3 x 4] at params[0..12), bias [3] at params[12..15), DropConnect p = 0.25
// ExtraConstants: L0_W = 0, L0_B = 12
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 0 forward (dense0): y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i]; in training W is W ⊙ mask
/// (DropConnect).</summary>
private void Layer0Forward(int batch)
{
    global::System.ReadOnlySpan<float> weights = Parameters.Slice(L0_W, L0_Out * L0_In);
    if (TrainingForward)
    {
        // DropConnect: W ⊙ mask, each weight kept with probability 0.75 and scaled by its inverse.
        if (!FreezeRandomness)
        {
            global::NetGen.Kernels.Dropout.FillMask(p: 0.25f, mask: _l0Mask, rng: Random);
        }
        global::NetGen.Kernels.Elementwise.Multiply(x: weights, y: _l0Mask, z: _l0MaskedW);
        weights = _l0MaskedW;
    }
    global::NetGen.Kernels.Dense.Forward(
        batch: batch,
        inputs: L0_In,
        outputs: L0_Out,
        x: Activation(L0_X, L0_In, batch),
        weights: weights,
        bias: Parameters.Slice(L0_B, L0_Out),
        y: Activation(L0_Y, L0_Out, batch),
        packed: PackedWeightsFor(0));
}

// EmitBackward
/// <summary>Layer 0 backward (dense0): dW += dyᵀ·x, dbias += Σ_b dy, dx += dy·W is skipped: the input needs no
/// gradient; in training W is W ⊙ mask and dW is routed back through the mask; the first pass after ZeroGradients
/// writes dW and dbias instead (OverwriteParameterGradients).</summary>
private void Layer0Backward(int batch)
{
    if (TrainingForward)
    {
        // DropConnect: the gradient of the masked weights, routed through the mask into dW.
        global::System.Array.Clear(_l0dMaskedW);
        global::NetGen.Kernels.Dense.Backward(
            batch: batch,
            inputs: L0_In,
            outputs: L0_Out,
            x: Activation(L0_X, L0_In, batch),
            weights: _l0MaskedW,
            dy: ActivationGradient(L0_Y, L0_Out, batch),
            dx: default,
            dWeights: _l0dMaskedW,
            dBias: Gradients.Slice(L0_B, L0_Out),
            overwriteGradients: OverwriteParameterGradients);
        if (OverwriteParameterGradients)
        {
            global::NetGen.Kernels.Elementwise.Multiply(
                x: _l0dMaskedW,
                y: _l0Mask,
                z: Gradients.Slice(L0_W, L0_Out * L0_In));
        }
        else
        {
            global::NetGen.Kernels.Elementwise.MultiplyAdd(
                x: _l0dMaskedW,
                y: _l0Mask,
                z: Gradients.Slice(L0_W, L0_Out * L0_In));
        }
        return;
    }

    global::NetGen.Kernels.Dense.Backward(
        batch: batch,
        inputs: L0_In,
        outputs: L0_Out,
        x: Activation(L0_X, L0_In, batch),
        weights: Parameters.Slice(L0_W, L0_Out * L0_In),
        dy: ActivationGradient(L0_Y, L0_Out, batch),
        dx: default,
        dWeights: Gradients.Slice(L0_W, L0_Out * L0_In),
        dBias: Gradients.Slice(L0_B, L0_Out),
        overwriteGradients: OverwriteParameterGradients);
}

// EmitParameterTensors
// Layer 0 (dense0): weights Xavier (Xavier, the default when no ReLU-family activation follows), bias 0.
new(
    name: "dense0.weight",
    layer: 0,
    offset: L0_W,
    shape: new(L0_Out, L0_In),
    role: global::NetGen.ParameterRole.Weight,
    scheme: global::NetGen.WeightInit.Xavier,
    fanIn: L0_In,
    fanOut: L0_Out),
new(
    name: "dense0.bias",
    layer: 0,
    offset: L0_B,
    shape: new(L0_Out),
    role: global::NetGen.ParameterRole.Bias,
    value: 0f),

// EmitFields
// Layer 0 (dense0) DropConnect: the mini-batch's weight mask, the masked weights and their gradient.
private readonly float[] _l0Mask = new float[L0_Out * L0_In], _l0MaskedW = new float[L0_Out * L0_In],
    _l0dMaskedW = new float[L0_Out * L0_In];
// EmitBufferTensors
// EmitOnnx
g.Node("Gemm", "dense0", "input", "dense0.weight", "dense0.bias").Int("transB", 1);
// returns dense0