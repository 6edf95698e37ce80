using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Maxout(pieces)]</c>.</summary>
internal sealed class MaxoutArguments
{
    /// <summary>The pieces per unit (required; 2 after an invalid value).</summary>
    public int Pieces { get; set; } = 2;
}

/// <summary>Maxout over consecutive pieces.</summary>
internal sealed record MaxoutLayer(int Pieces) : LayerModel;

/// <summary><c>[Maxout(pieces)]</c>: [units·pieces] → [units], after a dense layer.</summary>
internal sealed class MaxoutDefinition : LayerDefinition<MaxoutArguments>
{
    /// <inheritdoc />
    public override string Name => "Maxout";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new MaxoutEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<MaxoutArguments> args, LayerContext context)
    {
        int pieces = args.Check(nameof(MaxoutArguments.Pieces), args.Values.Pieces, v => v >= 2, "at least 2");
        if (b.Current.Rank != 1)
        {
            b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, spec.Location, "Maxout", b.Current.ToString(), "maxout takes the flat output of a dense layer; add [Flatten] and a [Dense] first"));
            return;
        }

        if (b.Current.Size % pieces != 0)
        {
            b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, spec.Location, "pieces", "Maxout", pieces, $"a divisor of the input size {b.Current.Size} (declare the dense layer before it with units × pieces outputs)"));
            return;
        }

        b.Append(spec, context.Prefix, "maxout", new MaxoutLayer(pieces), Shape.Of(b.Current.Size / pieces));
    }
}

/// <summary>Maxout: <c>y[u] = max_k x[u, k]</c>; backward sends each dy to the winning piece.</summary>
internal sealed class MaxoutEmitter : LayerEmitter<MaxoutLayer>
{
    /// <inheritdoc />
    public override string Describe(MaxoutLayer m) => $"Maxout {m.InputShape} -> {m.OutputShape}, {m.Pieces} pieces";

    /// <inheritdoc />
    public override string ExtraConstants(MaxoutLayer m) => $"{Names.P(m, "Pieces")} = {m.Pieces}";

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, MaxoutLayer m)
    {
        w.Summary($"Layer {m.Index} forward ({m.Name}): y[b, u] = max over the {m.Pieces} pieces x[b, u, k].");
        using (w.Block($"private void Layer{m.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.Maxout.Forward", "batch: batch", $"units: {Names.P(m, "Out")}", $"pieces: {Names.P(m, "Pieces")}", $"x: {Names.X(m)}", $"y: {Names.Y(m)}");
        }
    }

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, MaxoutLayer m)
    {
        string dx = m.InputIsNetworkInput ? "default" : Names.DX(m);
        w.Summary($"Layer {m.Index} backward ({m.Name}): each dy goes to the winning piece.");
        using (w.Block($"private void Layer{m.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.Maxout.Backward", "batch: batch", $"units: {Names.P(m, "Out")}", $"pieces: {Names.P(m, "Pieces")}", $"x: {Names.X(m)}", $"y: {Names.Y(m)}",
                $"dy: {Names.DY(m)}", $"dx: {dx}");
        }
    }

    /// <summary>ONNX: <c>Reshape</c> to [N, units, pieces], <c>MaxPool</c> over the pieces, <c>Flatten</c>.</summary>
    public override string EmitOnnx(CodeWriter w, MaxoutLayer m, OnnxTensors tensors)
    {
        string n = m.Name;
        int units = m.OutputShape.Size;
        w.Line(Onnx.Node("Reshape", n + "/pieces", tensors.Input(m), Onnx.Int64s(n + "/pieces_shape", 0, units, m.Pieces)) + ";");
        w.Line(Onnx.Node("MaxPool", n + "/max", n + "/pieces") + Onnx.Ints("kernel_shape", m.Pieces) + ";");
        w.Line(Onnx.Node("Flatten", n, n + "/max") + Onnx.Int("axis", 1) + ";");
        return n;
    }
}
