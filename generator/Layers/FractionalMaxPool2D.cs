using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[FractionalMaxPool2D(ratio)]</c>.</summary>
internal sealed class FractionalMaxPool2DArguments
{
    /// <summary>The input-to-output size ratio (required; 1.5 after an invalid value).</summary>
    public double Ratio { get; set; } = 1.5;
}

/// <summary>Fractional max pooling with pseudo-random regions in training.</summary>
internal sealed record FractionalPoolLayer(double Ratio) : LayerModel;

/// <summary><c>[FractionalMaxPool2D(ratio)]</c>: [C, H, W] → [C, H/ratio, W/ratio].</summary>
internal sealed class FractionalMaxPool2DDefinition : LayerDefinition<FractionalMaxPool2DArguments>
{
    /// <inheritdoc />
    public override string Name => "FractionalMaxPool2D";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new FractionalMaxPool2DEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<FractionalMaxPool2DArguments> args, LayerContext context)
    {
        checked
        {
            if (!b.RequireSpatial(spec))
            {
                return;
            }

            int c = b.Current.Dims[0], h = b.Current.Dims[1], w = b.Current.Dims[2];
            // Every output row and column pools one or two input ones (the kernel's regions), so the output must keep
            // at least half of each side: (int)(h / ratio) · 2 ≥ h (7 rows at ratio 1.9 would give 3, too few).
            double ratio = args.Check(
                nameof(FractionalMaxPool2DArguments.Ratio),
                args.Values.Ratio,
                v => v > 1 && v <= 2 && h / v >= 1 && w / v >= 1 && 2 * (int)(h / v) >= h && 2 * (int)(w / v) >= w,
                $"in (1, 2] and leave at least 1×1 and at least half of each side of the {h}×{w} input");
            b.Append(spec, context.Prefix, "fracpool", new FractionalPoolLayer(ratio), Shape.Of(c, (int)(h / ratio), (int)(w / ratio)));
        }
    }
}

/// <summary>
/// Fractional max pooling: new pseudo-random region boundaries per training forward pass, fixed ones at inference;
/// backward routes each dy to its region's maximum.
/// </summary>
internal sealed class FractionalMaxPool2DEmitter : LayerEmitter<FractionalPoolLayer>
{
    /// <inheritdoc />
    public override string Describe(FractionalPoolLayer f)
        => $"FractionalMaxPool2D {f.InputShape} -> {f.OutputShape}, ratio {f.Ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public override string ExtraConstants(FractionalPoolLayer f) => Spatial.Constants(f);

    /// <inheritdoc />
    public override void EmitFields(CodeWriter w, FractionalPoolLayer f)
    {
        w.Line($"// Layer {f.Index} ({f.Name}): the pooling region boundaries of the last forward pass (rows, columns).");
        w.Line($"private readonly int[] _l{f.Index}Rows = new int[{Names.P(f, "OutH")} + 1], _l{f.Index}Cols = new int[{Names.P(f, "OutW")} + 1];");
    }

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, FractionalPoolLayer f)
    {
        w.Summary($"Layer {f.Index} forward ({f.Name}): max over pseudo-random regions (training) or fixed regions (inference).");
        using (w.Block($"private void Layer{f.Index}Forward(int batch)"))
        {
            using (w.Block("if (!TrainingForward || !FreezeRandomness)"))
            {
                w.Line("// Training draws a fresh offset per pass (Graham 2014); inference uses the fixed offset 0.5.");
                w.Line("double u = TrainingForward ? Random.NextDouble() : 0.5;");
                w.Call($"{Names.Kernels}.FractionalMaxPool2D.Regions", $"input: {Names.P(f, "InH")}", $"output: {Names.P(f, "OutH")}", "u: u", $"boundaries: _l{f.Index}Rows");
                w.Call($"{Names.Kernels}.FractionalMaxPool2D.Regions", $"input: {Names.P(f, "InW")}", $"output: {Names.P(f, "OutW")}", "u: TrainingForward ? Random.NextDouble() : 0.5", $"boundaries: _l{f.Index}Cols");
            }

            w.Call($"{Names.Kernels}.FractionalMaxPool2D.Forward", Spatial.Dims(f), $"outHeight: {Names.P(f, "OutH")}", $"outWidth: {Names.P(f, "OutW")}",
                $"rowBoundaries: _l{f.Index}Rows", $"colBoundaries: _l{f.Index}Cols", $"x: {Names.X(f)}", $"y: {Names.Y(f)}");
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, FractionalPoolLayer f)
    {
        w.Summary($"Layer {f.Index} backward ({f.Name}): each dy goes to the maximum of its region.");
        using (w.Block($"private void Layer{f.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.FractionalMaxPool2D.Backward", Spatial.Dims(f), $"outHeight: {Names.P(f, "OutH")}", $"outWidth: {Names.P(f, "OutW")}",
                $"rowBoundaries: _l{f.Index}Rows", $"colBoundaries: _l{f.Index}Cols", $"x: {Names.X(f)}", $"y: {Names.Y(f)}", $"dy: {Names.DY(f)}", $"dx: {Names.DX(f)}");
        }
    }

    /// <summary>
    /// ONNX: at inference the maximum over fixed regions of 1 or 2 rows and columns (the runtime's inference
    /// boundaries): <c>Gather</c> each region's first and last row, <c>Max</c>, then the same over columns.
    /// </summary>
    public override string EmitOnnx(CodeWriter w, FractionalPoolLayer layer, OnnxTensors tensors)
    {
        string x = tensors.Input(layer), n = layer.Name;
        const string Indices = "global::NetGen.Interop.OnnxIndices";
        string rows = $"rows{layer.Index}", cols = $"cols{layer.Index}";
        w.Line($"int[] {rows} = {Indices}.FractionalInferenceBoundaries({Names.P(layer, "InH")}, {Names.P(layer, "OutH")}), {cols} = {Indices}.FractionalInferenceBoundaries({Names.P(layer, "InW")}, {Names.P(layer, "OutW")});");
        foreach ((string axis, string source, string b, string output, int dim) in new[] { ("rows", x, rows, n + "/rows", 2), ("cols", n + "/rows", cols, n, 3) })
        {
            w.Line(Onnx.Node("Gather", $"{n}/first_{axis}", source, $"g.Int64s({Onnx.Q($"{n}/first_{axis}_index")}, {Indices}.RegionFirst({b}))") + Onnx.Int("axis", dim) + ";");
            w.Line(Onnx.Node("Gather", $"{n}/last_{axis}", source, $"g.Int64s({Onnx.Q($"{n}/last_{axis}_index")}, {Indices}.RegionLast({b}))") + Onnx.Int("axis", dim) + ";");
            w.Line(Onnx.Node("Max", output, $"{n}/first_{axis}", $"{n}/last_{axis}") + ";");
        }

        return n;
    }
}
