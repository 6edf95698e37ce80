using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Inverted dropout: <c>y = x ⊙ mask</c> with mask entries 1/(1−p) or 0 in training; the identity at inference.</summary>
internal sealed class DropoutEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer) => $"Dropout p = {CodeWriter.Float(((DropoutLayer)layer).P).TrimEnd('f')} on {layer.InputShape}";

    public string ExtraConstants(LayerModel layer) => $"{Names.P(layer, "Mask")} = {((DropoutLayer)layer).MaskBuffer}";

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => !layer.InputIsNetworkInput;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var d = (DropoutLayer)layer;
        w.Summary($"Layer {d.Index} forward ({d.Name}): training keeps each value with probability {CodeWriter.Float(1 - d.P).TrimEnd('f')} and scales it by the inverse; inference copies.");
        using (w.Block($"private void Layer{d.Index}Forward(int batch)"))
        {
            using (w.Block("if (TrainingForward)"))
            {
                using (w.Block("if (!FreezeRandomness)"))
                {
                    w.Line($"{Names.Kernels}.Dropout.FillMask({CodeWriter.Float(d.P)}, {Mask(d)}, Random);");
                }

                w.Line($"{Names.Kernels}.Dropout.Forward({Names.X(d)}, {Mask(d)}, {Names.Y(d)});");
            }

            using (w.Block("else"))
            {
                w.Line($"{Names.X(d)}.CopyTo({Names.Y(d)});");
            }
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var d = (DropoutLayer)layer;
        w.Summary($"Layer {d.Index} backward ({d.Name}): dx += dy ⊙ mask (dx += dy after an inference-mode forward pass).");
        using (w.Block($"private void Layer{d.Index}Backward(int batch)"))
        {
            using (w.Block("if (TrainingForward)"))
            {
                w.Line($"{Names.Kernels}.Dropout.Backward({Mask(d)}, {Names.DY(d)}, {Names.DX(d)});");
            }

            using (w.Block("else"))
            {
                w.Line($"{Names.Kernels}.Elementwise.Add({Names.DY(d)}, {Names.DX(d)});");
            }
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
    }

    /// <summary>ONNX: nothing; dropout is the identity at inference.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        w.Line($"// {layer.Name}: the identity at inference (no node).");
        return tensors.Input(layer);
    }

    private static string Mask(DropoutLayer d) => Names.Extra(d.MaskBuffer, Names.P(d, "In"));
}

/// <summary>
/// The end of a residual block: <c>y = skip + branch</c> (with stochastic depth, <c>skip + mask_b·branch</c> in training
/// and <c>skip + survival·branch</c> at inference). Backward sends dy to both the skip and the branch.
/// </summary>
internal sealed class ResidualEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer)
    {
        var r = (ResidualAddLayer)layer;
        return $"Residual add of block {r.Block} (layers {r.FirstLayer}..{r.Index - 1}) on {r.OutputShape}{(r.Survival < 1 ? $", stochastic depth survival {CodeWriter.Float(r.Survival).TrimEnd('f')}" : "")}";
    }

    public string ExtraConstants(LayerModel layer)
    {
        var r = (ResidualAddLayer)layer;
        return $"{Names.P(r, "Skip")} = {r.SkipBuffer}" + (r.Survival < 1 ? $", {Names.P(r, "Mask")} = {r.MaskBuffer}" : "");
    }

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => true;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var r = (ResidualAddLayer)layer;
        w.Summary($"Layer {r.Index} forward ({r.Name}): y = skip + branch, closing the residual block {r.Block}.");
        using (w.Block($"private void Layer{r.Index}Forward(int batch)"))
        {
            w.Line($"{Skip(r)}.CopyTo({Names.Y(r)});");
            if (r.Survival >= 1)
            {
                w.Line($"{Names.Kernels}.Elementwise.Add({Names.X(r)}, {Names.Y(r)});");
                return;
            }

            using (w.Block("if (TrainingForward)"))
            {
                w.Line($"// Stochastic depth: each sample keeps the branch with probability {CodeWriter.Float(r.Survival).TrimEnd('f')}.");
                using (w.Block("if (!FreezeRandomness)"))
                {
                    w.Line($"{Names.Kernels}.StochasticDepth.FillSampleMask(batch, {CodeWriter.Float(r.Survival)}, {Mask(r)}, Random);");
                }

                w.Line($"{Names.Kernels}.StochasticDepth.AddScaledRows(batch, {Names.P(r, "Out")}, {Names.X(r)}, {Mask(r)}, {Names.Y(r)});");
            }

            using (w.Block("else"))
            {
                w.Line($"{Mask(r)}.Fill({CodeWriter.Float(r.Survival)});");
                w.Line($"{Names.Kernels}.StochasticDepth.AddScaledRows(batch, {Names.P(r, "Out")}, {Names.X(r)}, {Mask(r)}, {Names.Y(r)});");
            }
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var r = (ResidualAddLayer)layer;
        w.Summary($"Layer {r.Index} backward ({r.Name}): dskip += dy and dbranch += dy{(r.Survival < 1 ? " ⊙ mask" : "")}.");
        using (w.Block($"private void Layer{r.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Elementwise.Add({Names.DY(r)}, {DSkip(r)});");
            w.Line(r.Survival < 1
                ? $"{Names.Kernels}.StochasticDepth.ScaledRowsBackward(batch, {Names.P(r, "Out")}, {Mask(r)}, {Names.DY(r)}, {Names.DX(r)});"
                : $"{Names.Kernels}.Elementwise.Add({Names.DY(r)}, {Names.DX(r)});");
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
    }

    /// <summary>ONNX: <c>Add(skip, branch)</c>; with stochastic depth the branch is first scaled by the survival probability (<c>Mul</c>), as at inference.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        var r = (ResidualAddLayer)layer;
        string branch = tensors.Input(r);
        if (r.Survival < 1)
        {
            w.Line(Onnx.Node("Mul", r.Name + "/scaled", branch, $"g.Constant({Onnx.Q(r.Name + "/survival")}, {CodeWriter.Float(r.Survival)})") + ";");
            branch = r.Name + "/scaled";
        }

        w.Line(Onnx.Node("Add", r.Name, tensors.At(r.SkipBuffer), branch) + ";");
        return r.Name;
    }

    private static string Skip(ResidualAddLayer r) => $"Activation({Names.P(r, "Skip")}, {Names.P(r, "Out")}, batch)";

    private static string DSkip(ResidualAddLayer r) => $"ActivationGradient({Names.P(r, "Skip")}, {Names.P(r, "Out")}, batch)";

    private static string Mask(ResidualAddLayer r) => Names.Extra(r.MaskBuffer, "1");
}
