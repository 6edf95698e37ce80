using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[PReLU]</c>.</summary>
internal sealed class PReluArguments
{
    /// <summary>The slopes' initial value.</summary>
    public float Init { get; set; } = 0.25f;
}

/// <summary>PReLU with a learned slope per channel.</summary>
internal sealed record PReluLayer(float Init, int Channels, int Spatial, int AlphaOffset) : LayerModel;

/// <summary><c>[PReLU]</c>: same shape, one learned slope per channel (per feature after dense layers).</summary>
internal sealed class PReluDefinition : LayerDefinition<PReluArguments>
{
    /// <inheritdoc />
    public override string Name => "PReLU";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new PReluEmitter();

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<PReluArguments> args, LayerContext context)
    {
        float init = args.Check(nameof(PReluArguments.Init), args.Values.Init, v => v >= 0f && v < 1f, "in [0, 1)");
        (int channels, int spatial) = b.ChannelsAndSpatial();
        var model = new PReluLayer(init, channels, spatial, b.TakeParameters(channels)) { ParameterCount = channels };
        b.Append(spec, context.Prefix, "prelu", model, b.Current);
    }
}

/// <summary>PReLU: <c>y = x &gt; 0 ? x : a[c]·x</c> with a learned slope per channel.</summary>
internal sealed class PReluEmitter : LayerEmitter<PReluLayer>
{
    /// <inheritdoc />
    public override string Describe(PReluLayer p)
        => $"PReLU on {p.InputShape}, slope per channel [{p.Channels}] at params[{p.AlphaOffset}..{p.AlphaOffset + p.Channels})";

    /// <inheritdoc />
    public override string ExtraConstants(PReluLayer p)
        => $"{Names.P(p, "C")} = {p.Channels}, {Names.P(p, "Spatial")} = {p.Spatial}, {Names.P(p, "Alpha")} = {p.AlphaOffset}";

    /// <inheritdoc />
    public override bool HasBackward(PReluLayer layer) => true; // the slopes always need their gradient

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, PReluLayer p)
    {
        w.Summary($"Layer {p.Index} forward ({p.Name}): y = x > 0 ? x : a[c]·x.");
        using (w.Block($"private void Layer{p.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.PRelu.Forward", "batch: batch", $"channels: {Names.P(p, "C")}", $"spatial: {Names.P(p, "Spatial")}", $"x: {Names.X(p)}",
                $"alpha: {Alpha(p, "Parameters")}", $"y: {Names.Y(p)}");
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, PReluLayer p)
    {
        string dx = p.InputIsNetworkInput ? "default" : Names.DX(p);
        w.Summary($"Layer {p.Index} backward ({p.Name}): dx += dy·(x > 0 ? 1 : a[c]), da[c] += Σ dy·x over x ≤ 0.");
        using (w.Block($"private void Layer{p.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.PRelu.Backward", "batch: batch", $"channels: {Names.P(p, "C")}", $"spatial: {Names.P(p, "Spatial")}", $"x: {Names.X(p)}",
                $"alpha: {Alpha(p, "Parameters")}", $"dy: {Names.DY(p)}", $"dx: {dx}", $"dAlpha: {Alpha(p, "Gradients")}");
        }
    }

    /// <inheritdoc />
    public override void EmitParameterTensors(CodeWriter w, PReluLayer p)
    {
        w.Line($"// Layer {p.Index} ({p.Name}): slopes {CodeWriter.Float(p.Init)}.");
        TensorTable.Row(w, p, "weight", Names.P(p, "Alpha"), "Other", [Names.P(p, "C")], $"value: {CodeWriter.Float(p.Init)}");
    }

    /// <summary>ONNX: <c>PRelu</c>, the slopes as [C, 1, 1] over images.</summary>
    public override string EmitOnnx(CodeWriter w, PReluLayer p, OnnxTensors tensors)
    {
        w.Line(Onnx.Node("PRelu", p.Name, tensors.Input(p), Onnx.PerChannel(p.Name + ".weight", p.InputShape)) + ";");
        return p.Name;
    }

    private static string Alpha(PReluLayer p, string buffer) => $"{buffer}.Slice({Names.P(p, "Alpha")}, {Names.P(p, "C")})";
}
