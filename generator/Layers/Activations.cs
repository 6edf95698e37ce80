using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>How an activation's ONNX graph is written.</summary>
internal enum OnnxActivationGraph
{
    /// <summary>One node, the operator in <see cref="ElementwiseActivation.OnnxOp"/> (with <c>alpha</c> when the activation has one).</summary>
    Node,

    /// <summary><c>Mul(x, Sigmoid(x))</c>, SiLU.</summary>
    XTimesSigmoid,

    /// <summary><c>x/2·(1 + Erf(x/√2))</c>, exact GELU.</summary>
    GeluErf,

    /// <summary><c>x·Sigmoid(2u)</c> with <c>u = √(2/π)·(x + 0.044715·x³)</c>, tanh-approximated GELU.</summary>
    GeluTanh,
}

/// <summary>
/// Everything the emitter prints for one element-wise activation, resolved by its definition: plain values, so the
/// layer model stays value-equal. No emitter switches on the activation.
/// </summary>
/// <param name="Display">The name in summaries and the layer description, e.g. <c>ReLU</c> or <c>LeakyReLU(alpha 0.01)</c>.</param>
/// <param name="KernelClass">The runtime kernel class in <c>NetGen.Kernels</c>, e.g. <c>Relu</c>.</param>
/// <param name="KernelArguments">The scalar arguments that precede <c>x</c> in the kernel calls (named), or null.</param>
/// <param name="Formula">The forward in the user's terms, for the summary: <c>y = …</c>.</param>
/// <param name="Derivative">The local derivative, for the backward summary: <c>dx += dy · …</c>.</param>
/// <param name="FusedFunction">The runtime's <c>ActivationFunction</c> member the fused dense pair calls, or null when the pair cannot run it.</param>
/// <param name="Alpha">The activation's scalar for the fused pair and the ONNX <c>alpha</c> attribute, or null.</param>
/// <param name="OnnxGraph">How the ONNX graph is written.</param>
/// <param name="OnnxOp">The ONNX operator of a <see cref="OnnxActivationGraph.Node"/> graph.</param>
/// <param name="LogitRange">What the activation does to logits (advice NG0105), or null when it leaves them unbounded.</param>
internal sealed record ElementwiseActivation(
    string Display,
    string KernelClass,
    string? KernelArguments,
    string Formula,
    string Derivative,
    string? FusedFunction,
    float? Alpha,
    OnnxActivationGraph OnnxGraph,
    string OnnxOp,
    string? LogitRange);

/// <summary>An element-wise activation layer: <c>y = f(x)</c>, same shape.</summary>
internal sealed record ActivationLayer(ElementwiseActivation Function) : LayerModel;

/// <summary>What the element-wise activation kinds share: the emitter, and appending a same-shape layer.</summary>
/// <typeparam name="TArguments">The attribute's arguments.</typeparam>
internal abstract class ActivationDefinition<TArguments> : LayerDefinition<TArguments>
    where TArguments : class, new()
{
    /// <inheritdoc />
    public override ILayerEmitter Emitter => ActivationEmitter.Instance;

    /// <summary>Appends the activation with its name in lower case (<c>relu3</c>).</summary>
    protected void Add(NetworkBuilder b, LayerSpec spec, LayerContext context, ElementwiseActivation function)
        => b.Append(spec, context.Prefix, Name.ToLowerInvariant(), new ActivationLayer(function), b.Current);
}

/// <summary>
/// An activation without arguments (<c>[ReLU]</c>, <c>[Sigmoid]</c>, <c>[Tanh]</c>, <c>[SiLU]</c>): everything about it
/// is data given once in <see cref="LayerDefinitions"/>, so adding one is a registry line and its runtime kernel.
/// </summary>
internal sealed class ElementwiseActivationDefinition : ActivationDefinition<NoArguments>
{
    private readonly WeightInitKind? preferredInit;

