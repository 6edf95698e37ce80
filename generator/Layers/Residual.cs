using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Residual(typeof(Block))]</c>.</summary>
internal sealed class ResidualArguments
{
    /// <summary>The block class's full name (the parser reads its layers into the spec's block).</summary>
    public string Block { get; set; } = "";

    /// <summary>The probability that a sample keeps the branch in training (stochastic depth); 1 keeps it always.</summary>
    public float Survival { get; set; } = 1f;
}

/// <summary>The end of a residual block: <c>y = skip + mask·branch</c>, with per-sample stochastic-depth masks when Survival &lt; 1.</summary>
internal sealed record ResidualAddLayer(string Block, int SkipBuffer, float Survival, int MaskBuffer, int FirstLayer) : LayerModel;

/// <summary><c>[Residual(typeof(Block))]</c>: inlines the block's layers, then adds the skip; shapes must match.</summary>
internal sealed class ResidualDefinition : LayerDefinition<ResidualArguments>
{
    /// <inheritdoc />
    public override string Name => "Residual";

    /// <inheritdoc />
    public override ILayerEmitter Emitter { get; } = new ResidualEmitter();

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<ResidualArguments> args, LayerContext context)
    {
        checked
        {
            float survival = args.Check(nameof(ResidualArguments.Survival), args.Values.Survival, v => v > 0f && v <= 1f, "in (0, 1]");
            BlockSpec? block = spec.Block;
            if (block is null)
            {
                return; // typeof(...) did not bind; the compiler reports it
            }

            if (!block.IsMarked || block.IsRecursive)
            {
                b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotABlock, spec.Location, block.Name, block.IsRecursive ? "contains itself" : "is not marked [Block]"));
                return;
            }

            if (block.Layers.Count == 0)
            {
                b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, spec.Location, block.Name, "it declares no layers"));
                return;
            }

            Shape skipShape = b.Current;
            int skipBuffer = b.CurrentBuffer;
            int first = b.Layers.Count;
            int before = b.Diagnostics.Count;
            int id = b.NextResidualId();
            b.AddLayers(block.Layers, $"{context.Prefix}res{id}.", inBlock: true);
            if (b.Diagnostics.Count > before)
            {
                // Report the block's own problems at the use site too, so the network's author sees why it fails.
                DiagnosticInfo firstProblem = b.Diagnostics[before];
                string message = string.Format(CultureInfo.InvariantCulture, Diagnostics.Find(firstProblem.Id).MessageFormat.ToString(CultureInfo.InvariantCulture), firstProblem.Arguments.Cast<object>().ToArray());
                b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, spec.Location, block.Name, $"{firstProblem.Id}: {message}"));
                return;
            }

            if (b.Current != skipShape)
            {
                b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ResidualShapeMismatch, spec.Location, block.Name, skipShape.ToString(), b.Current.ToString()));
                return;
            }

            int size = b.Current.Size;
            int mask = survival < 1f ? b.Arena + size : -1;
            var model = new ResidualAddLayer(block.Name, skipBuffer, survival, mask, first);
            b.Append(spec, context.Prefix, $"res{id}.add", model, b.Current, extraArena: survival < 1f ? 1 : 0, exactName: true);
        }
    }
}

/// <summary>
/// The end of a residual block: <c>y = skip + branch</c> (with stochastic depth, <c>skip + mask_b·branch</c> in training
/// and <c>skip + survival·branch</c> at inference). Backward sends dy to both the skip and the branch.
/// </summary>
internal sealed class ResidualEmitter : LayerEmitter<ResidualAddLayer>
{
    public override string Describe(ResidualAddLayer r)
    {
        return $"Residual add of block {r.Block} (layers {r.FirstLayer}..{r.Index - 1}) on {r.OutputShape}{(r.Survival < 1 ? $", stochastic depth survival {CodeWriter.Float(r.Survival).TrimEnd('f')}" : "")}";
    }

    public override string ExtraConstants(ResidualAddLayer r)
    {
        return $"{Names.P(r, "Skip")} = {r.SkipBuffer}" + (r.Survival < 1 ? $", {Names.P(r, "Mask")} = {r.MaskBuffer}" : "");
    }

