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

// EmitParameterTensors

// EmitLayoutArguments
// Layer 4 (softmax): the mean softmax cross-entropy of the logits at L4_X; backward writes dlogits = (probabilities −
// targets) / batch.
lossHead: global::NetGen.NetworkBase.LossHeadKind.SoftmaxCrossEntropy,
lossHeadInputOffset: L4_X,