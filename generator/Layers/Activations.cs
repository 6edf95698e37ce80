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
            w.Line(KernelClass(a) is { } kernel
                ? $"{Names.Kernels}.{kernel}.Forward({Arguments(a)}{Names.X(a)}, {Names.Y(a)});"
                : $"{Names.Kernels}.Activations.{Kernel(a)}Forward({Names.X(a)}, {Names.Y(a)}{Extra(a)});");
        }
    }

    public override void EmitBackward(CodeWriter w, ActivationLayer a)
    {
        w.Summary($"Layer {a.Index} backward ({a.Name}): dx += dy · {Derivative(a)}.");
        using (w.Block($"private void Layer{a.Index}Backward(int batch)"))
        {
            w.Line(KernelClass(a) is { } kernel ? $"{Names.Kernels}.{kernel}.Backward({Arguments(a)}" : $"{Names.Kernels}.Activations.{Kernel(a)}Backward(");
            w.Line($"    x: {Names.X(a)},");
            w.Line($"    y: {Names.Y(a)},");
            w.Line($"    dy: {Names.DY(a)},");
            w.Line($"    dx: {Names.DX(a)}{Extra(a)});");
        }
    }

    /// <summary>
    /// ONNX: one node, <c>Relu</c>, <c>LeakyRelu</c> or <c>Elu</c> (with alpha), <c>Sigmoid</c> or <c>Tanh</c>; SiLU is
    /// <c>Mul(x, Sigmoid(x))</c>.
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
    private static string? KernelClass(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.SiLU => "Silu",
        _ => null,
    };

    /// <summary>The scalar arguments that precede x in a kernel class's call (none for SiLU).</summary>
    private static string Arguments(ActivationLayer a) => "";

    private static string Display(ActivationLayer a) => a.Activation switch
    {
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
        _ => "Tanh",
    };

    private static string Extra(ActivationLayer a) => a.Activation is ActivationKind.LeakyReLU or ActivationKind.ELU ? $", alpha: {CodeWriter.Float(a.Alpha)}" : "";

    private static string Formula(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "max(0, x)",
        ActivationKind.LeakyReLU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·x",
        ActivationKind.ELU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·(eˣ − 1)",
        ActivationKind.Sigmoid => "1 / (1 + e⁻ˣ)",
        ActivationKind.SiLU => "x·σ(x)",
        _ => "tanh(x)",
    };

    private static string Derivative(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "(x > 0 ? 1 : 0)",
        ActivationKind.LeakyReLU => $"(x > 0 ? 1 : {CodeWriter.Float(a.Alpha)})",
        ActivationKind.ELU => $"(x > 0 ? 1 : y + {CodeWriter.Float(a.Alpha)})",
        ActivationKind.Sigmoid => "y·(1 − y)",
        ActivationKind.SiLU => "σ(x)·(1 + x·(1 − σ(x)))",
        _ => "(1 − y²)",
    };
}
