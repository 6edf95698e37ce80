using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>Softmax as a layer.</summary>
internal sealed record SoftmaxLayer : LayerModel;

/// <summary><c>[Softmax]</c> as a hidden layer: same shape, softmax over each sample's features.</summary>
internal sealed class SoftmaxDefinition : LayerDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "Softmax";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new SoftmaxEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => b.Append(spec, context.Prefix, "softmaxlayer", new SoftmaxLayer(), b.Current);
}

/// <summary>Softmax layer: <c>y = softmax(x)</c> per sample; backward <c>dx += y ⊙ (dy − Σ dy·y)</c>.</summary>
internal sealed class SoftmaxEmitter : LayerEmitter<SoftmaxLayer>
{
    /// <inheritdoc />
    public override string Describe(SoftmaxLayer layer) => $"Softmax on {layer.InputShape}";

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, SoftmaxLayer layer)
    {
        w.Summary($"Layer {layer.Index} forward ({layer.Name}): y = softmax(x) per sample.");
        using (w.Block($"private void Layer{layer.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.Softmax.Forward", "batch: batch", $"classes: {Names.P(layer, "In")}", $"x: {Names.X(layer)}", $"y: {Names.Y(layer)}");
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, SoftmaxLayer layer)
    {
        string dx = layer.InputIsNetworkInput ? "default" : Names.DX(layer);
        w.Summary($"Layer {layer.Index} backward ({layer.Name}): dx += y ⊙ (dy − Σ dy·y).");
        using (w.Block($"private void Layer{layer.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.Softmax.Backward", "batch: batch", $"classes: {Names.P(layer, "In")}", $"y: {Names.Y(layer)}", $"dy: {Names.DY(layer)}", $"dx: {dx}");
        }
    }

    /// <summary>ONNX: <c>Softmax</c> over all features of a sample.</summary>
    public override string EmitOnnx(CodeWriter w, SoftmaxLayer layer, OnnxTensors tensors)
    {
        Onnx.Softmax(w, tensors.Input(layer), layer.Name, layer.InputShape);
        return layer.Name;
    }
}
