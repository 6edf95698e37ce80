using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// 2-D convolution through im2col and the shared GEMM: <c>y_b = W · col(x_b) + bias</c>; backward
/// <c>dW += dy_b · col(x_b)ᵀ</c>, <c>dbias += Σ dy</c>, <c>dx_b += col⁻¹(Wᵀ · dy_b)</c>.
/// </summary>
internal sealed class Conv2DEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        int weights = c.Filters * c.InputShape.Dims[0] * c.Kernel * c.Kernel;
        string bias = c.HasBias ? $", bias [{c.Filters}] at params[{c.BiasOffset}..{c.BiasOffset + c.Filters})" : ", no bias";
        return $"Conv2D {c.InputShape} -> {c.OutputShape}, kernel {c.Kernel} stride {c.Stride} padding {c.Padding}, weights [{c.Filters} x {c.InputShape.Dims[0]} x {c.Kernel} x {c.Kernel}] at params[{c.WeightOffset}..{c.WeightOffset + weights}){bias}";
    }

    public string ExtraConstants(LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        return $"{Names.P(c, "W")} = {c.WeightOffset}" + (c.HasBias ? $", {Names.P(c, "B")} = {c.BiasOffset}" : "") + ", " + Spatial.Constants(c)
            + $", {Names.P(c, "K")} = {c.Kernel}, {Names.P(c, "Stride")} = {c.Stride}, {Names.P(c, "Pad")} = {c.Padding}";
    }

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => true;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        w.Summary($"Layer {c.Index} forward ({c.Name}): y[b, f] = bias[f] + Σ W[f] ⋆ x[b] (im2col + GEMM).");
        using (w.Block($"private void Layer{c.Index}Forward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Conv2D.Forward(batch, {Names.P(c, "InC")}, {Names.P(c, "InH")}, {Names.P(c, "InW")}, {Names.P(c, "OutC")}, {Names.P(c, "K")}, {Names.P(c, "Stride")}, {Names.P(c, "Pad")},");
            w.Line($"    x: {Names.X(c)},");
            w.Line($"    weights: {Weights(c, "Parameters")},");
            w.Line($"    bias: {Bias(c, "Parameters")},");
            w.Line($"    y: {Names.Y(c)},");
            w.Line("    scratch: Scratch);");
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        string dx = c.InputIsNetworkInput ? "the input needs no gradient" : "dx += col⁻¹(Wᵀ·dy)";
        w.Summary($"Layer {c.Index} backward ({c.Name}): dW += dy·colᵀ, dbias += Σ dy, {dx}.");
        using (w.Block($"private void Layer{c.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.Conv2D.Backward(batch, {Names.P(c, "InC")}, {Names.P(c, "InH")}, {Names.P(c, "InW")}, {Names.P(c, "OutC")}, {Names.P(c, "K")}, {Names.P(c, "Stride")}, {Names.P(c, "Pad")},");
            w.Line($"    x: {Names.X(c)},");
            w.Line($"    weights: {Weights(c, "Parameters")},");
            w.Line($"    dy: {Names.DY(c)},");
            w.Line($"    dx: {(c.InputIsNetworkInput ? "default" : Names.DX(c))},");
            w.Line($"    dWeights: {Weights(c, "Gradients")},");
            w.Line($"    dBias: {Bias(c, "Gradients")},");
            w.Line("    scratch: Scratch);");
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        InitEmitter.Emit(w, c, c.Init, Weights(c, "p"), c.HasBias, Bias(c, "p"), c.BiasInit);
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
        var c = (Conv2DLayer)layer;
        w.Line($"new(\"{c.Name}.weight\", {c.Index}, {Names.P(c, "W")}, {WeightCount(c)}, new[] {{ {Names.P(c, "OutC")}, {Names.P(c, "InC")}, {Names.P(c, "K")}, {Names.P(c, "K")} }}, global::NetGen.ParameterRole.Weight),");
        if (c.HasBias)
        {
            w.Line($"new(\"{c.Name}.bias\", {c.Index}, {Names.P(c, "B")}, {Names.P(c, "OutC")}, new[] {{ {Names.P(c, "OutC")} }}, global::NetGen.ParameterRole.Bias),");
        }
    }

    /// <summary>ONNX: <c>Conv(x, W, b)</c>, W as [filters, channels, k, k] like NetGen's layout.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        var c = (Conv2DLayer)layer;
        string[] inputs = c.HasBias ? new[] { tensors.Input(c), c.Name + ".weight", c.Name + ".bias" } : new[] { tensors.Input(c), c.Name + ".weight" };
        w.Line(Onnx.Node("Conv", c.Name, inputs) + Onnx.Ints("kernel_shape", c.Kernel, c.Kernel) + Onnx.Ints("strides", c.Stride, c.Stride)
            + Onnx.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding) + ";");
        return c.Name;
    }

    private static string WeightCount(Conv2DLayer c) => $"{Names.P(c, "OutC")} * {Names.P(c, "InC")} * {Names.P(c, "K")} * {Names.P(c, "K")}";

    private static string Weights(Conv2DLayer c, string buffer) => $"{buffer}.Slice({Names.P(c, "W")}, {WeightCount(c)})";

    private static string Bias(Conv2DLayer c, string buffer) => c.HasBias ? $"{buffer}.Slice({Names.P(c, "B")}, {Names.P(c, "OutC")})" : "default";
}

/// <summary>Constants for layers over [channels, height, width].</summary>
internal static class Spatial
{
    public static string Constants(LayerModel l)
    {
        string s = $"{Names.P(l, "InC")} = {l.InputShape.Dims[0]}, {Names.P(l, "InH")} = {l.InputShape.Dims[1]}, {Names.P(l, "InW")} = {l.InputShape.Dims[2]}";
        return l.OutputShape.Rank == 3
            ? s + $", {Names.P(l, "OutC")} = {l.OutputShape.Dims[0]}, {Names.P(l, "OutH")} = {l.OutputShape.Dims[1]}, {Names.P(l, "OutW")} = {l.OutputShape.Dims[2]}"
            : s;
    }
}
