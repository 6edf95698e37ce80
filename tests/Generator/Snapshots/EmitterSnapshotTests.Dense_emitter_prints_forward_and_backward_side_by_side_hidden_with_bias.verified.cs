// Describe: Dense 6 -> 4, weights [4 x 6] at params[40..64), bias [4] at params[64..68)
// ExtraConstants: L2_W = 40, L2_B = 64
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 2 forward (dense2): y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i].</summary>
private void Layer2Forward(int batch)
{
    global::NetGen.Kernels.Dense.Forward(batch, L2_In, L2_Out,
        x: Activation(L2_X, L2_In, batch),
        weights: Parameters.Slice(L2_W, L2_Out * L2_In),
        bias: Parameters.Slice(L2_B, L2_Out),
        y: Activation(L2_Y, L2_Out, batch));
}

// EmitBackward
/// <summary>Layer 2 backward (dense2): dW += dyᵀ·x, dbias += Σ_b dy, dx += dy·W.</summary>
private void Layer2Backward(int batch)
{
    global::NetGen.Kernels.Dense.Backward(batch, L2_In, L2_Out,
        x: Activation(L2_X, L2_In, batch),
        weights: Parameters.Slice(L2_W, L2_Out * L2_In),
        dy: ActivationGradient(L2_Y, L2_Out, batch),
        dx: ActivationGradient(L2_X, L2_In, batch),
        dWeights: Gradients.Slice(L2_W, L2_Out * L2_In),
        dBias: Gradients.Slice(L2_B, L2_Out));
}

// EmitInitialization
// Layer 2 (dense2): weights He (He, chosen because ReLU follows), bias 0.01f.
global::NetGen.Initializers.Fill(global::NetGen.WeightInit.He, p.Slice(L2_W, L2_Out * L2_In),
    fanIn: 6, fanOut: 4, std: 0.01f, value: 0f, new global::NetGen.Rng(seed, stream: 2));
p.Slice(L2_B, L2_Out).Fill(0.01f);

// EmitParameterTensors
new("dense2.weight", 2, L2_W, L2_Out * L2_In, new[] { L2_Out, L2_In }, global::NetGen.ParameterRole.Weight),
new("dense2.bias", 2, L2_B, L2_Out, new[] { L2_Out }, global::NetGen.ParameterRole.Bias),