using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Who writes each activation-gradient buffer first in a backward pass. Backward runs the layers in reverse and each
/// layer's kernel adds its input gradient into a buffer; instead of clearing the whole gradient arena before every
/// backward pass (31.6 MB per batch of 64 for the sample CNN, on one thread), the first layer to reach a buffer writes
/// it: its kernel overwrites (<c>overwriteDx: true</c>, where the emitter says its kernel can) or the buffer is cleared
/// just before that layer's call. Later writers of the same buffer (the block input of a residual connection, which
/// the residual add and the block's first layer both reach) add to it as before.
/// </summary>
internal static class GradientWrites
{
    /// <summary>
    /// The model with <see cref="LayerModel.FirstGradientWrite"/> set on every layer that writes its input gradient
    /// before any other layer writes that buffer (in backward order, highest index first).
    /// </summary>
    public static NetworkModel Mark(NetworkModel model)
    {
        var written = new HashSet<int>();
        var layers = model.Layers.ToArray();
        for (int i = layers.Length - 1; i >= 0; i--)
        {
            LayerModel layer = layers[i];
            ILayerEmitter e = LayerDefinitions.EmitterFor(layer);
            bool first = false;
            foreach (GradientBuffer buffer in e.InputGradientBuffers(layer))
            {
                // Only the layer's own input gradient can be overwritten; a residual add's skip buffer is cleared instead.
                first |= written.Add(buffer.Offset) && buffer.Offset == layer.InputBuffer;
            }

            layers[i] = first == layer.FirstGradientWrite ? layer : layer with { FirstGradientWrite = first };
        }

        return model with { Layers = layers.ToEquatableArray() };
    }

    /// <summary>
    /// The buffers (per-sample arena offsets with their floats per sample) to clear just before
    /// <paramref name="layer"/>'s backward call: those it writes first but adds to, because its kernel cannot overwrite.
    /// </summary>
    public static IEnumerable<GradientBuffer> ClearsBefore(NetworkModel model, LayerModel layer)
    {
        ILayerEmitter e = LayerDefinitions.EmitterFor(layer);
        var written = new HashSet<int>();
        foreach (LayerModel later in model.Layers.Where(l => l.Index > layer.Index))
        {
            written.UnionWith(LayerDefinitions.EmitterFor(later).InputGradientBuffers(later).Select(b => b.Offset));
        }

        foreach (GradientBuffer buffer in e.InputGradientBuffers(layer))
        {
            bool overwrites = buffer.Offset == layer.InputBuffer && layer.FirstGradientWrite && e.OverwritesInputGradient(layer);
            if (written.Add(buffer.Offset) && !overwrites)
            {
                yield return buffer;
            }
        }
    }

    /// <summary>
    /// The kernel argument that makes <paramref name="layer"/>'s backward write its input gradient, if it is the
    /// buffer's first writer (for emitters whose kernel takes <c>overwriteDx</c>); else nothing (the kernel adds).
    /// </summary>
    public static string[] OverwriteArgument(LayerModel layer) =>
        layer.FirstGradientWrite ? new[] { "overwriteDx: true" } : System.Array.Empty<string>();

    /// <summary>How a summary writes the layer's input gradient: <c>=</c> where it overwrites the buffer, else <c>+=</c>.</summary>
    public static string Operator(LayerModel layer) => layer.FirstGradientWrite ? "=" : "+=";

    /// <summary>The line that clears <paramref name="buffer"/> for the current batch.</summary>
    public static string ClearLine(GradientBuffer buffer) => $"ActivationGradient({buffer.OffsetName}, {buffer.SizeName}, batch).Clear();";
}

/// <summary>An activation-gradient buffer a layer's backward adds into: its per-sample arena offset and the named constants of that offset and of its floats per sample.</summary>
internal readonly record struct GradientBuffer(int Offset, string OffsetName, string SizeName)
{
    /// <summary>The layer's input gradient (<see cref="Names.DX"/>).</summary>
    public static GradientBuffer InputOf(LayerModel layer) => new(layer.InputBuffer, Names.P(layer, "X"), Names.P(layer, "In"));
}
