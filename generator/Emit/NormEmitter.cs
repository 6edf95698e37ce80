using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Batch, layer, instance and group normalization: <c>y = γ·(x − μ)/√(σ² + ε) + β</c> with μ, σ² over the mini-batch
/// per channel (batch norm in training; running statistics at inference), over one sample's features (layer norm),
/// over one sample's channel (instance norm) or channel group (group norm).
/// </summary>
internal sealed class NormEmitter : ILayerEmitter, ILayerStateEmitter
{
    public string Describe(LayerModel layer)
    {
        var n = (NormLayer)layer;
        string over = n.Norm switch
        {
            NormKind.BatchNorm => $"per channel over batch × {n.Spatial}, momentum {F(n.Momentum)}",
            NormKind.LayerNorm => $"over the {n.InputShape.Size} features of each sample",
            NormKind.InstanceNorm => $"per sample and channel over {n.Spatial} positions",
            _ => $"per sample over {n.Groups} groups of {n.Channels / n.Groups} channels",
        };
        return $"{n.Norm} on {n.InputShape}, {over}, eps {F(n.Epsilon)}, gamma/beta [{n.AffineSize}] at params[{n.GammaOffset}..{n.BetaOffset + n.AffineSize})";
    }

    public string ExtraConstants(LayerModel layer)
    {
        var n = (NormLayer)layer;
        string s = $"{Names.P(n, "C")} = {n.Channels}, {Names.P(n, "Spatial")} = {n.Spatial}, {Names.P(n, "Gamma")} = {n.GammaOffset}, {Names.P(n, "Beta")} = {n.BetaOffset}";
        return n.Norm switch
        {
            NormKind.BatchNorm => s + $", {Names.P(n, "RunMean")} = {n.RunningMeanOffset}, {Names.P(n, "RunVar")} = {n.RunningVarOffset}",
            NormKind.LayerNorm => s + $", {Names.P(n, "Stats")} = {n.StatsBuffer}",
            _ => s + $", {Names.P(n, "Groups")} = {n.Groups}, {Names.P(n, "Stats")} = {n.StatsBuffer}",
        };
    }

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => true;

