using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Dense]</c>, bound by name; initial values are the attribute's defaults.</summary>
internal sealed class DenseArguments : WeightArguments
{
    /// <summary>The output units (required by the attribute; 0 when missing).</summary>
    public int Units { get; set; }
}

/// <summary>A fully connected layer, optionally with DropConnect on its weights (DropConnectP &gt; 0).</summary>
internal sealed record DenseLayer(
    int Units,
    InitModel Init,
    bool HasBias,
    float BiasInit,
    int WeightOffset,
    int BiasOffset,
    float DropConnectP) : LayerModel;

/// <summary><c>[Dense(units)]</c>: flattens an image input implicitly, then <c>[units]</c>; takes a pending DropConnect.</summary>
internal sealed class DenseDefinition : LayerDefinition<DenseArguments>
{
    /// <inheritdoc />
    public override string Name => "Dense";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new DenseEmitter();

    /// <inheritdoc />
    public override bool TakesDropConnect => true;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<DenseArguments> args, LayerContext context)
    {
        checked
        {
            string? next = context.NextActivation();
            float dropConnect = b.PendingDropConnect;
            b.ClearDropConnect();
            if (b.Current.Rank == 3)
            {
                b.AddFlatten(spec, context.Prefix, isImplicit: true);
            }

            int units = args.Check(nameof(DenseArguments.Units), args.Values.Units, v => v > 0, "a positive number of units");
            units = units > 0 ? units : 1;
            int inputs = b.Current.Size;
            InitModel init = b.ResolveInit(args, next, inputs, units);
            bool hasBias = args.Values.Bias;
            float biasInit = args.Check(nameof(DenseArguments.BiasInit), args.Values.BiasInit, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
            int weights = units * inputs;
            int count = weights + (hasBias ? units : 0);
            int offset = b.TakeParameters(count);
            var model = new DenseLayer(units, init, hasBias, biasInit, offset, offset + weights, dropConnect) { ParameterCount = count };
            b.Append(spec, context.Prefix, "dense", model, Shape.Of(units));
        }
    }
}

/// <summary>
/// Fully connected layer: <c>y = x·Wᵀ + b</c>; backward <c>dW += dyᵀ·x</c>, <c>db += Σ dy</c>, <c>dx += dy·W</c>. With
/// DropConnect the training pass uses <c>W ⊙ mask</c> (one mask per mini-batch) and routes the weight gradient
/// through the mask.
/// </summary>
internal sealed class DenseEmitter : LayerEmitter<DenseLayer>
{
    public override string Describe(DenseLayer d)
    {
        string weights = $"weights [{d.Units} x {d.InputShape.Size}] at params[{d.WeightOffset}..{d.WeightOffset + (d.Units * d.InputShape.Size)})";
        string bias = WeightTensors.DescribeBias(d.HasBias, d.Units, d.BiasOffset);
        string dropConnect = d.DropConnectP > 0 ? $", DropConnect p = {CodeWriter.Float(d.DropConnectP).TrimEnd('f')}" : "";
        return $"Dense {d.InputShape.Size} -> {d.Units}, {weights}{bias}{dropConnect}";
    }

    public override string ExtraConstants(DenseLayer d)
    {
        return $"{Names.P(d, "W")} = {d.WeightOffset}" + (d.HasBias ? $", {Names.P(d, "B")} = {d.BiasOffset}" : "");
    }

    /// <summary>2·in·out: one multiply-add per weight.</summary>
    public override long ForwardFlops(DenseLayer layer) => 2L * layer.InputShape.Size * layer.Units;

    /// <summary>dW (2·in·out) and dx (2·in·out, none when the input is the network's).</summary>
    public override long BackwardFlops(DenseLayer layer) => ForwardFlops(layer) * (layer.InputIsNetworkInput ? 1 : 2);

    public override bool HasForward(DenseLayer layer) => true;

    public override bool HasBackward(DenseLayer layer) => true;

    public override bool OverwritesInputGradient(DenseLayer layer) => true;

    public override void EmitFields(CodeWriter w, DenseLayer d)
    {
        if (d.DropConnectP > 0)
        {
            string n = $"{Names.P(d, "Out")} * {Names.P(d, "In")}";
            w.Line($"// Layer {d.Index} ({d.Name}) DropConnect: the mini-batch's weight mask, the masked weights and their gradient.");
            w.Line($"private readonly float[] _l{d.Index}Mask = new float[{n}], _l{d.Index}MaskedW = new float[{n}], _l{d.Index}dMaskedW = new float[{n}];");
        }
    }

    public override void EmitForward(CodeWriter w, DenseLayer d)
    {
        string dropConnect = d.DropConnectP > 0 ? "; in training W is W ⊙ mask (DropConnect)" : "";
        w.Summary($"Layer {d.Index} forward ({d.Name}): y[b, o] = {(d.HasBias ? "bias[o] + " : "")}Σᵢ x[b, i]·W[o, i]{dropConnect}.");
        using (w.Block($"private void Layer{d.Index}Forward(int batch)"))
        {
            string weights = Weights(d, "Parameters");
            if (d.DropConnectP > 0)
            {
                w.Line($"global::System.ReadOnlySpan<float> weights = {weights};");
                using (w.Block("if (TrainingForward)"))
                {
                    w.Line($"// DropConnect: W ⊙ mask, each weight kept with probability {CodeWriter.Float(1 - d.DropConnectP).TrimEnd('f')} and scaled by its inverse.");
                    using (w.Block("if (!FreezeRandomness)"))
                    {
                        w.Call($"{Names.Kernels}.Dropout.FillMask", $"p: {CodeWriter.Float(d.DropConnectP)}", $"mask: _l{d.Index}Mask", "rng: Random");
                    }

                    w.Call($"{Names.Kernels}.Elementwise.Multiply", "x: weights", $"y: _l{d.Index}Mask", $"z: _l{d.Index}MaskedW");
                    w.Line($"weights = _l{d.Index}MaskedW;");
                }

                weights = "weights";
            }

            EmitForwardCall(w, d, weights, Bias(d, "Parameters"), Names.Y(d));
        }
    }

