using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Max, average and fractional max pooling. Backward routes each output gradient to the window's maximum (found again
/// from x and y) or spreads it evenly over the window. Fractional pooling draws new region boundaries per training
/// forward pass and uses fixed ones at inference.
/// </summary>
internal sealed class PoolEmitter : ILayerEmitter, ILayerStateEmitter
{
    public string Describe(LayerModel layer) => layer switch
    {
        PoolLayer p => $"{(p.IsMax ? "MaxPool2D" : "AvgPool2D")} {p.InputShape} -> {p.OutputShape}, window {p.Size} stride {p.Stride}",
        FractionalPoolLayer f => $"FractionalMaxPool2D {f.InputShape} -> {f.OutputShape}, ratio {f.Ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        _ => layer.Kind,
    };

    public string ExtraConstants(LayerModel layer) => Spatial.Constants(layer) + (layer is PoolLayer p ? $", {Names.P(p, "Size")} = {p.Size}, {Names.P(p, "Stride")} = {p.Stride}" : "");

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => !layer.InputIsNetworkInput;

    public void EmitFields(CodeWriter w, LayerModel layer)
    {
        if (layer is FractionalPoolLayer f)
        {
            w.Line($"// Layer {f.Index} ({f.Name}): the pooling region boundaries of the last forward pass (rows, columns).");
            w.Line($"private readonly int[] _l{f.Index}Rows = new int[{Names.P(f, "OutH")} + 1], _l{f.Index}Cols = new int[{Names.P(f, "OutW")} + 1];");
        }
    }

    public void EmitBufferTensors(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitBufferInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        string dims = $"batch, {Names.P(layer, "InC")}, {Names.P(layer, "InH")}, {Names.P(layer, "InW")}";
        if (layer is PoolLayer p)
        {
            string op = p.IsMax ? "Max" : "Avg";
            w.Summary($"Layer {p.Index} forward ({p.Name}): y = {(p.IsMax ? "max" : "mean")} over each {p.Size}×{p.Size} window, stride {p.Stride}.");
            using (w.Block($"private void Layer{p.Index}Forward(int batch)"))
            {
                w.Line($"{Names.Kernels}.{op}Pool2D.Forward({dims}, {Names.P(p, "Size")}, {Names.P(p, "Stride")}, {Names.X(p)}, {Names.Y(p)});");
            }

            return;
        }

        var f = (FractionalPoolLayer)layer;
        w.Summary($"Layer {f.Index} forward ({f.Name}): max over pseudo-random regions (training) or fixed regions (inference).");
        using (w.Block($"private void Layer{f.Index}Forward(int batch)"))
        {
            using (w.Block("if (!TrainingForward || !FreezeRandomness)"))
            {
                w.Line("// Training draws a fresh offset per pass (Graham 2014); inference uses the fixed offset 0.5.");
                w.Line("double u = TrainingForward ? Random.NextDouble() : 0.5;");
                w.Line($"{Names.Kernels}.FractionalMaxPool2D.Regions({Names.P(f, "InH")}, {Names.P(f, "OutH")}, u, _l{f.Index}Rows);");
                w.Line($"{Names.Kernels}.FractionalMaxPool2D.Regions({Names.P(f, "InW")}, {Names.P(f, "OutW")}, TrainingForward ? Random.NextDouble() : 0.5, _l{f.Index}Cols);");
            }

            w.Line($"{Names.Kernels}.FractionalMaxPool2D.Forward({dims}, {Names.P(f, "OutH")}, {Names.P(f, "OutW")}, _l{f.Index}Rows, _l{f.Index}Cols, {Names.X(f)}, {Names.Y(f)});");
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        string dims = $"batch, {Names.P(layer, "InC")}, {Names.P(layer, "InH")}, {Names.P(layer, "InW")}";
        if (layer is PoolLayer p)
        {
            string op = p.IsMax ? "Max" : "Avg";
            w.Summary(p.IsMax
                ? $"Layer {p.Index} backward ({p.Name}): each dy goes to the position of its window's maximum."
                : $"Layer {p.Index} backward ({p.Name}): each dy is spread evenly over its window.");
            using (w.Block($"private void Layer{p.Index}Backward(int batch)"))
            {
                w.Line($"{Names.Kernels}.{op}Pool2D.Backward({dims}, {Names.P(p, "Size")}, {Names.P(p, "Stride")}, {Names.X(p)}, {Names.Y(p)}, {Names.DY(p)}, {Names.DX(p)});");
            }

            return;
        }

        var f = (FractionalPoolLayer)layer;
        w.Summary($"Layer {f.Index} backward ({f.Name}): each dy goes to the maximum of its region.");
        using (w.Block($"private void Layer{f.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.FractionalMaxPool2D.Backward({dims}, {Names.P(f, "OutH")}, {Names.P(f, "OutW")}, _l{f.Index}Rows, _l{f.Index}Cols, {Names.X(f)}, {Names.Y(f)}, {Names.DY(f)}, {Names.DX(f)});");
        }
    }

    /// <summary>
    /// ONNX: <c>MaxPool</c> / <c>AveragePool</c> without padding. Fractional pooling at inference takes the maximum over
    /// fixed regions of 1 or 2 rows and columns (the runtime's inference boundaries): <c>Gather</c> each region's first
    /// and last row, <c>Max</c>, then the same over columns.
    /// </summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        string x = tensors.Input(layer), n = layer.Name;
        if (layer is PoolLayer p)
        {
            w.Line(Onnx.Node(p.IsMax ? "MaxPool" : "AveragePool", n, x) + Onnx.Ints("kernel_shape", p.Size, p.Size) + Onnx.Ints("strides", p.Stride, p.Stride) + ";");
            return n;
        }

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

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
    }
}

/// <summary>Flatten: a change of view, no work in either direction (its output buffer is its input buffer).</summary>
internal sealed class FlattenEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer) => $"Flatten {layer.InputShape} -> {layer.OutputShape}{(((FlattenLayer)layer).IsImplicit ? " (implicit before a dense layer)" : "")}";

    public string ExtraConstants(LayerModel layer) => "";

    public bool HasForward(LayerModel layer) => false;

    public bool HasBackward(LayerModel layer) => false;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
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

    /// <summary>ONNX: <c>Flatten(axis = 1)</c> for [C, H, W] inputs; nothing for inputs that are already flat.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
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