    /// <summary>Describes an argument-less activation.</summary>
    /// <param name="name">The attribute's name without the suffix, e.g. <c>SiLU</c>.</param>
    /// <param name="kernel">The runtime kernel class, e.g. <c>Silu</c> (with <c>Forward(x, y)</c> and <c>Backward(x, y, dy, dx)</c>).</param>
    /// <param name="formula">The forward for the summary, <c>y = …</c>.</param>
    /// <param name="derivative">The local derivative for the backward summary, <c>dx += dy · …</c>.</param>
    /// <param name="init">The weight init of a layer before it: He for the ReLU family, Xavier for saturating ones.</param>
    /// <param name="onnx">The one ONNX operator it is (e.g. <c>Relu</c>), or <see cref="OnnxActivationGraph.XTimesSigmoid"/>'s form.</param>
    /// <param name="fusedPair">Whether the runtime's <c>ActivationFunction</c> has a member named <paramref name="kernel"/> for the fused dense pair.</param>
    /// <param name="logitRange">What it does to logits (advice NG0105), or null when it leaves them unbounded.</param>
    /// <param name="onnxGraph">How the ONNX graph is written, one node by default.</param>
    public ElementwiseActivationDefinition(
        string name,
        string kernel,
        string formula,
        string derivative,
        WeightInitKind init,
        string onnx,
        bool fusedPair = false,
        string? logitRange = null,
        OnnxActivationGraph onnxGraph = OnnxActivationGraph.Node)
    {
        Name = name;
        preferredInit = init;
        Function = new ElementwiseActivation(name, kernel, null, formula, derivative, fusedPair ? kernel : null, null, onnxGraph, onnx, logitRange);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => preferredInit;

    /// <summary>What the emitter prints for this activation.</summary>
    public ElementwiseActivation Function { get; }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => Add(b, spec, context, Function);
}

/// <summary>The arguments of <c>[LeakyReLU(alpha)]</c>.</summary>
internal sealed class LeakyReluArguments
{
    /// <summary>The slope for negative inputs.</summary>
    public float Alpha { get; set; } = 0.01f;
}

/// <summary><c>[LeakyReLU(alpha)]</c>, alpha in [0, 1).</summary>
internal sealed class LeakyReluDefinition : ActivationDefinition<LeakyReluArguments>
{
    /// <inheritdoc />
    public override string Name => "LeakyReLU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <summary>What the emitter prints for a leaky ReLU with this slope.</summary>
    public static ElementwiseActivation Function(float alpha)
    {
        string a = CodeWriter.Float(alpha), shown = a.TrimEnd('f');
        return new ElementwiseActivation(
            $"LeakyReLU(alpha {shown})", "LeakyRelu", $"alpha: {a}", $"x > 0 ? x : {shown}·x", $"(x > 0 ? 1 : {shown})",
            "LeakyRelu", alpha, OnnxActivationGraph.Node, "LeakyRelu", LogitRange: null);
    }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<LeakyReluArguments> args, LayerContext context)
        => Add(b, spec, context, Function(args.Check(nameof(LeakyReluArguments.Alpha), args.Values.Alpha, v => v >= 0f && v < 1f, "in [0, 1)")));
}

/// <summary>The arguments of <c>[ELU(alpha)]</c>.</summary>
internal sealed class EluArguments
{
    /// <summary>The saturation value for negative inputs.</summary>
    public float Alpha { get; set; } = 1f;
}

/// <summary><c>[ELU(alpha)]</c>, alpha positive and finite.</summary>
internal sealed class EluDefinition : ActivationDefinition<EluArguments>
{
    /// <inheritdoc />
    public override string Name => "ELU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <summary>What the emitter prints for an ELU with this alpha.</summary>
    public static ElementwiseActivation Function(float alpha)
    {
        string a = CodeWriter.Float(alpha), shown = a.TrimEnd('f');
        return new ElementwiseActivation(
            $"ELU(alpha {shown})", "Elu", $"alpha: {a}", $"x > 0 ? x : {shown}·(eˣ − 1)", $"(x > 0 ? 1 : y + {shown})",
            "Elu", alpha, OnnxActivationGraph.Node, "Elu", "no logit can go below -alpha");
    }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<EluArguments> args, LayerContext context)
        => Add(b, spec, context, Function(args.Check(nameof(EluArguments.Alpha), args.Values.Alpha, v => v > 0f && !float.IsInfinity(v), "positive and finite")));
}

