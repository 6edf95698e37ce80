// Describe: Conv2D 2×6×6 -> 3×6×6, kernel 3 stride 1 padding 1, weights [3 x 2 x 3 x 3] at params[0..54), bias [3] at
// params[54..57)
// ExtraConstants: L0_W = 0, L0_B = 54, L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 3, L0_OutH = 6, L0_OutW = 6, L0_K
// = 3, L0_Stride = 1, L0_Pad = 1
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 0 forward (conv0): y[b, f] = bias[f] + Σ W[f] ⋆ x[b] (im2col + GEMM).</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.Conv2D.Forward(
        batch: batch,
        inChannels: L0_InC,
        height: L0_InH,
        width: L0_InW,
        outChannels: L0_OutC,
        kernel: L0_K,
        stride: L0_Stride,
        padding: L0_Pad,
        x: Activation(L0_X, L0_In, batch),
        weights: Parameters.Slice(L0_W, L0_OutC * L0_InC * L0_K * L0_K),
        bias: Parameters.Slice(L0_B, L0_OutC),
        y: Activation(L0_Y, L0_Out, batch),
        scratch: Scratch);
}

// EmitBackward
/// <summary>Layer 0 backward (conv0): dW += dy·colᵀ, dbias += Σ dy, the input needs no gradient.</summary>
private void Layer0Backward(int batch)
{
    global::NetGen.Kernels.Conv2D.Backward(
        batch: batch,
        inChannels: L0_InC,
        height: L0_InH,
        width: L0_InW,
        outChannels: L0_OutC,
        kernel: L0_K,
        stride: L0_Stride,
        padding: L0_Pad,
        x: Activation(L0_X, L0_In, batch),
        weights: Parameters.Slice(L0_W, L0_OutC * L0_InC * L0_K * L0_K),
        dy: ActivationGradient(L0_Y, L0_Out, batch),
        dx: default,
        dWeights: Gradients.Slice(L0_W, L0_OutC * L0_InC * L0_K * L0_K),
        dBias: Gradients.Slice(L0_B, L0_OutC),
        scratch: Scratch);
}

// EmitParameterTensors
// Layer 0 (conv0): weights Xavier (Xavier, the default when no ReLU-family activation follows), bias 0.
new(
    name: "conv0.weight",
    layer: 0,
    offset: L0_W,
    shape: new(L0_OutC, L0_InC, L0_K, L0_K),
    role: global::NetGen.ParameterRole.Weight,
    scheme: global::NetGen.WeightInit.Xavier,
    fanIn: L0_InC * L0_K * L0_K,
    fanOut: L0_OutC * L0_K * L0_K),
new(
    name: "conv0.bias",
    layer: 0,
    offset: L0_B,
    shape: new(L0_OutC),
    role: global::NetGen.ParameterRole.Bias,
    value: 0f),

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Conv", "conv0", "input", "conv0.weight", "conv0.bias")
    .Ints("kernel_shape", 3, 3)
    .Ints("strides", 1, 1)
    .Ints("pads", 1, 1, 1, 1);
// returns conv0