    /// <summary>The kernel writes dW and dbias on the first backward pass after <c>ZeroGradients</c> (<c>overwriteGradients</c>).</summary>
    public override bool WritesParameterGradients(DenseLayer layer) => true;

    public override void EmitBackward(CodeWriter w, DenseLayer d)
    {
        string dx = d.InputIsNetworkInput ? "dx += dy·W is skipped: the input needs no gradient" : $"dx {GradientWrites.Operator(d)} dy·W";
        string dropConnect = d.DropConnectP > 0 ? "; in training W is W ⊙ mask and dW is routed back through the mask" : "";
        w.Summary($"Layer {d.Index} backward ({d.Name}): dW += dyᵀ·x, {(d.HasBias ? "dbias += Σ_b dy, " : "")}{dx}{dropConnect}; the first pass after ZeroGradients writes dW{(d.HasBias ? " and dbias" : "")} instead (OverwriteParameterGradients).");
        using (w.Block($"private void Layer{d.Index}Backward(int batch)"))
        {
            if (d.DropConnectP > 0)
            {
                using (w.Block("if (TrainingForward)"))
                {
                    w.Line($"// DropConnect: the gradient of the masked weights, routed through the mask into dW.");
                    w.Line($"global::System.Array.Clear(_l{d.Index}dMaskedW);");
                    EmitCall(w, d, $"_l{d.Index}MaskedW", $"_l{d.Index}dMaskedW");
                    using (w.Block("if (OverwriteParameterGradients)"))
                    {
                        w.Call($"{Names.Kernels}.Elementwise.Multiply", $"x: _l{d.Index}dMaskedW", $"y: _l{d.Index}Mask", $"z: {Weights(d, "Gradients")}");
                    }

                    using (w.Block("else"))
                    {
                        w.Call($"{Names.Kernels}.Elementwise.MultiplyAdd", $"x: _l{d.Index}dMaskedW", $"y: _l{d.Index}Mask", $"z: {Weights(d, "Gradients")}");
                    }

                    w.Line("return;");
                }

                w.Line();
            }

            EmitCall(w, d, Weights(d, "Parameters"), Weights(d, "Gradients"));
        }
    }

    private static void EmitCall(CodeWriter w, DenseLayer d, string weights, string dWeights)
    {
        w.Call(
            $"{Names.Kernels}.Dense.Backward",
            new[]
            {
                Dims(d), $"x: {Names.X(d)}", $"weights: {weights}", $"dy: {Names.DY(d)}",
                $"dx: {(d.InputIsNetworkInput ? "default" : Names.DX(d))}", $"dWeights: {dWeights}", $"dBias: {Bias(d, "Gradients")}",
            }.Concat(GradientWrites.OverwriteArgument(d)).Append("overwriteGradients: OverwriteParameterGradients").ToArray());
    }

    /// <summary>
    /// The forward kernel call with these weights, bias and output (the folded batch norm passes its own), and the
    /// layer's cache of packed weights (null in training passes; large-batch inference then skips repacking W).
    /// </summary>
    internal static void EmitForwardCall(CodeWriter w, DenseLayer d, string weights, string bias, string y)
        => w.Call($"{Names.Kernels}.Dense.Forward", Dims(d), $"x: {Names.X(d)}", $"weights: {weights}", $"bias: {bias}", $"y: {y}", $"packed: {PackedWeights(d)}");

    /// <summary>The expression for the layer's cache of packed weights (see <c>NetworkBase.PackedWeightsFor</c>).</summary>
    internal static string PackedWeights(DenseLayer d) => $"PackedWeightsFor({d.Index})";

    /// <summary>The kernel's integer dimensions, named as its parameters are.</summary>
    private static string Dims(DenseLayer d) => $"batch: batch, inputs: {Names.P(d, "In")}, outputs: {Names.P(d, "Out")}";

    public override void EmitParameterTensors(CodeWriter w, DenseLayer d) => Tensors(d).EmitParameterTensors(w);

    /// <summary>ONNX: <c>Gemm(x, W, b)</c> with <c>transB = 1</c> (W is [out, in]); DropConnect keeps the full weights at inference.</summary>
    public override string EmitOnnx(CodeWriter w, DenseLayer d, OnnxTensors tensors)
    {
        w.Line(Onnx.Node("Gemm", d.Name, Tensors(d).OnnxInputs(tensors.Input(d))) + Onnx.Int("transB", 1) + ";");
        return d.Name;
    }

    internal static string Weights(DenseLayer d, string buffer) => Tensors(d).Weights(buffer);

    internal static string Bias(DenseLayer d, string buffer) => Tensors(d).Bias(buffer);

    /// <summary>The weights [out x in] and the bias [out]; fan-in = in, fan-out = out.</summary>
    private static WeightTensors Tensors(DenseLayer d)
        => new(d, d.Init, d.HasBias, d.BiasInit, new[] { Names.P(d, "Out"), Names.P(d, "In") }, fanIn: Names.P(d, "In"), fanOut: Names.P(d, "Out"));
}
