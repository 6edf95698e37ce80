using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The element-wise activations.</summary>
internal enum ActivationKind
{
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    ELU,
    SiLU,
    GELU,
    GELUTanh,
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

/// <summary>An element-wise activation.</summary>
internal sealed record ActivationLayer(ActivationKind Activation, float Alpha) : LayerModel;

/// <summary>The arguments of <c>[LeakyReLU(alpha)]</c>.</summary>
internal sealed class LeakyReluArguments
{
    /// <summary>The slope for negative inputs.</summary>
    public float Alpha { get; set; } = 0.01f;
}

/// <summary>The arguments of <c>[ELU(alpha)]</c>.</summary>
internal sealed class EluArguments
{
    /// <summary>The saturation value for negative inputs.</summary>
    public float Alpha { get; set; } = 1f;
}

/// <summary>What the element-wise activation kinds share: the emitter, and appending a same-shape layer.</summary>
/// <typeparam name="TArguments">The attribute's arguments.</typeparam>
internal abstract class ActivationDefinition<TArguments> : LayerDefinition<TArguments>
    where TArguments : class, new()
{
    /// <inheritdoc />
    public override ILayerEmitter Emitter => ActivationEmitter.Instance;

    /// <summary>Appends the activation with its name in lower case (<c>relu3</c>).</summary>
    protected void Add(NetworkBuilder b, LayerSpec spec, LayerContext context, ActivationKind activation, float alpha)
        => b.Append(spec, context.Prefix, Name.ToLowerInvariant(), new ActivationLayer(activation, alpha), b.Current);
}

/// <summary><c>[Sigmoid]</c>.</summary>
internal sealed class SigmoidDefinition : ActivationDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "Sigmoid";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.Xavier;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.Sigmoid, 0f);
}

/// <summary><c>[Tanh]</c>.</summary>
internal sealed class TanhDefinition : ActivationDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "Tanh";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.Xavier;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.Tanh, 0f);
}

/// <summary><c>[ReLU]</c>.</summary>
internal sealed class ReluDefinition : ActivationDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "ReLU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.ReLU, 0f);
}

/// <summary><c>[LeakyReLU(alpha)]</c>, alpha in [0, 1).</summary>
internal sealed class LeakyReluDefinition : ActivationDefinition<LeakyReluArguments>
{
    /// <inheritdoc />
    public override string Name => "LeakyReLU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<LeakyReluArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.LeakyReLU, args.Check(nameof(LeakyReluArguments.Alpha), args.Values.Alpha, v => v >= 0f && v < 1f, "in [0, 1)"));
}

/// <summary><c>[ELU(alpha)]</c>, alpha positive and finite.</summary>
internal sealed class EluDefinition : ActivationDefinition<EluArguments>
{
    /// <inheritdoc />
    public override string Name => "ELU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<EluArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.ELU, args.Check(nameof(EluArguments.Alpha), args.Values.Alpha, v => v > 0f && !float.IsInfinity(v), "positive and finite"));
}

/// <summary><c>[SiLU]</c> (x·σ(x)); weight layers before it start with He initialization, as for the ReLU family.</summary>
internal sealed class SiluDefinition : ActivationDefinition<NoArguments>
{
    /// <inheritdoc />
    public override string Name => "SiLU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NoArguments> args, LayerContext context)
        => Add(b, spec, context, ActivationKind.SiLU, 0f);
}

/// <summary><c>[GELU]</c> (x·Φ(x), exact or tanh-approximated); He initialization before it, as for the ReLU family.</summary>
internal sealed class GeluDefinition : ActivationDefinition<GeluArguments>
{
    /// <inheritdoc />
    public override string Name => "GELU";

    /// <inheritdoc />
    public override WeightInitKind? PreferredInit => WeightInitKind.He;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<GeluArguments> args, LayerContext context)
    {
        GeluApproximationKind approximation = args.Check(
            nameof(GeluArguments.Approximation),
            args.Values.Approximation,
            v => v is GeluApproximationKind.None or GeluApproximationKind.Tanh,
            "a GeluApproximation value");
        Add(b, spec, context, approximation == GeluApproximationKind.Tanh ? ActivationKind.GELUTanh : ActivationKind.GELU, 0f);
    }
}