/// <summary>Mirrors NetGen.GeluApproximation (same names and numeric values).</summary>
internal enum GeluApproximationKind
{
    None = 0,
    Tanh,
}

/// <summary>The arguments of <c>[GELU(Approximation = …)]</c>.</summary>
internal sealed class GeluArguments
{
    /// <summary>Which form of Φ: exact (the default) or the tanh approximation.</summary>
    public GeluApproximationKind Approximation { get; set; } = GeluApproximationKind.None;
}

/// <summary><c>[GELU]</c> (x·Φ(x), exact or tanh-approximated); He initialization before it, as for the ReLU family.</summary>
internal sealed class GeluDefinition : ActivationDefinition<GeluArguments>
{
    /// <inheritdoc />
    public override string Name => "GELU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <summary>What the emitter prints for GELU in this form.</summary>
    public static ElementwiseActivation Function(GeluApproximationKind approximation) => approximation == GeluApproximationKind.Tanh
        ? new ElementwiseActivation(
            "GELU(tanh approximation)", "Gelu", "approximation: global::NetGen.GeluApproximation.Tanh",
            "x·σ(2u), u = √(2/π)·(x + 0.044715·x³)", "(σ(2u) + x·σ(2u)·(1 − σ(2u))·2u′)",
            "GeluTanh", null, OnnxActivationGraph.GeluTanh, "", GeluLogitRange)
        : new ElementwiseActivation(
            "GELU", "Gelu", "approximation: global::NetGen.GeluApproximation.None",
            "x·Φ(x), Φ the standard normal distribution function", "(Φ(x) + x·φ(x))",
            "Gelu", null, OnnxActivationGraph.GeluErf, "", GeluLogitRange);

    /// <summary>GELU's minimum, x·Φ(x) ≈ −0.17 at x ≈ −0.75 (the tanh form's differs in the fourth digit).</summary>
    private const string GeluLogitRange = "no logit can go below -0.17";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<GeluArguments> args, LayerContext context)
        => Add(b, spec, context, Function(args.Check(
            nameof(GeluArguments.Approximation),
            args.Values.Approximation,
            v => v is GeluApproximationKind.None or GeluApproximationKind.Tanh,
            "a GeluApproximation value")));
}

/// <summary>Element-wise activations: forward <c>y = f(x)</c>, backward <c>dx += dy·f'(x)</c>, both one kernel call.</summary>
internal sealed class ActivationEmitter : LayerEmitter<ActivationLayer>
{
    /// <summary>The one instance, shared by the kinds this emitter prints.</summary>
    public static readonly ActivationEmitter Instance = new();

    public override string Describe(ActivationLayer a) => $"{a.Function.Display} on {a.InputShape}";

    public override string ExtraConstants(ActivationLayer layer) => "";

    public override bool HasForward(ActivationLayer layer) => true;

    public override bool HasBackward(ActivationLayer layer) => !layer.InputIsNetworkInput;

    /// <summary>Every element-wise activation's backward kernel takes <c>overwriteDx</c>.</summary>
    public override bool OverwritesInputGradient(ActivationLayer layer) => true;

    public override void EmitForward(CodeWriter w, ActivationLayer a)
    {
        ElementwiseActivation f = a.Function;
        w.Summary($"Layer {a.Index} forward ({a.Name}): y = {f.Formula}.");
        using (w.Block($"private void Layer{a.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.{f.KernelClass}.Forward", Arguments(f, $"x: {Names.X(a)}", $"y: {Names.Y(a)}"));
        }
    }

