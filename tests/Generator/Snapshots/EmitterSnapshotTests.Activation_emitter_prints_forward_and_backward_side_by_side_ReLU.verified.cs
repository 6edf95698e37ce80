// Describe: ReLU on 5
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (relu1): y = max(0, x).</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Relu.Forward(x: Activation(L1_X, L1_In, batch), y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (relu1): dx += dy · (x &gt; 0 ? 1 : 0).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Relu.Backward(
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors