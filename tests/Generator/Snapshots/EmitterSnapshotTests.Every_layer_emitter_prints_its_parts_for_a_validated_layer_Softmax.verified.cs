// Describe: Softmax on 3
// ExtraConstants: 
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (softmaxlayer1): y = softmax(x) per sample.</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Softmax.Forward(
        batch: batch,
        classes: L1_In,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (softmaxlayer1): dx += y ⊙ (dy − Σ dy·y).</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Softmax.Backward(
        batch: batch,
        classes: L1_In,
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Softmax", "softmaxlayer1", "dense0").Int("axis", 1);
// returns softmaxlayer1