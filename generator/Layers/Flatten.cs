using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>A reshape to a vector (no work: the output buffer is the input buffer).</summary>
internal sealed record FlattenLayer(bool IsImplicit) : LayerModel;

/// <summary><c>[Flatten]</c>: [C, H, W] → [C·H·W]; dense layers also insert it implicitly.</summary>
internal sealed class FlattenDefinition : LayerDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "Flatten";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new FlattenEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => b.AddFlatten(spec, context.Prefix, isImplicit: false);
}

/// <summary>Flatten: a change of view, no work in either direction (its output buffer is its input buffer).</summary>
internal sealed class FlattenEmitter : LayerEmitter<FlattenLayer>
{
    /// <inheritdoc />
    public override string Describe(FlattenLayer layer)
        => $"Flatten {layer.InputShape} -> {layer.OutputShape}{(layer.IsImplicit ? " (implicit before a dense layer)" : "")}";

    /// <inheritdoc />
    public override bool HasForward(FlattenLayer layer) => false;

    /// <inheritdoc />
    public override bool HasBackward(FlattenLayer layer) => false;

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, FlattenLayer layer)
    {
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, FlattenLayer layer)
    {
    }

    /// <summary>ONNX: <c>Flatten(axis = 1)</c> for [C, H, W] inputs; nothing for inputs that are already flat.</summary>
    public override string EmitOnnx(CodeWriter w, FlattenLayer layer, OnnxTensors tensors)
    {
        if (layer.InputShape.Rank == 1)
        {
            w.Line($"// {layer.Name}: the input is already flat (no node).");
            return tensors.Input(layer);
        }

        w.Line(Onnx.Node("Flatten", layer.Name, tensors.Input(layer)) + Onnx.Int("axis", 1) + ";");
        return layer.Name;
    }
}
