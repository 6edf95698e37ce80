using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Conv2D]</c>, bound by name; initial values are the attribute's defaults.</summary>
internal sealed class Conv2DArguments : WeightArguments
{
    /// <summary>The number of filters (required; 1 after an invalid value).</summary>
    public int Filters { get; set; } = 1;

    /// <summary>The square kernel's side (required; 1 after an invalid value).</summary>
    public int Kernel { get; set; } = 1;

    /// <summary>The stride.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>The zero padding on every side.</summary>
    public int Padding { get; set; }
}

/// <summary>A 2-D convolution; <c>ScratchFloats</c> is what its kernel needs (im2col).</summary>
internal sealed record Conv2DLayer(
    int Filters,
    int Kernel,
    int Stride,
    int Padding,
    InitModel Init,
    bool HasBias,
    float BiasInit,
    int WeightOffset,
    int BiasOffset,
    int ScratchFloats) : LayerModel;

/// <summary><c>[Conv2D(filters, kernel, stride, padding)]</c>: [C, H, W] → [filters, H', W'].</summary>
internal sealed class Conv2DDefinition : LayerDefinition<Conv2DArguments>
{
    /// <inheritdoc />
    public override string Name => "Conv2D";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new Conv2DEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<Conv2DArguments> args, LayerContext context)
    {
        checked
        {
            if (!b.RequireSpatial(spec))
            {
                return;
            }

            Conv2DArguments a = args.Values;
            int filters = NetworkBuilder.Positive(args.Check(nameof(a.Filters), a.Filters, v => v > 0, "a positive number of filters"));
            int stride = NetworkBuilder.Positive(args.Check(nameof(a.Stride), a.Stride, v => v > 0, "positive"));
            int padding = args.Check(nameof(a.Padding), a.Padding, v => v >= 0, "zero or positive");
            int c = b.Current.Dims[0], h = b.Current.Dims[1], w = b.Current.Dims[2];
            int maxKernel = System.Math.Min(h, w) + (2 * padding);
            int kernel = NetworkBuilder.Positive(args.Check(nameof(a.Kernel), a.Kernel, v => v > 0 && v <= maxKernel, $"positive and at most {maxKernel}, the size of the padded {h}×{w} input"));
            if (kernel > maxKernel)
            {
                kernel = 1;
            }

            int oh = ((h + (2 * padding) - kernel) / stride) + 1, ow = ((w + (2 * padding) - kernel) / stride) + 1;
            InitModel init = b.ResolveInit(args, context.NextActivation(), c * kernel * kernel, filters * kernel * kernel);
            bool hasBias = a.Bias;
            float biasInit = args.Check(nameof(a.BiasInit), a.BiasInit, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
            int weights = filters * c * kernel * kernel;
            int count = weights + (hasBias ? filters : 0);
            int k2 = c * kernel * kernel;
            int scratch = (k2 * ((oh * ow) + filters)) + filters; // per thread: im2col K·P plus private dW and dbias (Conv2D.ScratchSize)
            b.RequireScratch(scratch);
            int offset = b.TakeParameters(count);
            var model = new Conv2DLayer(filters, kernel, stride, padding, init, hasBias, biasInit, offset, offset + weights, scratch) { ParameterCount = count };
            b.Append(spec, context.Prefix, "conv", model, Shape.Of(filters, oh, ow));
        }
    }
}

/// <summary>
/// 2-D convolution through im2col and the shared GEMM: <c>y_b = W · col(x_b) + bias</c>; backward
/// <c>dW += dy_b · col(x_b)ᵀ</c>, <c>dbias += Σ dy</c>, <c>dx_b += col⁻¹(Wᵀ · dy_b)</c>.
/// </summary>
internal sealed class Conv2DEmitter : LayerEmitter<Conv2DLayer>
{
    public override string Describe(Conv2DLayer c)
    {
        int weights = c.Filters * c.InputShape.Dims[0] * c.Kernel * c.Kernel;
        string bias = c.HasBias ? $", bias [{c.Filters}] at params[{c.BiasOffset}..{c.BiasOffset + c.Filters})" : ", no bias";
        return $"Conv2D {c.InputShape} -> {c.OutputShape}, kernel {c.Kernel} stride {c.Stride} padding {c.Padding}, weights [{c.Filters} x {c.InputShape.Dims[0]} x {c.Kernel} x {c.Kernel}] at params[{c.WeightOffset}..{c.WeightOffset + weights}){bias}";
    }