    /// <summary>Both the branch's output gradient and the skip buffer's: backward adds dy into each.</summary>
    public override IEnumerable<GradientBuffer> InputGradientBuffers(ResidualAddLayer r) =>
        new[] { GradientBuffer.InputOf(r), new GradientBuffer(r.SkipBuffer, Names.P(r, "Skip"), Names.P(r, "Out")) };

    public override bool HasForward(ResidualAddLayer layer) => true;

    public override bool HasBackward(ResidualAddLayer layer) => true;

    public override void EmitForward(CodeWriter w, ResidualAddLayer r)
    {
        w.Summary($"Layer {r.Index} forward ({r.Name}): y = skip + branch, closing the residual block {r.Block}.");
        using (w.Block($"private void Layer{r.Index}Forward(int batch)"))
        {
            w.Line($"{Skip(r)}.CopyTo({Names.Y(r)});");
            if (r.Survival >= 1)
            {
                w.Call($"{Names.Kernels}.Elementwise.Add", $"x: {Names.X(r)}", $"y: {Names.Y(r)}");
                return;
            }

            using (w.Block("if (TrainingForward)"))
            {
                w.Line($"// Stochastic depth: each sample keeps the branch with probability {CodeWriter.Float(r.Survival).TrimEnd('f')}.");
                using (w.Block("if (!FreezeRandomness)"))
                {
                    w.Call($"{Names.Kernels}.StochasticDepth.FillSampleMask", "batch: batch", $"survival: {CodeWriter.Float(r.Survival)}", $"mask: {Mask(r)}", "rng: Random");
                }

                AddScaledRows(w, r);
            }

            using (w.Block("else"))
            {
                w.Line($"{Mask(r)}.Fill({CodeWriter.Float(r.Survival)});");
                AddScaledRows(w, r);
            }
        }
    }

    public override void EmitBackward(CodeWriter w, ResidualAddLayer r)
    {
        w.Summary($"Layer {r.Index} backward ({r.Name}): dskip += dy and dbranch += dy{(r.Survival < 1 ? " ⊙ mask" : "")}.");
        using (w.Block($"private void Layer{r.Index}Backward(int batch)"))
        {
            w.Call($"{Names.Kernels}.Elementwise.Add", $"x: {Names.DY(r)}", $"y: {DSkip(r)}");
            if (r.Survival < 1)
            {
                w.Call($"{Names.Kernels}.StochasticDepth.ScaledRowsBackward", "batch: batch", $"perSample: {Names.P(r, "Out")}", $"mask: {Mask(r)}", $"dy: {Names.DY(r)}", $"dBranch: {Names.DX(r)}");
            }
            else
            {
                w.Call($"{Names.Kernels}.Elementwise.Add", $"x: {Names.DY(r)}", $"y: {Names.DX(r)}");
            }
        }
    }

    /// <summary>y += mask[b]·branch[b], sample by sample (the mask holds 0 or 1 in training, the survival probability at inference).</summary>
    private static void AddScaledRows(CodeWriter w, ResidualAddLayer r)
        => w.Call($"{Names.Kernels}.StochasticDepth.AddScaledRows", "batch: batch", $"perSample: {Names.P(r, "Out")}", $"branch: {Names.X(r)}", $"mask: {Mask(r)}", $"y: {Names.Y(r)}");

    /// <summary>ONNX: <c>Add(skip, branch)</c>; with stochastic depth the branch is first scaled by the survival probability (<c>Mul</c>), as at inference.</summary>
    public override string EmitOnnx(CodeWriter w, ResidualAddLayer r, OnnxTensors tensors)
    {
        string branch = tensors.Input(r);
        if (r.Survival < 1)
        {
            w.Line(Onnx.Node("Mul", r.Name + "/scaled", branch, $"g.Constant({Onnx.Q(r.Name + "/survival")}, {CodeWriter.Float(r.Survival)})") + ";");
            branch = r.Name + "/scaled";
        }

        w.Line(Onnx.Node("Add", r.Name, tensors.At(r.SkipBuffer), branch) + ";");
        return r.Name;
    }

    private static string Skip(ResidualAddLayer r) => $"Activation({Names.P(r, "Skip")}, {Names.P(r, "Out")}, batch)";

    private static string DSkip(ResidualAddLayer r) => $"ActivationGradient({Names.P(r, "Skip")}, {Names.P(r, "Out")}, batch)";

    private static string Mask(ResidualAddLayer r) => Names.Extra(r, "Mask", "1");
}
