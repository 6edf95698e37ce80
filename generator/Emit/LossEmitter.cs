using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Loss heads. Forward produces the network output (softmax probabilities, or the input itself for mean squared
/// error); the public <c>Loss</c> and <c>Backward</c> overloads compute the mean loss and seed the gradient of the
/// head's input, from which the layers back-propagate.
/// </summary>
internal sealed class LossEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer)
    {
        var l = (LossLayer)layer;
        return l.Loss == LossKind.SoftmaxCrossEntropy
            ? $"SoftmaxCrossEntropy over {l.InputShape.Size} classes (output: probabilities)"
            : $"MeanSquaredError over {l.InputShape.Size} outputs (output: the input)";
    }

    public string ExtraConstants(LayerModel layer) => "";

    public bool HasForward(LayerModel layer) => ((LossLayer)layer).Loss == LossKind.SoftmaxCrossEntropy;

    public bool HasBackward(LayerModel layer) => false;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var l = (LossLayer)layer;
        w.Summary($"Layer {l.Index} forward ({l.Name}): probabilities = softmax(logits), row by row, max-subtracted for stability.");
        using (w.Block($"private void Layer{l.Index}Forward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Softmax.Forward(batch, {Names.P(l, "In")}, x: {Names.X(l)}, y: {Names.Y(l)});");
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
    }

    /// <summary>ONNX: the network outputs what Forward returns: probabilities (<c>Softmax</c>) after softmax cross-entropy, the input itself after mean squared error.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        var l = (LossLayer)layer;
        if (l.Loss == LossKind.MeanSquaredError)
        {
            w.Line($"// {l.Name}: the output is the head's input (no node).");
            return tensors.Input(l);
        }

        Onnx.Softmax(w, tensors.Input(l), l.Name, l.InputShape);
        return l.Name;
    }

    /// <summary>Writes the four public loss members: Loss and Backward for labels and for float targets.</summary>
    public void EmitLossMembers(CodeWriter w, LossLayer l)
    {
        bool softmax = l.Loss == LossKind.SoftmaxCrossEntropy;
        string n = Names.P(l, "In");
        string what = softmax ? "softmax cross-entropy" : "squared error"; // read after "the mean"

        foreach (bool labels in new[] { true, false })
        {
            string param = labels ? "global::System.ReadOnlySpan<int> labels" : "global::System.ReadOnlySpan<float> targets";
            string arg = labels ? "labels" : "targets";
            string perSample = labels ? "1" : n;
            string against = labels ? "class labels" : (softmax ? "target probabilities" : "targets");

            w.Line($"/// <summary>The mean {what} of the last forward pass against {against}.</summary>");
            w.Line($"/// <param name=\"{arg}\">{(labels ? "One class index per sample." : $"batch × {l.InputShape.Size} values.")}</param>");
            using (w.Block($"protected override float LossCore({param})"))
            {
                w.Line($"int batch = CheckTargets({arg}.Length, {perSample}, nameof({arg}));");
                w.Line(softmax
                    ? $"return {Names.Kernels}.SoftmaxCrossEntropy.Forward(batch, {n}, {Names.X(l)}, {arg});"
                    : labels
                        ? $"return {Names.Kernels}.MeanSquaredError.Forward(batch, {n}, {Names.X(l)}, {arg});"
                        : $"return {Names.Kernels}.MeanSquaredError.Forward(batch * {n}, {Names.X(l)}, {arg});");
            }

            w.Line();
            w.Line($"/// <summary>Back-propagates the mean {what} against {against}, adding every parameter's gradient to <c>Gradients</c>.</summary>");
            w.Line($"/// <param name=\"{arg}\">{(labels ? "One class index per sample." : $"batch × {l.InputShape.Size} values.")}</param>");
            using (w.Block($"protected override void BackwardCore({param})"))
            {
                w.Line($"int batch = BeginBackward({arg}.Length, {perSample}, nameof({arg}));");
                if (softmax)
                {
                    w.Line(labels
                        ? $"// Layer {l.Index} ({l.Name}): dlogits = (probabilities − onehot(labels)) / batch."
                        : $"// Layer {l.Index} ({l.Name}): dlogits = (probabilities·Σtargets − targets) / batch.");
                    w.Line($"{Names.Kernels}.SoftmaxCrossEntropy.Backward(batch, {n}, {Names.Y(l)}, {arg}, {Names.DX(l)});");
                }
                else
                {
                    w.Line($"// Layer {l.Index} ({l.Name}): dy = 2·(y − target) / (batch·{l.InputShape.Size}).");
                    w.Line(labels
                        ? $"{Names.Kernels}.MeanSquaredError.Backward(batch, {n}, {Names.X(l)}, {arg}, {Names.DX(l)});"
                        : $"{Names.Kernels}.MeanSquaredError.Backward(batch * {n}, {Names.X(l)}, {arg}, {Names.DX(l)});");
                }

                w.Line("Backpropagate(batch);");
            }

            w.Line();
        }
    }
}
