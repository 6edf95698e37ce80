// Describe: MaxPool2D 2×6×6 -> 2×3×3, window 2 stride 2
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 2, L0_OutH = 3, L0_OutW = 3, L0_Size = 2, L0_Stride = 2
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (maxpool0): y = max over each 2×2 window, stride 2.</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.MaxPool2D.Forward(
        batch: batch,
        channels: L0_InC,
        height: L0_InH,
        width: L0_InW,
        size: L0_Size,
        stride: L0_Stride,
        x: Activation(L0_X, L0_In, batch),
        y: Activation(L0_Y, L0_Out, batch));
}

// EmitBackward

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("MaxPool", "maxpool0", "input").Ints("kernel_shape", 2, 2).Ints("strides", 2, 2);
// returns maxpool0