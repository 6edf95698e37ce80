using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The loss heads.</summary>
internal enum LossKind
{
    SoftmaxCrossEntropy,
    MeanSquaredError,
}

/// <summary>The loss head (always last).</summary>
internal sealed record LossLayer(LossKind Loss) : LayerModel;

/// <summary>What the loss heads share: the emitter and the rule that they come last.</summary>
internal abstract class LossHeadDefinition : LayerDefinition<NoArguments>
{
    /// <inheritdoc />
    public override ILayerEmitter Emitter => LossEmitter.Instance;

    /// <inheritdoc />
    public override bool IsLossHead => true;
}

/// <summary><c>[SoftmaxCrossEntropy]</c>: the output is the class probabilities; needs at least two classes.</summary>
internal sealed class SoftmaxCrossEntropyDefinition : LossHeadDefinition
{
    /// <inheritdoc />
    public override string Name => "SoftmaxCrossEntropy";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
    {
        // After an invalid size earlier the shapes are placeholders: a softmax-size error would only add noise.
        if (b.Current.Size < 2 && !b.Diagnostics.Any(d => d.Id is DiagnosticIds.InvalidInputDimension or DiagnosticIds.InvalidHyperparameter))
        {
            b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxTooFewClasses, spec.Location, b.Current.Size));
        }

        b.Append(spec, context.Prefix, "softmax", new LossLayer(LossKind.SoftmaxCrossEntropy), b.Current, exactName: true);
    }
}

/// <summary><c>[MeanSquaredError]</c>: the output is the head's input itself.</summary>
internal sealed class MeanSquaredErrorDefinition : LossHeadDefinition
{
    /// <inheritdoc />
    public override string Name => "MeanSquaredError";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => b.Append(spec, context.Prefix, "mse", new LossLayer(LossKind.MeanSquaredError), b.Current, outputIsInput: true, exactName: true);
}

/// <summary>
/// Loss heads. Forward produces the network output (softmax probabilities, or the input itself for mean squared
/// error); the public <c>Loss</c> and <c>Backward</c> overloads compute the mean loss and seed the gradient of the
/// head's input, from which the layers back-propagate.
/// </summary>
internal sealed class LossEmitter : LayerEmitter<LossLayer>
{
    /// <summary>The one instance, shared by the kinds this emitter prints.</summary>
    public static readonly LossEmitter Instance = new();

    public override string Describe(LossLayer l)
    {
        return l.Loss == LossKind.SoftmaxCrossEntropy
            ? $"SoftmaxCrossEntropy over {l.InputShape.Size} classes (output: probabilities)"
            : $"MeanSquaredError over {l.InputShape.Size} outputs (output: the input)";
    }

    public override string ExtraConstants(LossLayer layer) => "";

    public override bool HasForward(LossLayer layer) => layer.Loss == LossKind.SoftmaxCrossEntropy;

    public override bool HasBackward(LossLayer layer) => false;

    public override void EmitForward(CodeWriter w, LossLayer l)
    {
        w.Summary($"Layer {l.Index} forward ({l.Name}): probabilities = softmax(logits), row by row, max-subtracted for stability.");
        using (w.Block($"private void Layer{l.Index}Forward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Softmax.Forward(batch: batch, classes: {Names.P(l, "In")}, x: {Names.X(l)}, y: {Names.Y(l)});");
        }
    }

    /// <summary>Nothing: the public <c>Backward</c> overloads seed the head's input gradient directly.</summary>
    public override void EmitBackward(CodeWriter w, LossLayer layer)
    {
    }

    /// <summary>ONNX: the network outputs what Forward returns: probabilities (<c>Softmax</c>) after softmax cross-entropy, the input itself after mean squared error.</summary>
    public override string EmitOnnx(CodeWriter w, LossLayer l, OnnxTensors tensors)
    {
        if (l.Loss == LossKind.MeanSquaredError)
        {
            w.Line($"// {l.Name}: the output is the head's input (no node).");
            return tensors.Input(l);
        }

        Onnx.Softmax(w, tensors.Input(l), l.Name, l.InputShape);
        return l.Name;
    }

    /// <summary>
    /// Writes the loss head's arguments of the network layout (its kind and the offset of its input); <c>NetworkBase</c>
    /// runs the head's kernels for loss and backward (against labels or float targets) and then calls the generated
    /// <c>Backpropagate</c>, so no file repeats those four members.
    /// </summary>
    public void EmitLayoutArguments(CodeWriter w, LossLayer l)
    {
        bool softmax = l.Loss == LossKind.SoftmaxCrossEntropy;
        string kind = softmax ? "SoftmaxCrossEntropy" : "MeanSquaredError";
        w.Line(softmax
            ? $"// Layer {l.Index} ({l.Name}): the mean softmax cross-entropy of the logits at {Names.P(l, "X")}; backward writes dlogits = (probabilities − targets) / batch."
            : $"// Layer {l.Index} ({l.Name}): the mean squared error of the prediction at {Names.P(l, "X")}; backward writes dy = 2·(y − target) / (batch·{l.InputShape.Size}).");
        w.Line($"lossHead: global::NetGen.NetworkBase.LossHeadKind.{kind},");
        w.Line($"lossHeadInputOffset: {Names.P(l, "X")},");
    }
}
