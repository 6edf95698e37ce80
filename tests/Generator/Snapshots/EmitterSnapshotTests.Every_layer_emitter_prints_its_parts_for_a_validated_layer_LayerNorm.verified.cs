// Describe: LayerNorm on 3, over the 3 features of each sample, eps 1E-05, gamma/beta [3] at params[15..21)
// ExtraConstants: L1_C = 3, L1_Spatial = 1, L1_Gamma = 15, L1_Beta = 18, L1_Affine = 3, L1_Groups = 1, L1_Mean = 10,
// L1_InvStd = 11
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (ln1): normalizes each sample over its features, then scales and shifts per
/// feature.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.LayerNorm.Forward(
        batch: batch,
        features: L1_In,
        epsilon: 1E-05f,
        x: Activation(L1_X, L1_In, batch),
        gamma: Parameters.Slice(L1_Gamma, L1_Affine),
        beta: Parameters.Slice(L1_Beta, L1_Affine),
        y: Activation(L1_Y, L1_Out, batch),
        saveMean: Activation(L1_Mean, L1_Groups, batch),
        saveInvStd: Activation(L1_InvStd, L1_Groups, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (ln1): the gradient through each sample's statistics.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.LayerNorm.Backward(
        batch: batch,
        features: L1_In,
        x: Activation(L1_X, L1_In, batch),
        gamma: Parameters.Slice(L1_Gamma, L1_Affine),
        saveMean: Activation(L1_Mean, L1_Groups, batch),
        saveInvStd: Activation(L1_InvStd, L1_Groups, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch),
        dGamma: Gradients.Slice(L1_Gamma, L1_Affine),
        dBeta: Gradients.Slice(L1_Beta, L1_Affine));
}

// EmitParameterTensors
// Layer 1 (ln1): gamma 1, beta 0.
new(
    name: "ln1.weight",
    layer: 1,
    offset: L1_Gamma,
    shape: new(L1_In),
    role: global::NetGen.ParameterRole.Normalization,
    value: 1f),
new(
    name: "ln1.bias",
    layer: 1,
    offset: L1_Beta,
    shape: new(L1_In),
    role: global::NetGen.ParameterRole.Normalization,
    value: 0f),

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("LayerNormalization", "ln1", "dense0", "ln1.weight", "ln1.bias").Int("axis", 1).Float("epsilon", 1E-05f);
// returns ln1