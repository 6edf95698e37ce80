using System.Collections.Generic;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Two dense layers with a stateless activation between them (<c>[Dense] [ReLU] [Dense]</c>) form one group: its only
/// forward path is one <c>Dense.ForwardPair</c> call, which writes the three layers' outputs and, for small batches on
/// several threads, runs them as a single parallel job (one hand-off between cores instead of two). Its backward runs
/// the three layer backwards in reverse. Forward, Backward and Profile all go through the group's two methods.
/// </summary>
internal static class DensePairEmitter
{
    /// <summary>A fused run of three consecutive layers.</summary>
    internal sealed record Pair(DenseLayer First, ActivationLayer Activation, DenseLayer Second)
    {
        public string MethodName => $"Layers{First.Index}To{Second.Index}Forward";

        public string BackwardMethodName => $"Layers{First.Index}To{Second.Index}Backward";
    }

    /// <summary>
    /// The pairs of a network, left to right without overlap: each Dense (no DropConnect, whose mask makes the
    /// training pass different) → activation the fused kernel can run → Dense (no DropConnect) whose buffers chain directly.
    /// </summary>
    public static List<Pair> Find(NetworkModel model)
    {
        var pairs = new List<Pair>();
        var layers = model.Layers;
        for (int i = 0; i + 2 < layers.Count; i++)
        {
            if (layers[i] is DenseLayer { DropConnectP: <= 0 } first
                && layers[i + 1] is ActivationLayer { Function.FusedFunction: not null } activation
                && layers[i + 2] is DenseLayer { DropConnectP: <= 0 } second
                && activation.InputBuffer == first.OutputBuffer
                && second.InputBuffer == activation.OutputBuffer)
            {
                pairs.Add(new Pair(first, activation, second));
                i += 2;
            }
        }

        return pairs;
    }

    /// <summary>The line in Forward that replaces the three layer calls.</summary>
    public static string ForwardCall(Pair p) =>
        $"{p.MethodName}(batchSize{(ReadsInput(p) ? ", input" : "")}); // {p.First.Name} + {p.Activation.Name} + {p.Second.Name}: {p.First.InputShape} -> {p.First.OutputShape} -> {p.Second.OutputShape}";

    /// <summary>The line in Backpropagate (and the Profile dispatch) for the group's backward.</summary>
    public static string BackwardCall(Pair p) => $"{p.BackwardMethodName}(batch); // {p.Second.Name} + {p.Activation.Name} + {p.First.Name}";

    /// <summary>The Profile dispatch's call of the group's backward.</summary>
    public static string ProfileBackwardCall(Pair p) => $"{p.BackwardMethodName}(batch); break; // {p.Second.Name} + {p.Activation.Name} + {p.First.Name}";

    /// <summary>The Profile dispatch's call of the group's forward (reading the arena copy of the input, if it reads the input).</summary>
    public static string ProfileForwardCall(Pair p)
        => $"{p.MethodName}(batch{(ReadsInput(p) ? $", {Names.X(p.First)}" : "")}); break; // {p.First.Name} + {p.Activation.Name} + {p.Second.Name}";

    /// <summary>
    /// Whether the pair starts at the network input: then it reads the caller's span rather than the arena copy that
    /// <c>BeginForward</c> has just written (kept for the backward pass), so the worker threads read memory the caller
    /// did not just write — each of those cache lines would otherwise cross between cores on every call.
    /// </summary>
    internal static bool ReadsInput(Pair p) => p.First.Index == 0 && p.First.InputIsNetworkInput;

    /// <summary>Writes the group's forward (one fused kernel call) and its backward (the layer backwards in reverse).</summary>
    public static void EmitMethods(CodeWriter w, Pair p)
    {
        DenseLayer a = p.First, b = p.Second;
        ActivationLayer f = p.Activation;
        w.Summary(
            $"Layers {a.Index}–{b.Index} forward ({a.Name}, {f.Name}, {b.Name}) in one call: y1 = x·W1ᵀ{(a.HasBias ? " + b1" : "")}, "
            + $"a1 = {f.Kind}(y1), y2 = a1·W2ᵀ{(b.HasBias ? " + b2" : "")}; small batches run as one parallel job.");
        if (ReadsInput(p))
        {
            w.Line($"/// <param name=\"batch\">The number of samples.</param>");
            w.Line($"/// <param name=\"input\">The caller's input (already checked), read directly instead of its copy in the arena.</param>");
        }

        using (w.Block(ReadsInput(p) ? $"private void {p.MethodName}(int batch, global::System.ReadOnlySpan<float> input)" : $"private void {p.MethodName}(int batch)"))
        {
            string alpha = CodeWriter.Float(f.Function.Alpha ?? 0f);
            w.Call(
                $"{Names.Kernels}.Dense.ForwardPair",
                "batch: batch",
                $"inputs: {Names.P(a, "In")}",
                $"hidden: {Names.P(a, "Out")}",
                $"outputs: {Names.P(b, "Out")}",
                ReadsInput(p) ? "x: input" : $"x: {Names.X(a)}",
                $"weights1: {DenseEmitter.Weights(a, "Parameters")}",
                $"bias1: {DenseEmitter.Bias(a, "Parameters")}",
                $"y1: {Names.Y(a)}",
                $"activation: {Names.Kernels}.ActivationFunction.{f.Function.FusedFunction}",
                $"alpha: {alpha}",
                $"a1: {Names.Y(f)}",
                $"weights2: {DenseEmitter.Weights(b, "Parameters")}",
                $"bias2: {DenseEmitter.Bias(b, "Parameters")}",
                $"y2: {Names.Y(b)}",
                $"packed1: {DenseEmitter.PackedWeights(a)}",
                $"packed2: {DenseEmitter.PackedWeights(b)}");
        }

        w.Line();
        w.Summary($"Layers {a.Index}–{b.Index} backward ({b.Name}, {f.Name}, {a.Name}): the mirror of the group's forward, layer by layer.");
        using (w.Block($"private void {p.BackwardMethodName}(int batch)"))
        {
            foreach (LayerModel layer in new LayerModel[] { b, f, a })
            {
                if (LayerDefinitions.EmitterFor(layer).HasBackward(layer))
                {
                    w.Line($"Layer{layer.Index}Backward(batch);");
                }
            }
        }
    }
}
