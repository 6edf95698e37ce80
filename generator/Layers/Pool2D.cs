using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[MaxPool2D(size, stride)]</c> and <c>[AvgPool2D(size, stride)]</c>.</summary>
internal sealed class Pool2DArguments
{
    /// <summary>The square window's side (required; 1 after an invalid value).</summary>
    public int Size { get; set; } = 1;

    /// <summary>The stride; 0 means the window size.</summary>
    public int Stride { get; set; }
}

/// <summary>Max or average pooling.</summary>
internal sealed record PoolLayer(bool IsMax, int Size, int Stride) : LayerModel;

/// <summary>What max and average pooling share: the shape rule and the emitter.</summary>
internal abstract class Pool2DDefinition : LayerDefinition<Pool2DArguments>
{
    /// <inheritdoc />
    public override ILayerEmitter Emitter => Pool2DEmitter.Instance;

    /// <summary>Whether the window takes its maximum (else its mean).</summary>
    protected abstract bool IsMax { get; }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<Pool2DArguments> args, LayerContext context)
    {
        checked
        {
            if (!b.RequireSpatial(spec))
            {
                return;
            }

            int c = b.Current.Dims[0], h = b.Current.Dims[1], w = b.Current.Dims[2];
            int limit = System.Math.Min(h, w);
            int size = args.Check(nameof(Pool2DArguments.Size), args.Values.Size, v => v > 0 && v <= limit, $"positive and at most {limit}, the size of the {h}×{w} input");
            size = size > 0 && size <= limit ? size : 1;
            int stride = args.Check(nameof(Pool2DArguments.Stride), args.Values.Stride, v => v >= 0, "positive (or 0 for the window size)");
            stride = stride > 0 ? stride : size;
            var model = new PoolLayer(IsMax, size, stride);
            b.Append(spec, context.Prefix, IsMax ? "maxpool" : "avgpool", model, Shape.Of(c, ((h - size) / stride) + 1, ((w - size) / stride) + 1));
        }
    }
}

/// <summary><c>[MaxPool2D(size, stride)]</c>.</summary>
internal sealed class MaxPool2DDefinition : Pool2DDefinition
{
    /// <inheritdoc />
    public override string Name => "MaxPool2D";

    /// <inheritdoc />
    protected override bool IsMax => true;
}

/// <summary><c>[AvgPool2D(size, stride)]</c>.</summary>
internal sealed class AvgPool2DDefinition : Pool2DDefinition
{
    /// <inheritdoc />
    public override string Name => "AvgPool2D";

    /// <inheritdoc />
    protected override bool IsMax => false;
}

/// <summary>
/// Max and average pooling. Backward routes each output gradient to the window's maximum (found again from x and y)
/// or spreads it evenly over the window.
/// </summary>
internal sealed class Pool2DEmitter : LayerEmitter<PoolLayer>
{
    /// <summary>The one instance, shared by the kinds this emitter prints.</summary>
    public static readonly Pool2DEmitter Instance = new();

    /// <inheritdoc />
    public override string Describe(PoolLayer p)
        => $"{(p.IsMax ? "MaxPool2D" : "AvgPool2D")} {p.InputShape} -> {p.OutputShape}, window {p.Size} stride {p.Stride}";

    /// <inheritdoc />
    public override string ExtraConstants(PoolLayer p)
        => Spatial.Constants(p) + $", {Names.P(p, "Size")} = {p.Size}, {Names.P(p, "Stride")} = {p.Stride}";

    /// <inheritdoc />
    public override void EmitForward(CodeWriter w, PoolLayer p)
    {
        string op = p.IsMax ? "Max" : "Avg";
        w.Summary($"Layer {p.Index} forward ({p.Name}): y = {(p.IsMax ? "max" : "mean")} over each {p.Size}×{p.Size} window, stride {p.Stride}.");
        using (w.Block($"private void Layer{p.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.{op}Pool2D.Forward", Spatial.Dims(p), $"size: {Names.P(p, "Size")}", $"stride: {Names.P(p, "Stride")}",
                $"x: {Names.X(p)}", $"y: {Names.Y(p)}");
        }
    }

    /// <inheritdoc />
    public override bool OverwritesInputGradient(PoolLayer layer) => true;

    /// <inheritdoc />
    public override void EmitBackward(CodeWriter w, PoolLayer p)
    {
        string op = p.IsMax ? "Max" : "Avg";
        w.Summary(p.IsMax
            ? $"Layer {p.Index} backward ({p.Name}): each dy goes to the position of its window's maximum."
            : $"Layer {p.Index} backward ({p.Name}): each dy is spread evenly over its window.");
        using (w.Block($"private void Layer{p.Index}Backward(int batch)"))
        {
            w.Call(
                $"{Names.Kernels}.{op}Pool2D.Backward",
                new[]
                {
                    Spatial.Dims(p), $"size: {Names.P(p, "Size")}", $"stride: {Names.P(p, "Stride")}", $"x: {Names.X(p)}",
                    $"y: {Names.Y(p)}", $"dy: {Names.DY(p)}", $"dx: {Names.DX(p)}",
                }.Concat(GradientWrites.OverwriteArgument(p)).ToArray());
        }
    }

    /// <summary>ONNX: <c>MaxPool</c> / <c>AveragePool</c> without padding.</summary>
    public override string EmitOnnx(CodeWriter w, PoolLayer p, OnnxTensors tensors)
    {
        w.Line(Onnx.Node(p.IsMax ? "MaxPool" : "AveragePool", p.Name, tensors.Input(p)) + Onnx.Ints("kernel_shape", p.Size, p.Size) + Onnx.Ints("strides", p.Stride, p.Stride) + ";");
        return p.Name;
    }
}
