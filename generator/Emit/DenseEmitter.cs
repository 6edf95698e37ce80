using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Fully connected layer: <c>y = x·Wᵀ + b</c>; backward <c>dW += dyᵀ·x</c>, <c>db += Σ dy</c>, <c>dx += dy·W</c>.</summary>
internal sealed class DenseEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer)
    {
        var d = (DenseLayer)layer;
        string weights = $"weights [{d.Units} x {d.InputShape.Size}] at params[{d.WeightOffset}..{d.WeightOffset + (d.Units * d.InputShape.Size)})";
        string bias = d.HasBias ? $", bias [{d.Units}] at params[{d.BiasOffset}..{d.BiasOffset + d.Units})" : ", no bias";
        return $"Dense {d.InputShape.Size} -> {d.Units}, {weights}{bias}";
    }

    public string ExtraConstants(LayerModel layer)
    {
        var d = (DenseLayer)layer;
        return $"{Names.P(d, "W")} = {d.WeightOffset}" + (d.HasBias ? $", {Names.P(d, "B")} = {d.BiasOffset}" : "");
    }

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => true;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var d = (DenseLayer)layer;
        w.Summary($"Layer {d.Index} forward ({d.Name}): y[b, o] = {(d.HasBias ? "bias[o] + " : "")}Σᵢ x[b, i]·W[o, i].");
        using (w.Block($"private void Layer{d.Index}Forward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Dense.Forward(batch, {Names.P(d, "In")}, {Names.P(d, "Out")},");
            w.Line($"    x: {Names.X(d)},");
            w.Line($"    weights: {Weights(d, "Parameters")},");
            w.Line($"    bias: {Bias(d, "Parameters")},");
            w.Line($"    y: {Names.Y(d)});");
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var d = (DenseLayer)layer;
        string dx = d.InputIsNetworkInput ? "dx += dy·W is skipped: the input needs no gradient" : "dx += dy·W";
        w.Summary($"Layer {d.Index} backward ({d.Name}): dW += dyᵀ·x, {(d.HasBias ? "dbias += Σ_b dy, " : "")}{dx}.");
        using (w.Block($"private void Layer{d.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Dense.Backward(batch, {Names.P(d, "In")}, {Names.P(d, "Out")},");
            w.Line($"    x: {Names.X(d)},");
            w.Line($"    weights: {Weights(d, "Parameters")},");
            w.Line($"    dy: {Names.DY(d)},");
            w.Line($"    dx: {(d.InputIsNetworkInput ? "default" : Names.DX(d))},");
            w.Line($"    dWeights: {Weights(d, "Gradients")},");
            w.Line($"    dBias: {Bias(d, "Gradients")});");
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
        var d = (DenseLayer)layer;
        w.Line($"// Layer {d.Index} ({d.Name}): weights {d.Init} ({d.InitReason}), bias {(d.HasBias ? CodeWriter.Float(d.BiasInit) : "none")}.");
        w.Line($"global::NetGen.Initializers.Fill(global::NetGen.WeightInit.{d.Init}, {Weights(d, "p")},");
        w.Line($"    fanIn: {Names.P(d, "In")}, fanOut: {Names.P(d, "Out")}, std: {CodeWriter.Float(d.InitStd)}, value: {CodeWriter.Float(d.InitValue)}, new global::NetGen.Rng(seed, stream: {d.Index}));");
        if (d.HasBias)
        {
            w.Line($"{Bias(d, "p")}.Fill({CodeWriter.Float(d.BiasInit)});");
        }
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
        var d = (DenseLayer)layer;
        w.Line($"new(\"{d.Name}.weight\", {d.Index}, {Names.P(d, "W")}, {Names.P(d, "Out")} * {Names.P(d, "In")}, new[] {{ {Names.P(d, "Out")}, {Names.P(d, "In")} }}, global::NetGen.ParameterRole.Weight),");
        if (d.HasBias)
        {
            w.Line($"new(\"{d.Name}.bias\", {d.Index}, {Names.P(d, "B")}, {Names.P(d, "Out")}, new[] {{ {Names.P(d, "Out")} }}, global::NetGen.ParameterRole.Bias),");
        }
    }

    private static string Weights(DenseLayer d, string buffer) => $"{buffer}.Slice({Names.P(d, "W")}, {Names.P(d, "Out")} * {Names.P(d, "In")})";

    private static string Bias(DenseLayer d, string buffer) => d.HasBias ? $"{buffer}.Slice({Names.P(d, "B")}, {Names.P(d, "Out")})" : "default";
}
