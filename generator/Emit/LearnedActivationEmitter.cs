using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>PReLU (learned slope per channel), RReLU (random slopes in training), Maxout and Softmax as layers.</summary>
internal sealed class LearnedActivationEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer) => layer switch
    {
        PReluLayer p => $"PReLU on {p.InputShape}, slope per channel [{p.Channels}] at params[{p.AlphaOffset}..{p.AlphaOffset + p.Channels})",
        RReluLayer r => $"RReLU on {r.InputShape}, slopes U({F(r.Lower)}, {F(r.Upper)}) in training, {F((r.Lower + r.Upper) / 2)} at inference",
        MaxoutLayer m => $"Maxout {m.InputShape} -> {m.OutputShape}, {m.Pieces} pieces",
        _ => $"Softmax on {layer.InputShape}",
    };

    public string ExtraConstants(LayerModel layer) => layer switch
    {
        PReluLayer p => $"{Names.P(p, "C")} = {p.Channels}, {Names.P(p, "Spatial")} = {p.Spatial}, {Names.P(p, "Alpha")} = {p.AlphaOffset}",
        RReluLayer r => $"{Names.P(r, "Slopes")} = {r.SlopesBuffer}",
        MaxoutLayer m => $"{Names.P(m, "Pieces")} = {m.Pieces}",
        _ => "",
    };

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => layer is PReluLayer || !layer.InputIsNetworkInput;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        switch (layer)
        {
            case PReluLayer p:
                w.Summary($"Layer {p.Index} forward ({p.Name}): y = x > 0 ? x : a[c]·x.");
                using (w.Block($"private void Layer{p.Index}Forward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.PRelu.Forward(batch, {Names.P(p, "C")}, {Names.P(p, "Spatial")}, {Names.X(p)}, {Alpha(p, "Parameters")}, {Names.Y(p)});");
                }

                break;
            case RReluLayer r:
                w.Summary($"Layer {r.Index} forward ({r.Name}): y = x > 0 ? x : a·x, a ~ U({F(r.Lower)}, {F(r.Upper)}) per element in training, the mean slope at inference.");
                using (w.Block($"private void Layer{r.Index}Forward(int batch)"))
                {
                    using (w.Block("if (TrainingForward && !FreezeRandomness)"))
                    {
                        w.Line($"{Names.Kernels}.RRelu.ForwardTraining({CodeWriter.Float(r.Lower)}, {CodeWriter.Float(r.Upper)}, {Names.X(r)}, {Names.Y(r)}, {Slopes(r)}, Random);");
                    }

                    using (w.Block("else"))
                    {
                        w.Line("// Inference uses the mean slope; frozen randomness reuses the last pass's slopes.");
                        using (w.Block("if (!TrainingForward)"))
                        {
                            w.Line($"{Slopes(r)}.Fill({CodeWriter.Float((r.Lower + r.Upper) / 2)});");
                        }

                        w.Line($"{Names.Kernels}.RRelu.ForwardWithSlopes({Names.X(r)}, {Slopes(r)}, {Names.Y(r)});");
                    }
                }

                break;
            case MaxoutLayer m:
                w.Summary($"Layer {m.Index} forward ({m.Name}): y[b, u] = max over the {m.Pieces} pieces x[b, u, k].");
                using (w.Block($"private void Layer{m.Index}Forward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.Maxout.Forward(batch, {Names.P(m, "Out")}, {Names.P(m, "Pieces")}, {Names.X(m)}, {Names.Y(m)});");
                }

                break;
            default:
                w.Summary($"Layer {layer.Index} forward ({layer.Name}): y = softmax(x) per sample.");
                using (w.Block($"private void Layer{layer.Index}Forward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.Softmax.Forward(batch, {Names.P(layer, "In")}, {Names.X(layer)}, {Names.Y(layer)});");
                }

                break;
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        string dx = layer.InputIsNetworkInput ? "default" : Names.DX(layer);
        switch (layer)
        {
            case PReluLayer p:
                w.Summary($"Layer {p.Index} backward ({p.Name}): dx += dy·(x > 0 ? 1 : a[c]), da[c] += Σ dy·x over x ≤ 0.");
                using (w.Block($"private void Layer{p.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.PRelu.Backward(batch, {Names.P(p, "C")}, {Names.P(p, "Spatial")}, {Names.X(p)}, {Alpha(p, "Parameters")}, {Names.DY(p)}, {dx}, {Alpha(p, "Gradients")});");
                }

                break;
            case RReluLayer r:
                w.Summary($"Layer {r.Index} backward ({r.Name}): dx += dy·(x > 0 ? 1 : slope), with the forward pass's slopes.");
                using (w.Block($"private void Layer{r.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.RRelu.Backward({Names.X(r)}, {Slopes(r)}, {Names.DY(r)}, {dx});");
                }

                break;
            case MaxoutLayer m:
                w.Summary($"Layer {m.Index} backward ({m.Name}): each dy goes to the winning piece.");
                using (w.Block($"private void Layer{m.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.Maxout.Backward(batch, {Names.P(m, "Out")}, {Names.P(m, "Pieces")}, {Names.X(m)}, {Names.Y(m)}, {Names.DY(m)}, {dx});");
                }

                break;
            default:
                w.Summary($"Layer {layer.Index} backward ({layer.Name}): dx += y ⊙ (dy − Σ dy·y).");
                using (w.Block($"private void Layer{layer.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.Softmax.Backward(batch, {Names.P(layer, "In")}, {Names.Y(layer)}, {Names.DY(layer)}, {dx});");
                }

                break;
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
        if (layer is PReluLayer p)
        {
            w.Line($"// Layer {p.Index} ({p.Name}): slopes {CodeWriter.Float(p.Init)}.");
            w.Line($"{Alpha(p, "p")}.Fill({CodeWriter.Float(p.Init)});");
        }
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
        if (layer is PReluLayer p)
        {
            w.Line($"new(\"{p.Name}.weight\", {p.Index}, {Names.P(p, "Alpha")}, {Names.P(p, "C")}, new[] {{ {Names.P(p, "C")} }}, global::NetGen.ParameterRole.Other),");
        }
    }

    /// <summary>
    /// ONNX: PReLU is <c>PRelu</c> (slopes as [C, 1, 1] over images); RReLU at inference is <c>LeakyRelu</c> with the
    /// mean slope; maxout is decomposed into <c>Reshape</c> to [N, units, pieces], <c>MaxPool</c> over the pieces and
    /// <c>Flatten</c>; softmax is <c>Softmax</c> over all features of a sample.
    /// </summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        string x = tensors.Input(layer), n = layer.Name;
        switch (layer)
        {
            case PReluLayer p:
                w.Line(Onnx.Node("PRelu", n, x, Onnx.PerChannel(n + ".weight", p.InputShape)) + ";");
                break;
            case RReluLayer r:
                w.Line(Onnx.Node("LeakyRelu", n, x) + Onnx.Float("alpha", (r.Lower + r.Upper) / 2) + ";");
                break;
            case MaxoutLayer m:
                int units = m.OutputShape.Size;
                w.Line(Onnx.Node("Reshape", n + "/pieces", x, Onnx.Int64s(n + "/pieces_shape", 0, units, m.Pieces)) + ";");
                w.Line(Onnx.Node("MaxPool", n + "/max", n + "/pieces") + Onnx.Ints("kernel_shape", m.Pieces) + ";");
                w.Line(Onnx.Node("Flatten", n, n + "/max") + Onnx.Int("axis", 1) + ";");
                break;
            default:
                Onnx.Softmax(w, x, n, layer.InputShape);
                break;
        }

        return n;
    }

    private static string Alpha(PReluLayer p, string buffer) => $"{buffer}.Slice({Names.P(p, "Alpha")}, {Names.P(p, "C")})";

    private static string Slopes(RReluLayer r) => Names.Extra(r.SlopesBuffer, Names.P(r, "In"));

    private static string F(float v) => CodeWriter.Float(v).TrimEnd('f');
}