    public override string ExtraConstants(Conv2DLayer c)
    {
        return $"{Names.P(c, "W")} = {c.WeightOffset}" + (c.HasBias ? $", {Names.P(c, "B")} = {c.BiasOffset}" : "") + ", " + Spatial.Constants(c)
            + $", {Names.P(c, "K")} = {c.Kernel}, {Names.P(c, "Stride")} = {c.Stride}, {Names.P(c, "Pad")} = {c.Padding}";
    }

    /// <summary>2 · filters · output positions · channels · k²: one multiply-add per weight and output position.</summary>
    public override long ForwardFlops(Conv2DLayer layer)
        => 2L * layer.Filters * layer.OutputShape.Dims[1] * layer.OutputShape.Dims[2] * layer.InputShape.Dims[0] * layer.Kernel * layer.Kernel;

    /// <summary>dW and dx, each as many as the forward pass (dx none when the input is the network's).</summary>
    public override long BackwardFlops(Conv2DLayer layer) => ForwardFlops(layer) * (layer.InputIsNetworkInput ? 1 : 2);

    public override bool HasForward(Conv2DLayer layer) => true;

    public override bool HasBackward(Conv2DLayer layer) => true;

    public override void EmitForward(CodeWriter w, Conv2DLayer c)
    {
        w.Summary($"Layer {c.Index} forward ({c.Name}): y[b, f] = {(c.HasBias ? "bias[f] + " : "")}Σ W[f] ⋆ x[b] (im2col + GEMM).");
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

    public override void EmitBackward(CodeWriter w, Conv2DLayer c)
    {
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

    public override void EmitInitialization(CodeWriter w, Conv2DLayer c)
    {
        InitEmitter.Emit(w, c, c.Init, Weights(c, "p"), c.HasBias, Bias(c, "p"), c.BiasInit);
    }

    public override void EmitParameterTensors(CodeWriter w, Conv2DLayer c)
    {
        w.Line($"new(\"{c.Name}.weight\", {c.Index}, {Names.P(c, "W")}, {WeightCount(c)}, new[] {{ {Names.P(c, "OutC")}, {Names.P(c, "InC")}, {Names.P(c, "K")}, {Names.P(c, "K")} }}, global::NetGen.ParameterRole.Weight),");
        if (c.HasBias)
        {
            w.Line($"new(\"{c.Name}.bias\", {c.Index}, {Names.P(c, "B")}, {Names.P(c, "OutC")}, new[] {{ {Names.P(c, "OutC")} }}, global::NetGen.ParameterRole.Bias),");
        }
    }

    /// <summary>ONNX: <c>Conv(x, W, b)</c>, W as [filters, channels, k, k] like NetGen's layout.</summary>
    public override string EmitOnnx(CodeWriter w, Conv2DLayer c, OnnxTensors tensors)
    {
        string[] inputs = c.HasBias ? new[] { tensors.Input(c), c.Name + ".weight", c.Name + ".bias" } : new[] { tensors.Input(c), c.Name + ".weight" };
        w.Line(Onnx.Node("Conv", c.Name, inputs) + Onnx.Ints("kernel_shape", c.Kernel, c.Kernel) + Onnx.Ints("strides", c.Stride, c.Stride)
            + Onnx.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding) + ";");
        return c.Name;
    }

    private static string WeightCount(Conv2DLayer c) => $"{Names.P(c, "OutC")} * {Names.P(c, "InC")} * {Names.P(c, "K")} * {Names.P(c, "K")}";

    private static string Weights(Conv2DLayer c, string buffer) => $"{buffer}.Slice({Names.P(c, "W")}, {WeightCount(c)})";

    private static string Bias(Conv2DLayer c, string buffer) => c.HasBias ? $"{buffer}.Slice({Names.P(c, "B")}, {Names.P(c, "OutC")})" : "default";
}
