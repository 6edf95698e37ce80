// Describe: Tanh on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (tanh1): y = tanh(x).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Tanh.Forward(x: Activation(L1_X, L1_In, batch), y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (tanh1): dx += dy · (1 − y²).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Tanh.Backward(
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors