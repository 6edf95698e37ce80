// Describe: GELU on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (gelu1): y = x·Φ(x), Φ the standard normal distribution function.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Gelu.Forward(
        approximation: global::NetGen.GeluApproximation.None,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (gelu1): dx += dy · (Φ(x) + x·φ(x)).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Gelu.Backward(
        approximation: global::NetGen.GeluApproximation.None,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors