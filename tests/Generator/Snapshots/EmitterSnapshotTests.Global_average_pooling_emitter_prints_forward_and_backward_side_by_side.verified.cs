// Describe: GlobalAvgPool2D 16×7×7 -> 16
// ExtraConstants: L3_InC = 16, L3_InH = 7, L3_InW = 7
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 3 forward (gap3): y[c] = the mean of channel c's 7×7 plane.</summary>
private void Layer3Forward(int batch)
{
    global::NetGen.Kernels.GlobalAvgPool2D.Forward(
        batch: batch,
        channels: L3_InC,
        height: L3_InH,
        width: L3_InW,
        x: Activation(L3_X, L3_In, batch),
        y: Activation(L3_Y, L3_Out, batch));
}

// EmitBackward
/// <summary>Layer 3 backward (gap3): dx[c, i, j] += dy[c] / 49 (every position shares its mean's gradient).</summary>
private void Layer3Backward(int batch)
{
    global::NetGen.Kernels.GlobalAvgPool2D.Backward(
        batch: batch,
        channels: L3_InC,
        height: L3_InH,
        width: L3_InW,
        dy: ActivationGradient(L3_Y, L3_Out, batch),
        dx: ActivationGradient(L3_X, L3_In, batch));
}

// EmitParameterTensors