// Describe: MeanSquaredError over 10 outputs (output: the input)
// ExtraConstants: 
// HasForward: False, HasBackward: False

// EmitForward

// EmitBackward

// EmitInitialization

// EmitParameterTensors

// EmitLossMembers
/// <summary>The mean squared error of the last forward pass against class labels.</summary>
/// <param name="labels">One class index per sample.</param>
protected override float LossCore(global::System.ReadOnlySpan<int> labels)
{
    int batch = CheckTargets(labels.Length, 1, nameof(labels));
    return global::NetGen.Kernels.MeanSquaredError.Forward(
        batch: batch,
        outputs: L4_In,
        y: Activation(L4_X, L4_In, batch),
        labels: labels);
}

/// <summary>Back-propagates the mean squared error against class labels, adding every parameter's gradient to
/// <c>Gradients</c>.</summary>
/// <param name="labels">One class index per sample.</param>
protected override void BackwardCore(global::System.ReadOnlySpan<int> labels)
{
    int batch = BeginBackward(labels.Length, 1, nameof(labels));
    // Layer 4 (mse): dy = 2·(y − target) / (batch·10).
    global::NetGen.Kernels.MeanSquaredError.Backward(
        batch: batch,
        outputs: L4_In,
        y: Activation(L4_X, L4_In, batch),
        labels: labels,
        dy: ActivationGradient(L4_X, L4_In, batch));
    Backpropagate(batch);
}

/// <summary>The mean squared error of the last forward pass against targets.</summary>
/// <param name="targets">batch × 10 values.</param>
protected override float LossCore(global::System.ReadOnlySpan<float> targets)
{
    int batch = CheckTargets(targets.Length, L4_In, nameof(targets));
    return global::NetGen.Kernels.MeanSquaredError.Forward(
        count: batch * L4_In,
        y: Activation(L4_X, L4_In, batch),
        targets: targets);
}

/// <summary>Back-propagates the mean squared error against targets, adding every parameter's gradient to
/// <c>Gradients</c>.</summary>
/// <param name="targets">batch × 10 values.</param>
protected override void BackwardCore(global::System.ReadOnlySpan<float> targets)
{
    int batch = BeginBackward(targets.Length, L4_In, nameof(targets));
    // Layer 4 (mse): dy = 2·(y − target) / (batch·10).
    global::NetGen.Kernels.MeanSquaredError.Backward(
        count: batch * L4_In,
        y: Activation(L4_X, L4_In, batch),
        targets: targets,
        dy: ActivationGradient(L4_X, L4_In, batch));
    Backpropagate(batch);
}