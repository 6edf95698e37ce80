using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// A <c>[BatchNorm]</c> right after a <c>[Dense]</c> or <c>[Conv2D]</c> is folded into that layer for inference: the
/// generated forward asks <c>UseFoldedBatchNorm()</c> once per pass and, in inference mode, runs the layer's kernel
/// with the folded weights <c>W' = W·γ/√(var + ε)</c> and bias <c>b' = (b − μ)·γ/√(var + ε) + β</c> straight into the
/// batch norm's output, skipping the batch norm's pass. The folded values live in the network's own folded buffer
/// (<c>FoldBatchNorm</c> refills it whenever the parameters or buffers may have changed); training is unchanged.
/// </summary>
internal static class BatchNormFoldEmitter
{
    /// <summary>A dense or convolution layer, the batch norm that follows it, and where its folded values live.</summary>
    internal sealed record Fold(LayerModel Layer, NormLayer Norm, int WeightsOffset, int FanIn)
    {
        public int Channels => Norm.Channels;

        public int BiasOffset => WeightsOffset + (Channels * FanIn);

        public int End => BiasOffset + Channels;

        public string MethodName => $"Layers{Layer.Index}To{Norm.Index}ForwardFolded";
    }

    /// <summary>
    /// The foldable pairs, left to right: a dense (not in a fused dense group) or convolution layer whose output only
    /// the batch norm right after it reads, with as many channels as the batch norm normalizes.
    /// </summary>
    public static List<Fold> Find(NetworkModel model, List<DensePairEmitter.Pair> pairs)
    {
        var grouped = new HashSet<int>(pairs.SelectMany(p => new[] { p.First.Index, p.Second.Index }));
        var folds = new List<Fold>();
        var layers = model.Layers;
        int offset = 0;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            LayerModel layer = layers[i];
            int channels, fanIn;
            switch (layer)
            {
                case DenseLayer d when !grouped.Contains(d.Index):
                    (channels, fanIn) = (d.Units, d.InputShape.Size);
                    break;
                case Conv2DLayer c:
                    (channels, fanIn) = (c.Filters, c.InputShape.Dims[0] * c.Kernel * c.Kernel);
                    break;
                default:
                    continue;
            }

            if (layers[i + 1] is NormLayer { Norm: NormKind.BatchNorm } norm
                && norm.InputBuffer == layer.OutputBuffer
                && norm.Channels == channels
                && norm.Channels * norm.Spatial == layer.OutputShape.Size
                && OnlyReader(model, layer.OutputBuffer, norm))
            {
                var fold = new Fold(layer, norm, offset, fanIn);
                folds.Add(fold);
                offset = (fold.End + 15) / 16 * 16; // each pair's weights start on a 64-byte boundary
                i++;
            }
        }

