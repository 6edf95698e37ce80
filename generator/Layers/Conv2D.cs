using System.Linq;
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
        string bias = WeightTensors.DescribeBias(c.HasBias, c.Filters, c.BiasOffset);
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

    public override bool OverwritesInputGradient(Conv2DLayer layer) => true;

    public override void EmitForward(CodeWriter w, Conv2DLayer c)
    {
        w.Summary($"Layer {c.Index} forward ({c.Name}): y[b, f] = {(c.HasBias ? "bias[f] + " : "")}Σ W[f] ⋆ x[b] (im2col + GEMM).");
        using (w.Block($"private void Layer{c.Index}Forward(int batch)"))
        {
            EmitForwardCall(w, c, Weights(c, "Parameters"), Bias(c, "Parameters"), Names.Y(c));
        }
    }

    public override void EmitBackward(CodeWriter w, Conv2DLayer c)
    {
        string dx = c.InputIsNetworkInput ? "the input needs no gradient" : $"dx {GradientWrites.Operator(c)} col⁻¹(Wᵀ·dy)";
        w.Summary($"Layer {c.Index} backward ({c.Name}): dW += dy·colᵀ, {(c.HasBias ? "dbias += Σ dy, " : "")}{dx}.");
        using (w.Block($"private void Layer{c.Index}Backward(int batch)"))
        {
            w.Call(
                $"{Names.Kernels}.Conv2D.Backward",
                new[]
                {
                    Dims(c), $"x: {Names.X(c)}", $"weights: {Weights(c, "Parameters")}", $"dy: {Names.DY(c)}",
                    $"dx: {(c.InputIsNetworkInput ? "default" : Names.DX(c))}", $"dWeights: {Weights(c, "Gradients")}",
                    $"dBias: {Bias(c, "Gradients")}", "scratch: Scratch",
                }.Concat(GradientWrites.OverwriteArgument(c)).ToArray());
        }
    }

    /// <summary>The forward kernel call with these weights, bias and output (the folded batch norm passes its own).</summary>
    internal static void EmitForwardCall(CodeWriter w, Conv2DLayer c, string weights, string bias, string y)
        => w.Call($"{Names.Kernels}.Conv2D.Forward", Dims(c), $"x: {Names.X(c)}", $"weights: {weights}", $"bias: {bias}", $"y: {y}", "scratch: Scratch");

    public override void EmitParameterTensors(CodeWriter w, Conv2DLayer c) => Tensors(c).EmitParameterTensors(w);

    /// <summary>ONNX: <c>Conv(x, W, b)</c>, W as [filters, channels, k, k] like NetGen's layout.</summary>
    public override string EmitOnnx(CodeWriter w, Conv2DLayer c, OnnxTensors tensors)
    {
        w.Line(Onnx.Node("Conv", c.Name, Tensors(c).OnnxInputs(tensors.Input(c))) + Onnx.Ints("kernel_shape", c.Kernel, c.Kernel) + Onnx.Ints("strides", c.Stride, c.Stride)
            + Onnx.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding) + ";");
        return c.Name;
    }

    /// <summary>The kernel's integer dimensions, named as its parameters are.</summary>
    private static string Dims(Conv2DLayer c)
        => $"batch: batch, inChannels: {Names.P(c, "InC")}, height: {Names.P(c, "InH")}, width: {Names.P(c, "InW")}, outChannels: {Names.P(c, "OutC")}, "
            + $"kernel: {Names.P(c, "K")}, stride: {Names.P(c, "Stride")}, padding: {Names.P(c, "Pad")}";

    private static string Weights(Conv2DLayer c, string buffer) => Tensors(c).Weights(buffer);

    private static string Bias(Conv2DLayer c, string buffer) => Tensors(c).Bias(buffer);

    /// <summary>The weights [filters x channels x k x k] and the bias [filters]; fan-in = channels·k², fan-out = filters·k².</summary>
    private static WeightTensors Tensors(Conv2DLayer c)
    {
        string k = Names.P(c, "K");
        string[] shape = { Names.P(c, "OutC"), Names.P(c, "InC"), k, k };
        return new(c, c.Init, c.HasBias, c.BiasInit, shape, fanIn: $"{Names.P(c, "InC")} * {k} * {k}", fanOut: $"{Names.P(c, "OutC")} * {k} * {k}");
    }
}