/// <summary>Element-wise activations: forward <c>y = f(x)</c>, backward <c>dx += dy·f'(x)</c>, both one kernel call.</summary>
internal sealed class ActivationEmitter : LayerEmitter<ActivationLayer>
{
    /// <summary>The one instance, shared by the kinds this emitter prints.</summary>
    public static readonly ActivationEmitter Instance = new();

    public override string Describe(ActivationLayer a)
    {
        return $"{Display(a)} on {a.InputShape}";
    }

    public override string ExtraConstants(ActivationLayer layer) => "";

    public override bool HasForward(ActivationLayer layer) => true;

    public override bool HasBackward(ActivationLayer layer) => !layer.InputIsNetworkInput;

    public override void EmitForward(CodeWriter w, ActivationLayer a)
    {
        w.Summary($"Layer {a.Index} forward ({a.Name}): y = {Formula(a)}.");
        using (w.Block($"private void Layer{a.Index}Forward(int batch)"))
        {
            if (Arguments(a) is { } arguments)
            {
                w.Line($"{Names.Kernels}.{KernelClass(a)}.Forward(");
                w.Line($"    {arguments},");
                w.Line($"    x: {Names.X(a)},");
                w.Line($"    y: {Names.Y(a)});");
            }
            else
            {
                w.Line($"{Names.Kernels}.{KernelClass(a)}.Forward({Names.X(a)}, {Names.Y(a)});");
            }
        }
    }

    public override void EmitBackward(CodeWriter w, ActivationLayer a)
    {
        w.Summary($"Layer {a.Index} backward ({a.Name}): dx += dy · {Derivative(a)}.");
        using (w.Block($"private void Layer{a.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.{KernelClass(a)}.Backward(");
            if (Arguments(a) is { } arguments)
            {
                w.Line($"    {arguments},");
            }

            w.Line($"    x: {Names.X(a)},");
            w.Line($"    y: {Names.Y(a)},");
            w.Line($"    dy: {Names.DY(a)},");
            w.Line($"    dx: {Names.DX(a)});");
        }
    }

    /// <summary>
    /// ONNX: one node, <c>Relu</c>, <c>LeakyRelu</c> or <c>Elu</c> (with alpha), <c>Sigmoid</c> or <c>Tanh</c>; SiLU is
    /// <c>Mul(x, Sigmoid(x))</c>. GELU is decomposed, since the <c>Gelu</c> operator needs opset 20 and the exporter
    /// starts at 17: <c>x/2·(1 + Erf(x/√2))</c>, or <c>x·Sigmoid(2u)</c> with <c>u = √(2/π)·(x + 0.044715·x³)</c> for
    /// the tanh form (the same function as <c>x/2·(1 + tanh u)</c>). ONNX Runtime fuses the Erf pattern into its GELU kernel.
    /// </summary>
    public override string EmitOnnx(CodeWriter w, ActivationLayer a, OnnxTensors tensors)
    {
        string x = tensors.Input(a), n = a.Name;
        if (a.Activation == ActivationKind.SiLU)
        {
            w.Line(Onnx.Node("Sigmoid", n + "/sigmoid", x) + ";");
            w.Line(Onnx.Node("Mul", n, x, n + "/sigmoid") + ";");
            return n;
        }

        if (a.Activation == ActivationKind.GELU)
        {
            w.Line(Onnx.Node("Mul", n + "/scaled", x, Onnx.Constant(n + "/inv_sqrt2", 0.70710678f)) + ";");
            w.Line(Onnx.Node("Erf", n + "/erf", n + "/scaled") + ";");
            w.Line(Onnx.Node("Add", n + "/one_plus_erf", n + "/erf", Onnx.Constant(n + "/one", 1f)) + ";");
            w.Line(Onnx.Node("Mul", n + "/half_x", x, Onnx.Constant(n + "/half", 0.5f)) + ";");
            w.Line(Onnx.Node("Mul", n, n + "/half_x", n + "/one_plus_erf") + ";");
            return n;
        }

        if (a.Activation == ActivationKind.GELUTanh)
        {
            w.Line(Onnx.Node("Mul", n + "/x2", x, x) + ";");
            w.Line(Onnx.Node("Mul", n + "/x3", n + "/x2", x) + ";");
            w.Line(Onnx.Node("Mul", n + "/cubic", n + "/x3", Onnx.Constant(n + "/c", 0.044715f)) + ";");
            w.Line(Onnx.Node("Add", n + "/inner", x, n + "/cubic") + ";");
            w.Line(Onnx.Node("Mul", n + "/two_u", n + "/inner", Onnx.Constant(n + "/two_sqrt_2_over_pi", 1.5957691f)) + ";");
            w.Line(Onnx.Node("Sigmoid", n + "/sigmoid", n + "/two_u") + ";");
            w.Line(Onnx.Node("Mul", n, x, n + "/sigmoid") + ";");
            return n;
        }

        string alpha = a.Activation is ActivationKind.LeakyReLU or ActivationKind.ELU ? Onnx.Float("alpha", a.Alpha) : "";
        string op = a.Activation switch
        {
            ActivationKind.ReLU => "Relu",
            ActivationKind.LeakyReLU => "LeakyRelu",
            ActivationKind.ELU => "Elu",
            ActivationKind.Sigmoid => "Sigmoid",
            _ => "Tanh",
        };
        w.Line(Onnx.Node(op, a.Name, tensors.Input(a)) + alpha + ";");
        return a.Name;
    }

