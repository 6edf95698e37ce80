// Describe: Sigmoid on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (sigmoid1): y = 1 / (1 + e⁻ˣ).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Sigmoid.Forward(x: Activation(L1_X, L1_In, batch), y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (sigmoid1): dx += dy · y·(1 − y).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Sigmoid.Backward(
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors