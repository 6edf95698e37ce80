using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Dropout(p)]</c>.</summary>
internal sealed class DropoutArguments
{
    /// <summary>The probability of dropping a value.</summary>
    public float P { get; set; } = 0.5f;
}

/// <summary>Inverted dropout with its mask in the arena.</summary>
internal sealed record DropoutLayer(float P, int MaskBuffer) : LayerModel;

/// <summary><c>[Dropout(p)]</c>, p in [0, 1): same shape, a mask per sample in the arena.</summary>
internal sealed class DropoutDefinition : LayerDefinition<DropoutArguments>
{
    /// <inheritdoc />
    public override string Name => "Dropout";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new DropoutEmitter();

    /// <inheritdoc />
    public override bool IsTransparentToInit => true;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<DropoutArguments> args, LayerContext context)
    {
        float p = args.Check(nameof(DropoutArguments.P), args.Values.P, v => v >= 0f && v < 1f, "in [0, 1)");
        int size = b.Current.Size;
        b.Append(spec, context.Prefix, "dropout", new DropoutLayer(p, checked(b.Arena + size)), b.Current, extraArena: size);
    }
}

/// <summary>Inverted dropout: <c>y = x ⊙ mask</c> with mask entries 1/(1−p) or 0 in training; the identity at inference.</summary>
internal sealed class DropoutEmitter : LayerEmitter<DropoutLayer>
{
    public override string Describe(DropoutLayer layer) => $"Dropout p = {CodeWriter.Float(layer.P).TrimEnd('f')} on {layer.InputShape}";

    public override string ExtraConstants(DropoutLayer layer) => $"{Names.P(layer, "Mask")} = {layer.MaskBuffer}";

    public override bool HasForward(DropoutLayer layer) => true;

    public override bool HasBackward(DropoutLayer layer) => !layer.InputIsNetworkInput;

    public override bool OverwritesInputGradient(DropoutLayer layer) => true;

    public override void EmitForward(CodeWriter w, DropoutLayer d)
    {
        w.Summary($"Layer {d.Index} forward ({d.Name}): training keeps each value with probability {CodeWriter.Float(1 - d.P).TrimEnd('f')} and scales it by the inverse; inference copies.");
        using (w.Block($"private void Layer{d.Index}Forward(int batch)"))
        {
            using (w.Block("if (TrainingForward)"))
            {
                using (w.Block("if (!FreezeRandomness)"))
                {
                    w.Call($"{Names.Kernels}.Dropout.FillMask", $"p: {CodeWriter.Float(d.P)}", $"mask: {Mask(d)}", "rng: Random");
                }

                w.Call($"{Names.Kernels}.Dropout.Forward", $"x: {Names.X(d)}", $"mask: {Mask(d)}", $"y: {Names.Y(d)}");
            }

            using (w.Block("else"))
            {
                w.Line($"{Names.X(d)}.CopyTo({Names.Y(d)});");
            }
        }
    }

    public override void EmitBackward(CodeWriter w, DropoutLayer d)
    {
        string op = GradientWrites.Operator(d);
        w.Summary($"Layer {d.Index} backward ({d.Name}): dx {op} dy ⊙ mask (dx {op} dy after an inference-mode forward pass).");
        using (w.Block($"private void Layer{d.Index}Backward(int batch)"))
        {
            using (w.Block("if (TrainingForward)"))
            {
                w.Call(
                    $"{Names.Kernels}.Dropout.Backward",
                    new[] { $"mask: {Mask(d)}", $"dy: {Names.DY(d)}", $"dx: {Names.DX(d)}" }.Concat(GradientWrites.OverwriteArgument(d)).ToArray());
            }

            using (w.Block("else"))
            {
                if (d.FirstGradientWrite)
                {
                    w.Line($"{Names.DY(d)}.CopyTo({Names.DX(d)});");
                }
                else
                {
                    w.Call($"{Names.Kernels}.Elementwise.Add", $"x: {Names.DY(d)}", $"y: {Names.DX(d)}");
                }
            }
        }
    }

    /// <summary>ONNX: nothing; dropout is the identity at inference.</summary>
    public override string EmitOnnx(CodeWriter w, DropoutLayer layer, OnnxTensors tensors)
    {
        w.Line($"// {layer.Name}: the identity at inference (no node).");
        return tensors.Input(layer);
    }

    private static string Mask(DropoutLayer d) => Names.Extra(d, "Mask", Names.P(d, "In"));
}
