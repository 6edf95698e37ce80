// Describe: GroupNorm on 4×6×6, per sample over 2 groups of 2 channels, eps 1E-05, gamma/beta [4] at params[12..20)
// ExtraConstants: L1_C = 4, L1_Spatial = 36, L1_Gamma = 12, L1_Beta = 16, L1_Affine = 4, L1_Groups = 2, L1_Mean = 360,
// L1_InvStd = 362
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (gn1): normalizes each sample per channel group, then scales and shifts per
/// channel.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.GroupNorm.Forward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        groups: L1_Groups,
        epsilon: 1E-05f,
        x: Activation(L1_X, L1_In, batch),
        gamma: Parameters.Slice(L1_Gamma, L1_Affine),
        beta: Parameters.Slice(L1_Beta, L1_Affine),
        y: Activation(L1_Y, L1_Out, batch),
        saveMean: Activation(L1_Mean, L1_Groups, batch),
        saveInvStd: Activation(L1_InvStd, L1_Groups, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (gn1): the gradient through each sample's statistics.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.GroupNorm.Backward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        groups: L1_Groups,
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
// Layer 1 (gn1): gamma 1, beta 0.
new(
    name: "gn1.weight",
    layer: 1,
    offset: L1_Gamma,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 1f),
new(
    name: "gn1.bias",
    layer: 1,
    offset: L1_Beta,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 0f),

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Reshape", "gn1/groups", "conv0", g.Int64s("gn1/groups_shape", 0, 2, -1));
g.Node(
    "InstanceNormalization", "gn1/normalized", "gn1/groups", g.Constant("gn1/ones", 1f, 2),
    g.Constant("gn1/zeros", 0f, 2))
    .Float("epsilon", 1E-05f);
g.Node("Reshape", "gn1/channels", "gn1/normalized", g.Int64s("gn1/shape", 0, 4, 6, 6));
g.Node("Mul", "gn1/scaled", "gn1/channels", g.Parameter("gn1.weight", 4, 1, 1));
g.Node("Add", "gn1", "gn1/scaled", g.Parameter("gn1.bias", 4, 1, 1));
// returns gn1