// Describe: MaxPool2D 2×6×6 -> 2×3×3, window 2 stride 2
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 2, L0_OutH = 3, L0_OutW = 3, L0_Size = 2, L0_Stride = 2
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (maxpool0): y = max over each 2×2 window, stride 2.</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.MaxPool2D.Forward(batch, L0_InC, L0_InH, L0_InW, L0_Size, L0_Stride, Activation(L0_X, L0_In, batch), Activation(L0_Y, L0_Out, batch));
}

// EmitBackward

// EmitInitialization

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitBufferInitialization
// EmitOnnx
g.Node("MaxPool", "maxpool0", "input").Ints("kernel_shape", 2, 2).Ints("strides", 2, 2);
// returns maxpool0