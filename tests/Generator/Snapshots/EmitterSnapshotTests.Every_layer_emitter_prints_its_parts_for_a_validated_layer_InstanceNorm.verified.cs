// Describe: InstanceNorm on 2×6×6, per sample and channel over 36 positions, eps 1E-05, gamma/beta [2] at params[6..10)
// ExtraConstants: L1_C = 2, L1_Spatial = 36, L1_Gamma = 6, L1_Beta = 8, L1_Affine = 2, L1_Groups = 2, L1_Mean = 216,
// L1_InvStd = 218
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (in1): normalizes each sample per channel, then scales and shifts per channel.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.InstanceNorm.Forward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        epsilon: 1E-05f,
        x: Activation(L1_X, L1_In, batch),
        gamma: Parameters.Slice(L1_Gamma, L1_Affine),
        beta: Parameters.Slice(L1_Beta, L1_Affine),
        y: Activation(L1_Y, L1_Out, batch),
        saveMean: Activation(L1_Mean, L1_Groups, batch),
        saveInvStd: Activation(L1_InvStd, L1_Groups, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (in1): the gradient through each sample's statistics.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.InstanceNorm.Backward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
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
// Layer 1 (in1): gamma 1, beta 0.
new(
    name: "in1.weight",
    layer: 1,
    offset: L1_Gamma,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 1f),
new(
    name: "in1.bias",
    layer: 1,
    offset: L1_Beta,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 0f),

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("InstanceNormalization", "in1", "conv0", "in1.weight", "in1.bias").Float("epsilon", 1E-05f);
// returns in1