// Describe: GlobalAvgPool2D 2×6×6 -> 2
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (gap0): y[c] = the mean of channel c's 6×6 plane.</summary>
private void Layer0Forward(int batch)
{
    global::NetGen.Kernels.GlobalAvgPool2D.Forward(
        batch: batch,
        channels: L0_InC,
        height: L0_InH,
        width: L0_InW,
        x: Activation(L0_X, L0_In, batch),
        y: Activation(L0_Y, L0_Out, batch));
}

// EmitBackward

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("GlobalAveragePool", "gap0/pooled", "input");
g.Node("Flatten", "gap0", "gap0/pooled").Int("axis", 1);
// returns gap0