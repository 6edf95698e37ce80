// Describe: AvgPool2D 2×6×6 -> 2×2×2, window 3 stride 2
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 2, L0_OutH = 2, L0_OutW = 2, L0_Size = 3, L0_Stride = 2
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (avgpool0): y = mean over each 3×3 window, stride 2.</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.AvgPool2D.Forward(batch, L0_InC, L0_InH, L0_InW, L0_Size, L0_Stride, Activation(L0_X, L0_In, batch), Activation(L0_Y, L0_Out, batch));
}

// EmitBackward

// EmitInitialization

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitBufferInitialization
// EmitOnnx
g.Node("AveragePool", "avgpool0", "input").Ints("kernel_shape", 3, 3).Ints("strides", 2, 2);
// returns avgpool0