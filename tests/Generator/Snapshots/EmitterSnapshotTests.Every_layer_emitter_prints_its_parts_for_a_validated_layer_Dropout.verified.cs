// Describe: Dropout p = 0.25 on 3
// ExtraConstants: L1_Mask = 10
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (dropout1): training keeps each value with probability 0.75 and scales it by the inverse;
/// inference copies.</summary>
private void Layer1Forward(int batch)
{
    if (TrainingForward)
    {
        if (!FreezeRandomness)
        {
            global::NetGen.Kernels.Dropout.FillMask(p: 0.25f, mask: Activation(L1_Mask, L1_In, batch), rng: Random);
        }
        global::NetGen.Kernels.Dropout.Forward(
            x: Activation(L1_X, L1_In, batch),
            mask: Activation(L1_Mask, L1_In, batch),
            y: Activation(L1_Y, L1_Out, batch));
    }
    else
    {
        Activation(L1_X, L1_In, batch).CopyTo(Activation(L1_Y, L1_Out, batch));
    }
}

// EmitBackward
/// <summary>Layer 1 backward (dropout1): dx += dy ⊙ mask (dx += dy after an inference-mode forward pass).</summary>
private void Layer1Backward(int batch)
{
    if (TrainingForward)
    {
        global::NetGen.Kernels.Dropout.Backward(
            mask: Activation(L1_Mask, L1_In, batch),
            dy: ActivationGradient(L1_Y, L1_Out, batch),
            dx: ActivationGradient(L1_X, L1_In, batch));
    }
    else
    {
        global::NetGen.Kernels.Elementwise.Add(
            x: ActivationGradient(L1_Y, L1_Out, batch),
            y: ActivationGradient(L1_X, L1_In, batch));
    }
}

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
// dropout1: the identity at inference (no node).
// returns dense0