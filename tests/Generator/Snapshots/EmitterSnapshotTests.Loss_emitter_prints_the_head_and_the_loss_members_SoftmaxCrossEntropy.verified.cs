// Describe: SoftmaxCrossEntropy over 10 classes (output: probabilities)
// ExtraConstants: 
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 4 forward (softmax): probabilities = softmax(logits), row by row, max-subtracted for
/// stability.</summary>
private void Layer4Forward(int batch)
{
    global::NetGen.Kernels.Softmax.Forward(
        batch: batch,
        classes: L4_In,
        x: Activation(L4_X, L4_In, batch),
        y: Activation(L4_Y, L4_Out, batch));
}

// EmitBackward

// EmitInitialization

// EmitParameterTensors

// EmitLossMembers
/// <summary>The mean softmax cross-entropy of the last forward pass against class labels.</summary>
/// <param name="labels">One class index per sample.</param>
protected override float LossCore(global::System.ReadOnlySpan<int> labels)
{
    int batch = CheckTargets(labels.Length, 1, nameof(labels));
    return global::NetGen.Kernels.SoftmaxCrossEntropy.Forward(
        batch: batch,
        classes: L4_In,
        logits: Activation(L4_X, L4_In, batch),
        labels: labels);
}

/// <summary>Back-propagates the mean softmax cross-entropy against class labels, adding every parameter's gradient to
/// <c>Gradients</c>.</summary>
/// <param name="labels">One class index per sample.</param>
protected override void BackwardCore(global::System.ReadOnlySpan<int> labels)
{
    int batch = BeginBackward(labels.Length, 1, nameof(labels));
    // Layer 4 (softmax): dlogits = (probabilities − onehot(labels)) / batch.
    global::NetGen.Kernels.SoftmaxCrossEntropy.Backward(
        batch: batch,
        classes: L4_In,
        probabilities: Activation(L4_Y, L4_Out, batch),
        labels: labels,
        dLogits: ActivationGradient(L4_X, L4_In, batch));
    Backpropagate(batch);
}

/// <summary>The mean softmax cross-entropy of the last forward pass against target probabilities.</summary>
/// <param name="targets">batch × 10 values.</param>
protected override float LossCore(global::System.ReadOnlySpan<float> targets)
{
    int batch = CheckTargets(targets.Length, L4_In, nameof(targets));
    return global::NetGen.Kernels.SoftmaxCrossEntropy.Forward(
        batch: batch,
        classes: L4_In,
        logits: Activation(L4_X, L4_In, batch),
        targets: targets);
}

/// <summary>Back-propagates the mean softmax cross-entropy against target probabilities, adding every parameter's
/// gradient to <c>Gradients</c>.</summary>
/// <param name="targets">batch × 10 values.</param>
protected override void BackwardCore(global::System.ReadOnlySpan<float> targets)
{
    int batch = BeginBackward(targets.Length, L4_In, nameof(targets));
    // Layer 4 (softmax): dlogits = (probabilities·Σtargets − targets) / batch.
    global::NetGen.Kernels.SoftmaxCrossEntropy.Backward(
        batch: batch,
        classes: L4_In,
        probabilities: Activation(L4_Y, L4_Out, batch),
        targets: targets,
        dLogits: ActivationGradient(L4_X, L4_In, batch));
    Backpropagate(batch);
}