    /// <summary>The kernel class of an activation with one of its own (<c>Silu</c>), or null for the <c>Activations</c> methods.</summary>
    private static string KernelClass(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.GELU or ActivationKind.GELUTanh => "Gelu",
        _ => Kernel(a),
    };

    /// <summary>The scalar argument that precedes x in a kernel class's call (GELU's approximation, by name), or null.</summary>
    private static string? Arguments(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.GELU => "approximation: global::NetGen.GeluApproximation.None",
        ActivationKind.GELUTanh => "approximation: global::NetGen.GeluApproximation.Tanh",
        ActivationKind.LeakyReLU or ActivationKind.ELU => $"alpha: {CodeWriter.Float(a.Alpha)}",
        _ => null,
    };

    private static string Display(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.GELUTanh => "GELU(tanh approximation)",
        ActivationKind.LeakyReLU or ActivationKind.ELU => $"{a.Activation}(alpha {CodeWriter.Float(a.Alpha).TrimEnd('f')})",
        _ => a.Activation.ToString(),
    };

    internal static string Kernel(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "Relu",
        ActivationKind.LeakyReLU => "LeakyRelu",
        ActivationKind.ELU => "Elu",
        ActivationKind.Sigmoid => "Sigmoid",
        ActivationKind.SiLU => "Silu",
        ActivationKind.GELU => "Gelu",
        ActivationKind.GELUTanh => "GeluTanh",
        _ => "Tanh",
    };


    private static string Formula(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "max(0, x)",
        ActivationKind.LeakyReLU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·x",
        ActivationKind.ELU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·(eˣ − 1)",
        ActivationKind.Sigmoid => "1 / (1 + e⁻ˣ)",
        ActivationKind.SiLU => "x·σ(x)",
        ActivationKind.GELU => "x·Φ(x), Φ the standard normal distribution function",
        ActivationKind.GELUTanh => "x·σ(2u), u = √(2/π)·(x + 0.044715·x³)",
        _ => "tanh(x)",
    };

    private static string Derivative(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "(x > 0 ? 1 : 0)",
        ActivationKind.LeakyReLU => $"(x > 0 ? 1 : {CodeWriter.Float(a.Alpha)})",
        ActivationKind.ELU => $"(x > 0 ? 1 : y + {CodeWriter.Float(a.Alpha)})",
        ActivationKind.Sigmoid => "y·(1 − y)",
        ActivationKind.SiLU => "σ(x)·(1 + x·(1 − σ(x)))",
        ActivationKind.GELU => "(Φ(x) + x·φ(x))",
        ActivationKind.GELUTanh => "(σ(2u) + x·σ(2u)·(1 − σ(2u))·2u′)",
        _ => "(1 − y²)",
    };
}
