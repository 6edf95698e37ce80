// Describe: Residual add of block Block (layers 1..2) on 4, stochastic depth survival 0.8
// ExtraConstants: L3_Skip = 4, L3_Mask = 20
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 3 forward (res0.add): y = skip + branch, closing the residual block Block.</summary>
private void Layer3Forward(int batch)
{
    Activation(L3_Skip, L3_Out, batch).CopyTo(Activation(L3_Y, L3_Out, batch));
    if (TrainingForward)
    {
        // Stochastic depth: each sample keeps the branch with probability 0.8.
        if (!FreezeRandomness)
        {
            global::NetGen.Kernels.StochasticDepth.FillSampleMask(
                batch: batch,
                survival: 0.8f,
                mask: Activation(L3_Mask, 1, batch),
                rng: Random);
        }
        global::NetGen.Kernels.StochasticDepth.AddScaledRows(
            batch: batch,
            perSample: L3_Out,
            branch: Activation(L3_X, L3_In, batch),
            mask: Activation(L3_Mask, 1, batch),
            y: Activation(L3_Y, L3_Out, batch));
    }
    else
    {
        Activation(L3_Mask, 1, batch).Fill(0.8f);
        global::NetGen.Kernels.StochasticDepth.AddScaledRows(
            batch: batch,
            perSample: L3_Out,
            branch: Activation(L3_X, L3_In, batch),
            mask: Activation(L3_Mask, 1, batch),
            y: Activation(L3_Y, L3_Out, batch));
    }
}

// EmitBackward
/// <summary>Layer 3 backward (res0.add): dskip += dy and dbranch += dy ⊙ mask.</summary>
private void Layer3Backward(int batch)
{
    global::NetGen.Kernels.Elementwise.Add(
        x: ActivationGradient(L3_Y, L3_Out, batch),
        y: ActivationGradient(L3_Skip, L3_Out, batch));
    global::NetGen.Kernels.StochasticDepth.ScaledRowsBackward(
        batch: batch,
        perSample: L3_Out,
        mask: Activation(L3_Mask, 1, batch),
        dy: ActivationGradient(L3_Y, L3_Out, batch),
        dBranch: ActivationGradient(L3_X, L3_In, batch));
}

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Mul", "res0.add/scaled", "res0.relu2", g.Constant("res0.add/survival", 0.8f));
g.Node("Add", "res0.add", "dense0", "res0.add/scaled");
// returns res0.add