// Describe: ELU(alpha 0.75) on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (elu1): y = x &gt; 0 ? x : 0.75·(eˣ − 1).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Elu.Forward(
        alpha: 0.75f,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (elu1): dx += dy · (x &gt; 0 ? 1 : y + 0.75).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Elu.Backward(
        alpha: 0.75f,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors