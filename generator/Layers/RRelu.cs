using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[RReLU(lower, upper)]</c>.</summary>
internal sealed class RReluArguments
{
    /// <summary>The smallest random slope.</summary>
    public float Lower { get; set; } = 0.125f;

    /// <summary>The largest random slope.</summary>
    public float Upper { get; set; } = 1f / 3f;
}

/// <summary>RReLU with per-element random slopes stored in the arena.</summary>
internal sealed record RReluLayer(float Lower, float Upper, int SlopesBuffer) : LayerModel;

/// <summary><c>[RReLU(lower, upper)]</c>: same shape, the training slopes per element in the arena.</summary>
internal sealed class RReluDefinition : LayerDefinition<RReluArguments>
{
    /// <inheritdoc />
    public override string Name => "RReLU";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new RReluEmitter();

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<RReluArguments> args, LayerContext context)
    {
        float lower = args.Check(nameof(RReluArguments.Lower), args.Values.Lower, v => v >= 0f && v < 1f, "in [0, 1)");
        float upper = args.Check(nameof(RReluArguments.Upper), args.Values.Upper, v => v >= 0f && v < 1f, "in [0, 1)");
        if (upper < lower)
        {
            b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, spec.Location, "upper", "RReLU", NetworkBuilder.F(upper), $"at least lower ({NetworkBuilder.F(lower)})"));
            upper = lower;
        }

        int size = b.Current.Size;
        b.Append(spec, context.Prefix, "rrelu", new RReluLayer(lower, upper, checked(b.Arena + size)), b.Current, extraArena: size);
    }
}

/// <summary>RReLU: random slopes in training (stored for backward), the mean slope at inference.</summary>
internal sealed class RReluEmitter : LayerEmitter<RReluLayer>
{
    /// <inheritdoc />
    public override string Describe(RReluLayer r)
        => $"RReLU on {r.InputShape}, slopes U({F(r.Lower)}, {F(r.Upper)}) in training, {F((r.Lower + r.Upper) / 2)} at inference";

    /// <inheritdoc />
    public override string ExtraConstants(RReluLayer r) => $"{Names.P(r, "Slopes")} = {r.SlopesBuffer}";

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, RReluLayer r)
    {
        w.Summary($"Layer {r.Index} forward ({r.Name}): y = x > 0 ? x : a·x, a ~ U({F(r.Lower)}, {F(r.Upper)}) per element in training, the mean slope at inference.");
        using (w.Block($"private void Layer{r.Index}Forward(int batch)"))
        {
            using (w.Block("if (TrainingForward && !FreezeRandomness)"))
            {
                w.Call($"{Names.Kernels}.RRelu.ForwardTraining", $"lower: {CodeWriter.Float(r.Lower)}", $"upper: {CodeWriter.Float(r.Upper)}", $"x: {Names.X(r)}", $"y: {Names.Y(r)}", $"slopes: {Slopes(r)}", "rng: Random");
            }

            using (w.Block("else"))
            {
                w.Line("// Inference uses the mean slope; frozen randomness reuses the last pass's slopes.");
                using (w.Block("if (!TrainingForward)"))
                {
                    w.Line($"{Slopes(r)}.Fill({CodeWriter.Float((r.Lower + r.Upper) / 2)});");
                }

                w.Call($"{Names.Kernels}.RRelu.ForwardWithSlopes", $"x: {Names.X(r)}", $"slopes: {Slopes(r)}", $"y: {Names.Y(r)}");
            }
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, RReluLayer r)
    {
        string dx = r.InputIsNetworkInput ? "default" : Names.DX(r);
        w.Summary($"Layer {r.Index} backward ({r.Name}): dx += dy·(x > 0 ? 1 : slope), with the forward pass's slopes.");
        using (w.Block($"private void Layer{r.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.RRelu.Backward", $"x: {Names.X(r)}", $"slopes: {Slopes(r)}", $"dy: {Names.DY(r)}", $"dx: {dx}");
        }
    }

    /// <summary>ONNX: at inference RReLU is <c>LeakyRelu</c> with the mean slope.</summary>
    public override string EmitOnnx(CodeWriter w, RReluLayer r, OnnxTensors tensors)
    {
        w.Line(Onnx.Node("LeakyRelu", r.Name, tensors.Input(r)) + Onnx.Float("alpha", (r.Lower + r.Upper) / 2) + ";");
        return r.Name;
    }

    private static string Slopes(RReluLayer r) => Names.Extra(r, "Slopes", Names.P(r, "In"));

    private static string F(float v) => CodeWriter.Float(v).TrimEnd('f');
}