    public override void EmitBackward(CodeWriter w, ActivationLayer a)
    {
        ElementwiseActivation f = a.Function;
        w.Summary($"Layer {a.Index} backward ({a.Name}): dx {GradientWrites.Operator(a)} dy · {f.Derivative}.");
        using (w.Block($"private void Layer{a.Index}Backward(int batch)"))
        {
            w.Call(
                $"{Names.Kernels}.{f.KernelClass}.Backward",
                Arguments(f, $"x: {Names.X(a)}", $"y: {Names.Y(a)}", $"dy: {Names.DY(a)}", $"dx: {Names.DX(a)}")
                    .Concat(GradientWrites.OverwriteArgument(a)).ToArray());
        }
    }

    /// <summary>A kernel call's arguments: the activation's own scalars (named), if any, then the spans.</summary>
    private static string[] Arguments(ElementwiseActivation f, params string[] spans)
        => f.KernelArguments is { } scalars ? new[] { scalars }.Concat(spans).ToArray() : spans;

    /// <summary>
    /// ONNX: one node (<c>Relu</c>, <c>LeakyRelu</c> or <c>Elu</c> with alpha, <c>Sigmoid</c>, <c>Tanh</c>); SiLU is
    /// <c>Mul(x, Sigmoid(x))</c>. GELU is decomposed, since the <c>Gelu</c> operator needs opset 20 and the exporter
    /// starts at 17: <c>x/2·(1 + Erf(x/√2))</c>, or <c>x·Sigmoid(2u)</c> with <c>u = √(2/π)·(x + 0.044715·x³)</c> for
    /// the tanh form (the same function as <c>x/2·(1 + tanh u)</c>). ONNX Runtime fuses the Erf pattern into its GELU kernel.
    /// </summary>
    public override string EmitOnnx(CodeWriter w, ActivationLayer a, OnnxTensors tensors)
    {
        string x = tensors.Input(a), n = a.Name;
        switch (a.Function.OnnxGraph)
        {
            case OnnxActivationGraph.XTimesSigmoid:
                w.Line(Onnx.Node("Sigmoid", n + "/sigmoid", x) + ";");
                w.Line(Onnx.Node("Mul", n, x, n + "/sigmoid") + ";");
                break;
            case OnnxActivationGraph.GeluErf:
                w.Line(Onnx.Node("Mul", n + "/scaled", x, Onnx.Constant(n + "/inv_sqrt2", 0.70710678f)) + ";");
                w.Line(Onnx.Node("Erf", n + "/erf", n + "/scaled") + ";");
                w.Line(Onnx.Node("Add", n + "/one_plus_erf", n + "/erf", Onnx.Constant(n + "/one", 1f)) + ";");
                w.Line(Onnx.Node("Mul", n + "/half_x", x, Onnx.Constant(n + "/half", 0.5f)) + ";");
                w.Line(Onnx.Node("Mul", n, n + "/half_x", n + "/one_plus_erf") + ";");
                break;
            case OnnxActivationGraph.GeluTanh:
                w.Line(Onnx.Node("Mul", n + "/x2", x, x) + ";");
                w.Line(Onnx.Node("Mul", n + "/x3", n + "/x2", x) + ";");
                w.Line(Onnx.Node("Mul", n + "/cubic", n + "/x3", Onnx.Constant(n + "/c", 0.044715f)) + ";");
                w.Line(Onnx.Node("Add", n + "/inner", x, n + "/cubic") + ";");
                w.Line(Onnx.Node("Mul", n + "/two_u", n + "/inner", Onnx.Constant(n + "/two_sqrt_2_over_pi", 1.5957691f)) + ";");
                w.Line(Onnx.Node("Sigmoid", n + "/sigmoid", n + "/two_u") + ";");
                w.Line(Onnx.Node("Mul", n, x, n + "/sigmoid") + ";");
                break;
            default:
                string alpha = a.Function.Alpha is { } value ? Onnx.Float("alpha", value) : "";
                w.Line(Onnx.Node(a.Function.OnnxOp, n, x) + alpha + ";");
                break;
        }

        return n;
    }
}