    public void EmitFields(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Line($"// Layer {n.Index} ({n.Name}): the mini-batch mean and 1/std of the last training forward pass, per channel.");
            w.Line($"private readonly float[] _l{n.Index}Mean = new float[{Names.P(n, "C")}], _l{n.Index}InvStd = new float[{Names.P(n, "C")}];");
        }
    }

    public void EmitBufferTensors(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Line($"new(\"{n.Name}.running_mean\", {n.Index}, {Names.P(n, "RunMean")}, {Names.P(n, "C")}, new[] {{ {Names.P(n, "C")} }}, global::NetGen.ParameterRole.Normalization),");
            w.Line($"new(\"{n.Name}.running_var\", {n.Index}, {Names.P(n, "RunVar")}, {Names.P(n, "C")}, new[] {{ {Names.P(n, "C")} }}, global::NetGen.ParameterRole.Normalization),");
        }
    }

    public void EmitBufferInitialization(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        if (n.Norm == NormKind.BatchNorm)
        {
            w.Line($"// Layer {n.Index} ({n.Name}): running mean 0, running variance 1.");
            w.Line($"b.Slice({Names.P(n, "RunMean")}, {Names.P(n, "C")}).Clear();");
            w.Line($"b.Slice({Names.P(n, "RunVar")}, {Names.P(n, "C")}).Fill(1f);");
        }
    }

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        string affine = $"gamma: {Slice(n, "Parameters", "Gamma")}, beta: {Slice(n, "Parameters", "Beta")}";
        switch (n.Norm)
        {
            case NormKind.BatchNorm:
                w.Summary($"Layer {n.Index} forward ({n.Name}): training normalizes with the mini-batch statistics and updates the running ones; inference uses the running statistics.");
                using (w.Block($"private void Layer{n.Index}Forward(int batch)"))
                {
                    using (w.Block("if (TrainingForward)"))
                    {
                        w.Line($"{Names.Kernels}.BatchNorm.ForwardTraining(batch, {Names.P(n, "C")}, {Names.P(n, "Spatial")},");
                        w.Line($"    momentum: {CodeWriter.Float(n.Momentum)}, epsilon: {CodeWriter.Float(n.Epsilon)}, x: {Names.X(n)}, {affine},");
                        w.Line($"    runningMean: {Running(n, "RunMean")}, runningVar: {Running(n, "RunVar")}, y: {Names.Y(n)},");
                        w.Line($"    saveMean: _l{n.Index}Mean, saveInvStd: _l{n.Index}InvStd);");
                    }

                    using (w.Block("else"))
                    {
                        w.Line($"{Names.Kernels}.BatchNorm.ForwardInference(batch, {Names.P(n, "C")}, {Names.P(n, "Spatial")},");
                        w.Line($"    epsilon: {CodeWriter.Float(n.Epsilon)}, x: {Names.X(n)}, {affine},");
                        w.Line($"    runningMean: {Running(n, "RunMean")}, runningVar: {Running(n, "RunVar")}, y: {Names.Y(n)});");
                    }
                }

                break;
            case NormKind.LayerNorm:
                w.Summary($"Layer {n.Index} forward ({n.Name}): normalizes each sample over its features, then scales and shifts per feature.");
                using (w.Block($"private void Layer{n.Index}Forward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.LayerNorm.Forward(batch, {Names.P(n, "In")}, epsilon: {CodeWriter.Float(n.Epsilon)}, x: {Names.X(n)}, {affine},");
                    w.Line($"    y: {Names.Y(n)}, saveMean: {Stats(n, 0)}, saveInvStd: {Stats(n, 1)});");
                }

                break;
            default:
                string op = n.Norm == NormKind.InstanceNorm ? "InstanceNorm" : "GroupNorm";
                string groups = n.Norm == NormKind.InstanceNorm ? "" : $"{Names.P(n, "Groups")}, ";
                w.Summary($"Layer {n.Index} forward ({n.Name}): normalizes each sample per {(n.Norm == NormKind.InstanceNorm ? "channel" : "channel group")}, then scales and shifts per channel.");
                using (w.Block($"private void Layer{n.Index}Forward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.{op}.Forward(batch, {Names.P(n, "C")}, {Names.P(n, "Spatial")}, {groups}epsilon: {CodeWriter.Float(n.Epsilon)}, x: {Names.X(n)}, {affine},");
                    w.Line($"    y: {Names.Y(n)}, saveMean: {Stats(n, 0)}, saveInvStd: {Stats(n, 1)});");
                }

                break;
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        string grads = $"dy: {Names.DY(n)}, dx: {(n.InputIsNetworkInput ? "default" : Names.DX(n))}, dGamma: {Slice(n, "Gradients", "Gamma")}, dBeta: {Slice(n, "Gradients", "Beta")}";
        string gamma = $"gamma: {Slice(n, "Parameters", "Gamma")}";
        switch (n.Norm)
        {
            case NormKind.BatchNorm:
                w.Summary($"Layer {n.Index} backward ({n.Name}): the gradient through the mini-batch statistics (requires a training-mode forward pass).");
                using (w.Block($"private void Layer{n.Index}Backward(int batch)"))
                {
                    w.Line($"RequireTrainingForward(\"{n.Name}\");");
                    w.Line($"{Names.Kernels}.BatchNorm.Backward(batch, {Names.P(n, "C")}, {Names.P(n, "Spatial")}, {Names.X(n)}, {gamma},");
                    w.Line($"    saveMean: _l{n.Index}Mean, saveInvStd: _l{n.Index}InvStd, {grads});");
                }

                break;
            case NormKind.LayerNorm:
                w.Summary($"Layer {n.Index} backward ({n.Name}): the gradient through each sample's statistics.");
                using (w.Block($"private void Layer{n.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.LayerNorm.Backward(batch, {Names.P(n, "In")}, {Names.X(n)}, {gamma},");
                    w.Line($"    saveMean: {Stats(n, 0)}, saveInvStd: {Stats(n, 1)}, {grads});");
                }

                break;
            default:
                string op = n.Norm == NormKind.InstanceNorm ? "InstanceNorm" : "GroupNorm";
                string groups = n.Norm == NormKind.InstanceNorm ? "" : $"{Names.P(n, "Groups")}, ";
                w.Summary($"Layer {n.Index} backward ({n.Name}): the gradient through each sample's statistics.");
                using (w.Block($"private void Layer{n.Index}Backward(int batch)"))
                {
                    w.Line($"{Names.Kernels}.{op}.Backward(batch, {Names.P(n, "C")}, {Names.P(n, "Spatial")}, {groups}{Names.X(n)}, {gamma},");
                    w.Line($"    saveMean: {Stats(n, 0)}, saveInvStd: {Stats(n, 1)}, {grads});");
                }

                break;
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        w.Line($"// Layer {n.Index} ({n.Name}): gamma 1, beta 0.");
        w.Line($"{Slice(n, "p", "Gamma")}.Fill(1f);");
        w.Line($"{Slice(n, "p", "Beta")}.Clear();");
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
        var n = (NormLayer)layer;
        string shape = n.Norm == NormKind.LayerNorm ? string.Join(", ", n.InputShape.Dims) : Names.P(n, "C");
        w.Line($"new(\"{n.Name}.weight\", {n.Index}, {Names.P(n, "Gamma")}, {n.AffineSize}, new[] {{ {shape} }}, global::NetGen.ParameterRole.Normalization),");
        w.Line($"new(\"{n.Name}.bias\", {n.Index}, {Names.P(n, "Beta")}, {n.AffineSize}, new[] {{ {shape} }}, global::NetGen.ParameterRole.Normalization),");
    }

    /// <summary>
    /// ONNX: batch norm is a <c>BatchNormalization</c> node with the running statistics (not folded into the convolution,
    /// so the file keeps NetGen's tensors; ONNX Runtime folds it when it optimizes); layer norm is
    /// <c>LayerNormalization(axis = 1)</c> over all features; instance norm is <c>InstanceNormalization</c>; group norm
    /// is decomposed (opset 17 has no GroupNormalization with per-channel scale): <c>Reshape</c> to [N, groups, -1],
    /// <c>InstanceNormalization</c> with unit scale, <c>Reshape</c> back, <c>Mul</c> by γ and <c>Add</c> β per channel.
    /// </summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        var n = (NormLayer)layer;
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

    private static string Slice(NormLayer n, string buffer, string what) => $"{buffer}.Slice({Names.P(n, what)}, {n.AffineSize})";

    private static string Running(NormLayer n, string what) => $"Buffers.Slice({Names.P(n, what)}, {Names.P(n, "C")})";

    /// <summary>The per-sample statistics in the arena: 0 = mean, 1 = inverse standard deviation.</summary>
    private static string Stats(NormLayer n, int which)
        => Names.Extra(n.StatsBuffer + (which * n.Groups), n.Groups.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string F(float v) => CodeWriter.Float(v).TrimEnd('f');
}
