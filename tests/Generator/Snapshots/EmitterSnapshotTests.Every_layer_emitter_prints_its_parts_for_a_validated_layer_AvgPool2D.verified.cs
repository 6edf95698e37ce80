// Describe: AvgPool2D 2×6×6 -> 2×2×2, window 3 stride 2
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 2, L0_OutH = 2, L0_OutW = 2, L0_Size = 3, L0_Stride = 2
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (avgpool0): y = mean over each 3×3 window, stride 2.</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.AvgPool2D.Forward(
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
g.Node("AveragePool", "avgpool0", "input").Ints("kernel_shape", 3, 3).Ints("strides", 2, 2);
// returns avgpool0