using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>Global average pooling: [C, H, W] to a vector of the C channel means.</summary>
internal sealed record GlobalAvgPoolLayer : LayerModel;

/// <summary><c>[GlobalAvgPool2D]</c>: needs a [C, H, W] input (NG0013 otherwise); the output is a vector of C.</summary>
internal sealed class GlobalAvgPool2DDefinition : LayerDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "GlobalAvgPool2D";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new GlobalAvgPool2DEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
    {
        if (b.RequireSpatial(spec))
        {
            b.Append(spec, context.Prefix, "gap", new GlobalAvgPoolLayer(), Shape.Of(b.Current.Dims[0]));
        }
    }
}

/// <summary>
/// Global average pooling: forward takes the mean of each channel's plane, backward spreads each channel's gradient
/// evenly over its plane.
/// </summary>
internal sealed class GlobalAvgPool2DEmitter : LayerEmitter<GlobalAvgPoolLayer>
{
    /// <inheritdoc />
    public override string Describe(GlobalAvgPoolLayer layer) => $"GlobalAvgPool2D {layer.InputShape} -> {layer.OutputShape}";

    /// <inheritdoc />
    public override string ExtraConstants(GlobalAvgPoolLayer layer) => Spatial.Constants(layer);

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, GlobalAvgPoolLayer layer)
    {
        w.Summary($"Layer {layer.Index} forward ({layer.Name}): y[c] = the mean of channel c's {layer.InputShape.Dims[1]}×{layer.InputShape.Dims[2]} plane.");
        using (w.Block($"private void Layer{layer.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.GlobalAvgPool2D.Forward", Spatial.Dims(layer), $"x: {Names.X(layer)}", $"y: {Names.Y(layer)}");
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, GlobalAvgPoolLayer layer)
    {
        w.Summary($"Layer {layer.Index} backward ({layer.Name}): dx[c, i, j] += dy[c] / {layer.InputShape.Dims[1] * layer.InputShape.Dims[2]} (every position shares its mean's gradient).");
        using (w.Block($"private void Layer{layer.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.GlobalAvgPool2D.Backward", Spatial.Dims(layer), $"dy: {Names.DY(layer)}", $"dx: {Names.DX(layer)}");
        }
    }

    /// <summary>ONNX: <c>GlobalAveragePool</c> ([N, C, 1, 1]), then <c>Flatten(axis = 1)</c> to [N, C].</summary>
    public override string EmitOnnx(CodeWriter w, GlobalAvgPoolLayer layer, OnnxTensors tensors)
    {
        w.Line(Onnx.Node("GlobalAveragePool", layer.Name + "/pooled", tensors.Input(layer)) + ";");
        w.Line(Onnx.Node("Flatten", layer.Name, layer.Name + "/pooled") + Onnx.Int("axis", 1) + ";");
        return layer.Name;
    }
}