        return folds;
    }

    /// <summary>Whether <paramref name="reader"/> is the only layer that reads the arena buffer at <paramref name="buffer"/>.</summary>
    private static bool OnlyReader(NetworkModel model, int buffer, LayerModel reader)
        => model.Layers.All(l => ReferenceEquals(l, reader) || (l.InputBuffer != buffer && !(l is ResidualAddLayer r && r.SkipBuffer == buffer)));

    /// <summary>The header comment's lines about folding.</summary>
    public static void EmitHeader(CodeWriter w, List<Fold> folds)
    {
        if (folds.Count > 0)
        {
            w.Line("// Inference folds each batch norm into the Dense or Conv2D layer right before it: that layer runs with");
            w.Line("// W' = W·γ/√(var + ε) and b' = (b − μ)·γ/√(var + ε) + β, the batch norm's pass is skipped, and the folded weights are");
            w.Line("// recomputed whenever the parameters or buffers may have changed (FoldBatchNormForInference = false turns it off).");
            w.Line($"// Folded: {string.Join(", ", folds.Select(f => $"{f.Layer.Name} + {f.Norm.Name}"))}.");
        }
    }

    /// <summary>The line in Forward, before the first layer, that decides whether this pass runs the folded layers.</summary>
    public static void EmitUseFolded(CodeWriter w, List<Fold> folds)
    {
        if (folds.Count > 0)
        {
            w.Line("bool folded = UseFoldedBatchNorm(); // inference: batch norms folded into the layers before them (refolded when the parameters changed)");
        }
    }

    /// <summary>
    /// The lines in Forward for a foldable pair: the folded call at inference, the two layer forwards otherwise. A ReLU
    /// the batch norm runs inside its own kernel (<paramref name="fusedRelu"/>) needs its own call only when folded.
    /// </summary>
    public static void EmitForwardCalls(CodeWriter w, Fold f, LayerModel? fusedRelu)
    {
        using (w.Block("if (folded)"))
        {
            w.Line($"{f.MethodName}(batchSize); // {f.Layer.Name} + {f.Norm.Name} folded: {f.Layer.InputShape} -> {f.Norm.OutputShape}");
            if (fusedRelu is not null)
            {
                w.Line($"Layer{fusedRelu.Index}Forward(batchSize); // {fusedRelu.Name}: {fusedRelu.InputShape} -> {fusedRelu.OutputShape}");
            }
        }

        using (w.Block("else"))
        {
            w.Line($"Layer{f.Layer.Index}Forward(batchSize); // {f.Layer.Name}: {f.Layer.InputShape} -> {f.Layer.OutputShape}");
            w.Line(fusedRelu is null
                ? $"Layer{f.Norm.Index}Forward(batchSize); // {f.Norm.Name}: {f.Norm.InputShape} -> {f.Norm.OutputShape}"
                : $"Layer{f.Norm.Index}Forward(batchSize); // {f.Norm.Name} + {fusedRelu.Name} in one pass: {f.Norm.InputShape} -> {fusedRelu.OutputShape}");
        }
    }

    /// <summary>
    /// The <c>folds</c> argument of the network layout, the last one: per pair, where the layer's weights and bias, the
    /// batch norm's parameters and running statistics, and the folded values live. <c>NetworkBase</c> refolds from these
    /// rows and derives the folded buffer's size and which layers a folded pass skips.
    /// </summary>
    public static void EmitLayoutRows(CodeWriter w, List<Fold> folds)
    {
        if (folds.Count == 0)
        {
            return;
        }

        using (w.Block("folds: new global::NetGen.NetworkBase.NetworkLayout.Fold[]", "});"))
        {
            foreach (Fold f in folds)
            {
                LayerModel l = f.Layer;
                NormLayer n = f.Norm;
                string bias = HasBias(l) ? Names.P(l, "B") : "-1";
                w.Line($"// {l.Name} + {n.Name}");
                w.Line($"new(layer: {l.Index}, channels: {Names.P(n, "C")}, fanIn: {Names.P(l, "FanIn")}, epsilon: {CodeWriter.Float(n.Epsilon)},");
                w.Line($"    weights: {Names.P(l, "W")}, bias: {bias}, gamma: {Names.P(n, "Gamma")}, beta: {Names.P(n, "Beta")},");
                w.Line($"    runningMean: {Names.P(n, "RunMean")}, runningVar: {Names.P(n, "RunVar")}, foldedWeights: {Names.P(l, "FoldW")}),");
            }
        }
    }

    /// <summary>Writes the folded buffer's constants and each pair's folded forward.</summary>
    public static void EmitMembers(CodeWriter w, List<Fold> folds)
    {
        if (folds.Count == 0)
        {
            return;
        }

        w.Line();
        w.Line("// ---- Batch norm folded into the layer before it, for inference ----");
        w.Line("// Per pair: FoldW/FoldB = where its folded weights and bias start in the folded buffer (not in Parameters).");
        foreach (Fold f in folds)
        {
            w.Line($"private const int {Names.P(f.Layer, "FoldW")} = {f.WeightsOffset}, {Names.P(f.Layer, "FoldB")} = {f.BiasOffset}, {Names.P(f.Layer, "FanIn")} = {f.FanIn};");
        }

        foreach (Fold f in folds)
        {
            w.Line();
            EmitFoldedForward(w, f);
        }
    }

    private static void EmitFoldedForward(CodeWriter w, Fold f)
    {
        LayerModel l = f.Layer;
        NormLayer n = f.Norm;
        string weights = $"FoldedParameters.Slice({Names.P(l, "FoldW")}, {Names.P(n, "C")} * {Names.P(l, "FanIn")})";
        string bias = $"FoldedParameters.Slice({Names.P(l, "FoldB")}, {Names.P(n, "C")})";
        w.Summary($"Layers {l.Index}–{n.Index} inference forward ({l.Name} with {n.Name} folded in): {l.Kind} with the folded weights and bias, written as {n.Name}'s output.");
        using (w.Block($"private void {f.MethodName}(int batch)"))
        {
            if (l is Conv2DLayer c)
            {
                Conv2DEmitter.EmitForwardCall(w, c, weights, bias, Names.Y(n));
            }
            else
            {
                DenseEmitter.EmitForwardCall(w, (DenseLayer)l, weights, bias, Names.Y(n));
            }
        }
    }

    private static bool HasBias(LayerModel l) => l is DenseLayer { HasBias: true } or Conv2DLayer { HasBias: true };
}
