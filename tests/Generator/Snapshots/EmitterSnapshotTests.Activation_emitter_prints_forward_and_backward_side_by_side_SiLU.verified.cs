// Describe: SiLU on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (silu1): y = x·σ(x).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Silu.Forward(x: Activation(L1_X, L1_In, batch), y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (silu1): dx += dy · σ(x)·(1 + x·(1 − σ(x))).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Silu.Backward(
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors