using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The normalizations.</summary>
internal enum NormKind
{
    BatchNorm,
    LayerNorm,
    InstanceNorm,
    GroupNorm,
}

/// <summary>The argument every normalization attribute has; initial values are the attributes' defaults.</summary>
internal class NormArguments
{
    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>The arguments of <c>[BatchNorm]</c>.</summary>
internal sealed class BatchNormArguments : NormArguments
{
    /// <summary>The running statistics' update rate.</summary>
    public float Momentum { get; set; } = 0.1f;
}

/// <summary>The arguments of <c>[GroupNorm(groups)]</c>.</summary>
internal sealed class GroupNormArguments : NormArguments
{
    /// <summary>The number of channel groups (required; 1 after an invalid value).</summary>
    public int Groups { get; set; } = 1;
}

/// <summary>
/// A normalization layer. <c>Channels</c>×<c>Spatial</c> is the input (Spatial = 1 after dense layers). Gamma and beta
/// live in the parameters; batch norm's running statistics in the network's buffers; the saved mean and inverse
/// standard deviation of the forward pass in the arena (<c>StatsBuffer</c>, per-sample groups) or, for batch norm, in a
/// per-layer field.
/// </summary>
internal sealed record NormLayer(
    NormKind Norm,
    int Channels,
    int Spatial,
    int Groups,
    float Momentum,
    float Epsilon,
    int GammaOffset,
    int BetaOffset,
    int AffineSize,
    int RunningMeanOffset,
    int RunningVarOffset,
    int StatsBuffer) : LayerModel
{
    /// <summary>The index of the ReLU this batch norm runs inside its own kernels (<c>BatchNormReluFusion</c>), or −1.</summary>
    public int FusedRelu { get; init; } = -1;
}

/// <summary>What the four normalization kinds share: the emitter, transparency to weight init, the epsilon check.</summary>
/// <typeparam name="TArguments">The attribute's arguments.</typeparam>
internal abstract class NormalizationDefinition<TArguments> : LayerDefinition<TArguments>
    where TArguments : NormArguments, new()
{
    /// <inheritdoc />
    public override ILayerEmitter Emitter => NormEmitter.Instance;

    /// <inheritdoc />
    public override bool IsTransparentToInit => true;

    /// <inheritdoc />
    protected sealed override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<TArguments> args, LayerContext context)
    {
        float epsilon = args.Check(nameof(NormArguments.Epsilon), args.Values.Epsilon, v => v > 0 && !float.IsInfinity(v), "positive");
        (int channels, int spatial) = b.ChannelsAndSpatial();
        Build(b, spec, args, context, epsilon, channels, spatial);
    }

    /// <summary>The kind's own layout after the shared checks.</summary>
    protected abstract void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<TArguments> args, LayerContext context, float epsilon, int channels, int spatial);
}

/// <summary><c>[BatchNorm]</c>: per channel over the mini-batch, running statistics in the buffers.</summary>
internal sealed class BatchNormDefinition : NormalizationDefinition<BatchNormArguments>
{
    /// <inheritdoc />
    public override string Name => "BatchNorm";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<BatchNormArguments> args, LayerContext context, float epsilon, int channels, int spatial)
    {
        checked
        {
            float momentum = args.Check(nameof(BatchNormArguments.Momentum), args.Values.Momentum, v => v >= 0f && v <= 1f, "in [0, 1]");
            int gamma = b.TakeParameters(2 * channels);
            int running = b.TakeBuffers(2 * channels);
            var model = new NormLayer(NormKind.BatchNorm, channels, spatial, 1, momentum, epsilon, gamma, gamma + channels, channels, running, running + channels, -1) { ParameterCount = 2 * channels };
            b.Append(spec, context.Prefix, "bn", model, b.Current);
        }
    }
}

/// <summary><c>[LayerNorm]</c>: over each sample's features, gamma and beta per feature.</summary>
internal sealed class LayerNormDefinition : NormalizationDefinition<NormArguments>
{
    /// <inheritdoc />
    public override string Name => "LayerNorm";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NormArguments> args, LayerContext context, float epsilon, int channels, int spatial)
    {
        checked
        {
            int size = b.Current.Size;
            int gamma = b.TakeParameters(2 * size);
            var model = new NormLayer(NormKind.LayerNorm, channels, spatial, 1, 0f, epsilon, gamma, gamma + size, size, -1, -1, b.Arena + size) { ParameterCount = 2 * size };
            b.Append(spec, context.Prefix, "ln", model, b.Current, extraArena: 2);
        }
    }
}

/// <summary><c>[InstanceNorm]</c>: per sample and channel over the positions of an image.</summary>
internal sealed class InstanceNormDefinition : NormalizationDefinition<NormArguments>
{
    /// <inheritdoc />
    public override string Name => "InstanceNorm";

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<NormArguments> args, LayerContext context, float epsilon, int channels, int spatial)
    {
        if (b.RequireSpatial(spec))
        {
            GroupNormDefinition.AddGrouped(b, spec, context, NormKind.InstanceNorm, "in", epsilon, channels, spatial, groups: channels);
        }
    }
}

/// <summary><c>[GroupNorm(groups)]</c>: per sample over groups of channels.</summary>
internal sealed class GroupNormDefinition : NormalizationDefinition<GroupNormArguments>
{
    /// <inheritdoc />
    public override string Name => "GroupNorm";

    /// <summary>Appends a per-sample grouped normalization (instance norm is one group per channel).</summary>
    internal static void AddGrouped(NetworkBuilder b, LayerSpec spec, LayerContext context, NormKind norm, string name, float epsilon, int channels, int spatial, int groups)
    {
        checked
        {
            int size = b.Current.Size;
            int gamma = b.TakeParameters(2 * channels);
            var model = new NormLayer(norm, channels, spatial, groups, 0f, epsilon, gamma, gamma + channels, channels, -1, -1, b.Arena + size) { ParameterCount = 2 * channels };
            b.Append(spec, context.Prefix, name, model, b.Current, extraArena: 2 * groups);
        }
    }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<GroupNormArguments> args, LayerContext context, float epsilon, int channels, int spatial)
    {
        int groups = args.Check(nameof(GroupNormArguments.Groups), args.Values.Groups, v => v > 0 && channels % v == 0, $"a positive divisor of the {channels} channels");
        groups = groups > 0 && channels % groups == 0 ? groups : 1;
        AddGrouped(b, spec, context, NormKind.GroupNorm, "gn", epsilon, channels, spatial, groups);
    }
}

/// <summary>
/// Batch, layer, instance and group normalization: <c>y = γ·(x − μ)/√(σ² + ε) + β</c> with μ, σ² over the mini-batch
/// per channel (batch norm in training; running statistics at inference), over one sample's features (layer norm),
/// over one sample's channel (instance norm) or channel group (group norm).
/// </summary>
internal sealed class NormEmitter : LayerEmitter<NormLayer>
{
    /// <summary>The one instance, shared by the kinds this emitter prints.</summary>
    public static readonly NormEmitter Instance = new();

    public override string Describe(NormLayer n)
    {
        string over = n.Norm switch
        {
            NormKind.BatchNorm => $"per channel over batch × {n.Spatial}, momentum {F(n.Momentum)}",
            NormKind.LayerNorm => $"over the {n.InputShape.Size} features of each sample",
            NormKind.InstanceNorm => $"per sample and channel over {n.Spatial} positions",
            _ => $"per sample over {n.Groups} groups of {n.Channels / n.Groups} channels",
        };
        return $"{n.Norm} on {n.InputShape}, {over}, eps {F(n.Epsilon)}, gamma/beta [{n.AffineSize}] at params[{n.GammaOffset}..{n.BetaOffset + n.AffineSize})";
    }

    public override string ExtraConstants(NormLayer n)
    {
        string s = $"{Names.P(n, "C")} = {n.Channels}, {Names.P(n, "Spatial")} = {n.Spatial}, {Names.P(n, "Gamma")} = {n.GammaOffset}, "
            + $"{Names.P(n, "Beta")} = {n.BetaOffset}, {Names.P(n, "Affine")} = {n.AffineSize}";
        return n.Norm == NormKind.BatchNorm
            ? s + $", {Names.P(n, "RunMean")} = {n.RunningMeanOffset}, {Names.P(n, "RunVar")} = {n.RunningVarOffset}"
            : s + $", {Names.P(n, "Groups")} = {n.Groups}, {Names.P(n, "Mean")} = {n.StatsBuffer}, {Names.P(n, "InvStd")} = {n.StatsBuffer + n.Groups}";
    }

    public override bool HasForward(NormLayer layer) => true;

    public override bool HasBackward(NormLayer layer) => true;

    public override void EmitFields(CodeWriter w, NormLayer n)
    {
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Line($"// Layer {n.Index} ({n.Name}): the mini-batch mean and 1/std of the last training forward pass, per channel.");
            w.Line($"private readonly float[] _l{n.Index}Mean = new float[{Names.P(n, "C")}], _l{n.Index}InvStd = new float[{Names.P(n, "C")}];");
        }
    }

    public override void EmitBufferTensors(CodeWriter w, NormLayer n)
    {
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Line($"// Layer {n.Index} ({n.Name}): running mean 0, running variance 1.");
            TensorTable.Row(w, n, "running_mean", Names.P(n, "RunMean"), "Normalization", [Names.P(n, "C")], "value: 0f");
            TensorTable.Row(w, n, "running_var", Names.P(n, "RunVar"), "Normalization", [Names.P(n, "C")], "value: 1f");
        }
    }

    public override void EmitForward(CodeWriter w, NormLayer n)
    {
        string affine = $"gamma: {Slice(n, "Parameters", "Gamma")}, beta: {Slice(n, "Parameters", "Beta")}";
        string epsilon = $"epsilon: {CodeWriter.Float(n.Epsilon)}";
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Summary($"Layer {n.Index} forward ({n.Name}): training normalizes with the mini-batch statistics and updates the running ones; inference uses the running statistics."
                + (n.FusedRelu < 0 ? "" : $" Also writes the output of layer {n.FusedRelu} (ReLU), a = max(0, y), in the same pass."));
            using (w.Block($"private void Layer{n.Index}Forward(int batch)"))
            {
                string running = $"runningMean: {Running(n, "RunMean")}, runningVar: {Running(n, "RunVar")}, y: {Names.Y(n)}";
                string relu = n.FusedRelu < 0 ? "" : "Relu";
                if (n.FusedRelu >= 0)
                {
                    running += $", a: Activation(L{n.FusedRelu}_Y, L{n.FusedRelu}_Out, batch)";
                }

                using (w.Block("if (TrainingForward)"))
                {
                    w.Call($"{Names.Kernels}.BatchNorm.ForwardTraining{relu}", Dims(n), $"momentum: {CodeWriter.Float(n.Momentum)}, {epsilon}, x: {Names.X(n)}, {affine}",
                        running, $"saveMean: _l{n.Index}Mean, saveInvStd: _l{n.Index}InvStd");
                }

                using (w.Block("else"))
                {
                    w.Call($"{Names.Kernels}.BatchNorm.ForwardInference{relu}", Dims(n), $"{epsilon}, x: {Names.X(n)}, {affine}", running);
                }
            }

            return;
        }

        // Layer, instance and group norm: one call with the sample's statistics saved in the arena.
        string over = n.Norm switch
        {
            NormKind.LayerNorm => "over its features, then scales and shifts per feature",
            NormKind.InstanceNorm => "per channel, then scales and shifts per channel",
            _ => "per channel group, then scales and shifts per channel",
        };
        w.Summary($"Layer {n.Index} forward ({n.Name}): normalizes each sample {over}.");
        using (w.Block($"private void Layer{n.Index}Forward(int batch)"))
        {
            w.Call($"{Names.Kernels}.{n.Norm}.Forward", Dims(n), $"{epsilon}, x: {Names.X(n)}, {affine}", $"y: {Names.Y(n)}, {SavedStatistics(n)}");
        }
    }

    /// <summary>BatchNorm's backward kernel takes <c>overwriteDx</c>; the per-sample norms' kernels add.</summary>
    public override bool OverwritesInputGradient(NormLayer layer) => layer.Norm == NormKind.BatchNorm;

    public override void EmitBackward(CodeWriter w, NormLayer n)
    {
        string grads = $"dy: {Names.DY(n)}, dx: {(n.InputIsNetworkInput ? "default" : Names.DX(n))}, dGamma: {Slice(n, "Gradients", "Gamma")}, dBeta: {Slice(n, "Gradients", "Beta")}";
        bool batchNorm = n.Norm == NormKind.BatchNorm;
        w.Summary(batchNorm
            ? $"Layer {n.Index} backward ({n.Name}{(n.FusedRelu < 0 ? "" : $" with layer {n.FusedRelu}, ReLU")}): the gradient through the mini-batch statistics (requires a training-mode forward pass)."
            : $"Layer {n.Index} backward ({n.Name}): the gradient through each sample's statistics.");
        using (w.Block($"private void Layer{n.Index}Backward(int batch)"))
        {
            if (batchNorm)
            {
                w.Line($"RequireTrainingForward(\"{n.Name}\");");
            }

            string overwrite = batchNorm && n.FirstGradientWrite ? ", overwriteDx: true" : "";
            if (n.FusedRelu >= 0)
            {
                // From the ReLU's output gradient: its mask comes from x, so the gradient between the two is never stored.
                grads = grads.Replace($"dy: {Names.DY(n)}", $"da: ActivationGradient(L{n.FusedRelu}_Y, L{n.FusedRelu}_Out, batch)");
                w.Call($"{Names.Kernels}.BatchNorm.BackwardRelu", Dims(n),
                    $"x: {Names.X(n)}, gamma: {Slice(n, "Parameters", "Gamma")}, beta: {Slice(n, "Parameters", "Beta")}", $"{SavedStatistics(n)}, {grads}{overwrite}");
                return;
            }

            w.Call($"{Names.Kernels}.{n.Norm}.Backward", Dims(n), $"x: {Names.X(n)}, gamma: {Slice(n, "Parameters", "Gamma")}", $"{SavedStatistics(n)}, {grads}{overwrite}");
        }
    }

    public override void EmitParameterTensors(CodeWriter w, NormLayer n)
    {
        // Layer norm's gamma and beta have the input's shape (a vector: its named size); the others' one per channel.
        string[] shape = n.Norm != NormKind.LayerNorm ? new[] { Names.P(n, "C") }
            : n.InputShape.Rank == 1 ? new[] { Names.P(n, "In") }
            : NetworkEmitter.DimensionNames(n, n.OutputShape, "Out");
        w.Line($"// Layer {n.Index} ({n.Name}): gamma 1, beta 0.");
        TensorTable.Row(w, n, "weight", Names.P(n, "Gamma"), "Normalization", shape, "value: 1f");
        TensorTable.Row(w, n, "bias", Names.P(n, "Beta"), "Normalization", shape, "value: 0f");
    }

    /// <summary>
    /// ONNX: batch norm is a <c>BatchNormalization</c> node with the running statistics (not folded into the convolution,
    /// so the file keeps NetGen's tensors; ONNX Runtime folds it when it optimizes); layer norm is
    /// <c>LayerNormalization(axis = 1)</c> over all features; instance norm is <c>InstanceNormalization</c>; group norm
    /// is decomposed (opset 17 has no GroupNormalization with per-channel scale): <c>Reshape</c> to [N, groups, -1],
    /// <c>InstanceNormalization</c> with unit scale, <c>Reshape</c> back, <c>Mul</c> by γ and <c>Add</c> β per channel.
    /// </summary>
    public override string EmitOnnx(CodeWriter w, NormLayer n, OnnxTensors tensors)
    {
        string x = tensors.Input(n), name = n.Name, gamma = name + ".weight", beta = name + ".bias", eps = Onnx.Float("epsilon", n.Epsilon);
        switch (n.Norm)
        {
            case NormKind.BatchNorm:
                w.Line(Onnx.Node("BatchNormalization", name, x, gamma, beta, name + ".running_mean", name + ".running_var") + eps + ";");
                break;
            case NormKind.LayerNorm:
                w.Line(Onnx.Node("LayerNormalization", name, x, gamma, beta) + Onnx.Int("axis", 1) + eps + ";");
                break;
            case NormKind.InstanceNorm:
                w.Line(Onnx.Node("InstanceNormalization", name, x, gamma, beta) + eps + ";");
                break;
            default:
                w.Line(Onnx.Node("Reshape", name + "/groups", x, Onnx.Int64s(name + "/groups_shape", 0, n.Groups, -1)) + ";");
                w.Line(Onnx.Node("InstanceNormalization", name + "/normalized", name + "/groups", $"g.Constant({Onnx.Q(name + "/ones")}, 1f, {n.Groups})", $"g.Constant({Onnx.Q(name + "/zeros")}, 0f, {n.Groups})") + eps + ";");
                w.Line(Onnx.Node("Reshape", name + "/channels", name + "/normalized", Onnx.Int64s(name + "/shape", Onnx.BatchAnd(n.InputShape))) + ";");
                w.Line(Onnx.Node("Mul", name + "/scaled", name + "/channels", Onnx.PerChannel(gamma, n.InputShape)) + ";");
                w.Line(Onnx.Node("Add", name, name + "/scaled", Onnx.PerChannel(beta, n.InputShape)) + ";");
                break;
        }

        return name;
    }

    /// <summary>The kernel's integer dimensions: features for layer norm; channels, spatial size (and groups) otherwise.</summary>
    private static string Dims(NormLayer n) => n.Norm switch
    {
        NormKind.LayerNorm => $"batch: batch, features: {Names.P(n, "In")}",
        NormKind.GroupNorm => $"batch: batch, channels: {Names.P(n, "C")}, spatial: {Names.P(n, "Spatial")}, groups: {Names.P(n, "Groups")}",
        _ => $"batch: batch, channels: {Names.P(n, "C")}, spatial: {Names.P(n, "Spatial")}",
    };

    /// <summary>Where the forward pass saved its statistics: batch norm's per-channel fields, the others' per-sample arena buffers.</summary>
    private static string SavedStatistics(NormLayer n) => n.Norm == NormKind.BatchNorm
        ? $"saveMean: _l{n.Index}Mean, saveInvStd: _l{n.Index}InvStd"
        : $"saveMean: {Stats(n, 0)}, saveInvStd: {Stats(n, 1)}";

    private static string Slice(NormLayer n, string buffer, string what) => $"{buffer}.Slice({Names.P(n, what)}, {Names.P(n, "Affine")})";

    private static string Running(NormLayer n, string what) => $"Buffers.Slice({Names.P(n, what)}, {Names.P(n, "C")})";

    /// <summary>The per-sample statistics in the arena: 0 = mean, 1 = inverse standard deviation.</summary>
    private static string Stats(NormLayer n, int which)
        => Names.Extra(n, which == 0 ? "Mean" : "InvStd", Names.P(n, "Groups"));

    private static string F(float v) => CodeWriter.Float(v).TrimEnd('f');
}
