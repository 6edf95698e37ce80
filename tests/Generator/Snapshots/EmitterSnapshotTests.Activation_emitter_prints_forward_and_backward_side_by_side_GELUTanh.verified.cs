// Describe: GELU(tanh approximation) on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (gelutanh1): y = x·σ(2u), u = √(2/π)·(x + 0.044715·x³).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Gelu.Forward(
        approximation: global::NetGen.GeluApproximation.Tanh,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (gelutanh1): dx += dy · (σ(2u) + x·σ(2u)·(1 − σ(2u))·2u′).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Gelu.Backward(
        approximation: global::NetGen.GeluApproximation.Tanh,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors