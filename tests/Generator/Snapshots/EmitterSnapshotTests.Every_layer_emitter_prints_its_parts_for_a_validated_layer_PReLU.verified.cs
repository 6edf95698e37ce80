// Describe: PReLU on 2×6×6, slope per channel [2] at params[6..8)
// ExtraConstants: L1_C = 2, L1_Spatial = 36, L1_Alpha = 6
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (prelu1): y = x &gt; 0 ? x : a[c]·x.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.PRelu.Forward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        x: Activation(L1_X, L1_In, batch),
        alpha: Parameters.Slice(L1_Alpha, L1_C),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (prelu1): dx += dy·(x &gt; 0 ? 1 : a[c]), da[c] += Σ dy·x over x ≤ 0.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.PRelu.Backward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        x: Activation(L1_X, L1_In, batch),
        alpha: Parameters.Slice(L1_Alpha, L1_C),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch),
        dAlpha: Gradients.Slice(L1_Alpha, L1_C));
}

// EmitParameterTensors
// Layer 1 (prelu1): slopes 0.25f.
new(
    name: "prelu1.weight",
    layer: 1,
    offset: L1_Alpha,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Other,
    value: 0.25f),

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("PRelu", "prelu1", "conv0", g.Parameter("prelu1.weight", 2, 1, 1));
// returns prelu1