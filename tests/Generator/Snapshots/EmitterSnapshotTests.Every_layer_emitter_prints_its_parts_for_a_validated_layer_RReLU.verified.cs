// Describe: RReLU on 3, slopes U(0.125, 0.33333334) in training, 0.22916667 at inference
// ExtraConstants: L1_Slopes = 10
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (rrelu1): y = x &gt; 0 ? x : a·x, a ~ U(0.125, 0.33333334) per element in training, the
/// mean slope at inference.</summary>
private void Layer1Forward(int batch)
{
    if (TrainingForward && !FreezeRandomness)
    {
        global::NetGen.Kernels.RRelu.ForwardTraining(
            lower: 0.125f,
            upper: 0.33333334f,
            x: Activation(L1_X, L1_In, batch),
            y: Activation(L1_Y, L1_Out, batch),
            slopes: Activation(L1_Slopes, L1_In, batch),
            rng: Random);
    }
    else
    {
        // Inference uses the mean slope; frozen randomness reuses the last pass's slopes.
        if (!TrainingForward)
        {
            Activation(L1_Slopes, L1_In, batch).Fill(0.22916667f);
        }
        global::NetGen.Kernels.RRelu.ForwardWithSlopes(
            x: Activation(L1_X, L1_In, batch),
            slopes: Activation(L1_Slopes, L1_In, batch),
            y: Activation(L1_Y, L1_Out, batch));
    }
}

// EmitBackward
/// <summary>Layer 1 backward (rrelu1): dx += dy·(x &gt; 0 ? 1 : slope), with the forward pass's slopes.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.RRelu.Backward(
        x: Activation(L1_X, L1_In, batch),
        slopes: Activation(L1_Slopes, L1_In, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("LeakyRelu", "rrelu1", "dense0").Float("alpha", 0.22916667f);
// returns rrelu1