// Describe: BatchNorm on 2×6×6, per channel over batch × 36, momentum 0.2, eps 1E-05, gamma/beta [2] at params[4..8)
// ExtraConstants: L1_C = 2, L1_Spatial = 36, L1_Gamma = 4, L1_Beta = 6, L1_Affine = 2, L1_RunMean = 0, L1_RunVar = 2
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (bn1): training normalizes with the mini-batch statistics and updates the running ones;
/// inference uses the running statistics.</summary>
private void Layer1Forward(int batch)
{
    if (TrainingForward)
    {
        global::NetGen.Kernels.BatchNorm.ForwardTraining(
            batch: batch,
            channels: L1_C,
            spatial: L1_Spatial,
            momentum: 0.2f,
            epsilon: 1E-05f,
            x: Activation(L1_X, L1_In, batch),
            gamma: Parameters.Slice(L1_Gamma, L1_Affine),
            beta: Parameters.Slice(L1_Beta, L1_Affine),
            runningMean: Buffers.Slice(L1_RunMean, L1_C),
            runningVar: Buffers.Slice(L1_RunVar, L1_C),
            y: Activation(L1_Y, L1_Out, batch),
            saveMean: _l1Mean,
            saveInvStd: _l1InvStd);
    }
    else
    {
        global::NetGen.Kernels.BatchNorm.ForwardInference(
            batch: batch,
            channels: L1_C,
            spatial: L1_Spatial,
            epsilon: 1E-05f,
            x: Activation(L1_X, L1_In, batch),
            gamma: Parameters.Slice(L1_Gamma, L1_Affine),
            beta: Parameters.Slice(L1_Beta, L1_Affine),
            runningMean: Buffers.Slice(L1_RunMean, L1_C),
            runningVar: Buffers.Slice(L1_RunVar, L1_C),
            y: Activation(L1_Y, L1_Out, batch));
    }
}

// EmitBackward
/// <summary>Layer 1 backward (bn1): the gradient through the mini-batch statistics (requires a training-mode forward
/// pass).</summary>
private void Layer1Backward(int batch)
{
    RequireTrainingForward("bn1");
    global::NetGen.Kernels.BatchNorm.Backward(
        batch: batch,
        channels: L1_C,
        spatial: L1_Spatial,
        x: Activation(L1_X, L1_In, batch),
        gamma: Parameters.Slice(L1_Gamma, L1_Affine),
        saveMean: _l1Mean,
        saveInvStd: _l1InvStd,
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch),
        dGamma: Gradients.Slice(L1_Gamma, L1_Affine),
        dBeta: Gradients.Slice(L1_Beta, L1_Affine));
}

// EmitParameterTensors
// Layer 1 (bn1): gamma 1, beta 0.
new(
    name: "bn1.weight",
    layer: 1,
    offset: L1_Gamma,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 1f),
new(
    name: "bn1.bias",
    layer: 1,
    offset: L1_Beta,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 0f),

// EmitFields
// Layer 1 (bn1): the mini-batch mean and 1/std of the last training forward pass, per channel.
private readonly float[] _l1Mean = new float[L1_C], _l1InvStd = new float[L1_C];
// EmitBufferTensors
// Layer 1 (bn1): running mean 0, running variance 1.
new(
    name: "bn1.running_mean",
    layer: 1,
    offset: L1_RunMean,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 0f),
new(
    name: "bn1.running_var",
    layer: 1,
    offset: L1_RunVar,
    shape: new(L1_C),
    role: global::NetGen.ParameterRole.Normalization,
    value: 1f),
// EmitOnnx
g.Node("BatchNormalization", "bn1", "conv0", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var")
    .Float("epsilon", 1E-05f);
// returns bn1