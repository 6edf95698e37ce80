// Describe: LeakyReLU(alpha 0.125) on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (leakyrelu1): y = x &gt; 0 ? x : 0.125·x.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.LeakyRelu.Forward(
        alpha: 0.125f,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (leakyrelu1): dx += dy · (x &gt; 0 ? 1 : 0.125).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.LeakyRelu.Backward(
        alpha: 0.125f,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors