using System;
using System.Collections.Generic;
using System.Text;
using NetGen.Serialization;

namespace NetGen.Transfer;

/// <summary>How <see cref="TransferLearning.LoadMatching(NetworkBase, NetworkBase, TensorMatch, Func{string, bool}?, bool, bool)"/> pairs target tensors with source tensors.</summary>
public enum TensorMatch
{
    /// <summary>A target tensor takes the source tensor of the same name (e.g. <c>dense0.weight</c>).</summary>
    Name = 0,

    /// <summary>The i-th parameter (or buffer) tensor of the target takes the i-th of the source, whatever their names.</summary>
    Position = 1,
}

/// <summary>One tensor that <see cref="TransferLearning"/> copied.</summary>
/// <param name="TargetName">The tensor's name in the target network.</param>
/// <param name="SourceName">The name of the tensor it was copied from.</param>
/// <param name="Shape">The shape both share.</param>
/// <param name="IsBuffer">Whether it is a buffer (running statistics) rather than a learned parameter.</param>
public sealed record CopiedTensor(string TargetName, string SourceName, TensorShape Shape, bool IsBuffer);

/// <summary>One target tensor that <see cref="TransferLearning"/> left untouched, and why.</summary>
/// <param name="TargetName">The tensor's name in the target network.</param>
/// <param name="IsBuffer">Whether it is a buffer rather than a learned parameter.</param>
/// <param name="Reason">Why it was not copied (no match, excluded by the filter, or a shape mismatch naming both shapes).</param>
public sealed record SkippedTensor(string TargetName, bool IsBuffer, string Reason);

/// <summary>What a <see cref="TransferLearning"/> call copied and what it left alone.</summary>
/// <param name="Copied">The tensors copied, in target order (parameters first, then buffers).</param>
/// <param name="Skipped">The target tensors left untouched, with the reason.</param>
public sealed record TransferReport(IReadOnlyList<CopiedTensor> Copied, IReadOnlyList<SkippedTensor> Skipped)
{
    /// <summary>The number of floats copied.</summary>
    public long CopiedValues
    {
        get
        {
            long total = 0;
            foreach (CopiedTensor t in Copied)
            {
                long n = 1;
                foreach (int d in t.Shape)
                {
                    n *= d;
                }

                total += n;
            }

            return total;
        }
    }

    /// <summary>A readable list: one line per copied or skipped tensor.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Copied ").Append(Copied.Count).Append(" tensors (").Append(CopiedValues).Append(" values), skipped ").Append(Skipped.Count).Append('\n');
        foreach (CopiedTensor t in Copied)
        {
            sb.Append("  copied  ").Append(t.TargetName);
            if (t.SourceName != t.TargetName)
            {
                sb.Append(" <- ").Append(t.SourceName);
            }

            sb.Append(" [").Append(string.Join(", ", t.Shape)).Append("]\n");
        }

        foreach (SkippedTensor t in Skipped)
        {
            sb.Append("  skipped ").Append(t.TargetName).Append(": ").Append(t.Reason).Append('\n');
        }

        return sb.ToString();
    }
}

/// <summary>
/// Transfer learning: copies the parameters (and buffers) of a pretrained network or checkpoint into another network
/// wherever tensors match by name or position and have the same shape, e.g. a feature extractor into a network with a
/// new head. Every pair is checked before anything is copied, so an error leaves the target untouched.
/// </summary>
public static class TransferLearning
{
    /// <summary>Copies the matching tensors of <paramref name="source"/> into <paramref name="target"/>.</summary>
    /// <param name="target">The network to copy into.</param>
    /// <param name="source">The pretrained network.</param>
    /// <param name="by">How tensors are paired.</param>
    /// <param name="layers">Only target layers whose name this accepts take part (e.g. <c>n =&gt; n != "dense4"</c>), or null for all.</param>
    /// <param name="skipMismatches">Leave pairs of different shapes untouched instead of throwing.</param>
    /// <param name="includeBuffers">Also copy buffers (batch-norm running statistics).</param>
    /// <returns>What was copied and what was skipped.</returns>
    /// <exception cref="ArgumentException">A pair has different shapes (the message names both) and <paramref name="skipMismatches"/> is false; nothing was copied.</exception>
    public static TransferReport LoadMatching(NetworkBase target, NetworkBase source, TensorMatch by = TensorMatch.Name, Func<string, bool>? layers = null, bool skipMismatches = false, bool includeBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        return LoadMatching(target, source.ParameterTensors, source.Parameters, source.BufferTensors, source.Buffers, source.GetType().Name, by, layers, skipMismatches, includeBuffers);
    }

    /// <summary>Copies the matching tensors of a checkpoint (its saved tensor tables and values) into <paramref name="target"/>.</summary>
    /// <param name="target">The network to copy into.</param>
    /// <param name="source">The checkpoint of the pretrained network.</param>
    /// <param name="by">How tensors are paired.</param>
    /// <param name="layers">Only target layers whose name this accepts take part, or null for all.</param>
    /// <param name="skipMismatches">Leave pairs of different shapes untouched instead of throwing.</param>
    /// <param name="includeBuffers">Also copy buffers (batch-norm running statistics).</param>
    /// <returns>What was copied and what was skipped.</returns>
    /// <exception cref="ArgumentException">A pair has different shapes and <paramref name="skipMismatches"/> is false; nothing was copied.</exception>
    public static TransferReport LoadMatching(NetworkBase target, Checkpoint source, TensorMatch by = TensorMatch.Name, Func<string, bool>? layers = null, bool skipMismatches = false, bool includeBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        string name = source.SourcePath is null ? "the checkpoint" : $"checkpoint '{source.SourcePath}'";
        return LoadMatching(target, source.ParameterTensors, source.Parameters, source.BufferTensors, source.Buffers, name, by, layers, skipMismatches, includeBuffers);
    }

    private static TransferReport LoadMatching(
        NetworkBase target,
        IReadOnlyList<ParameterTensor> sourceParameters,
        ReadOnlySpan<float> sourceParameterValues,
        IReadOnlyList<ParameterTensor> sourceBuffers,
        ReadOnlySpan<float> sourceBufferValues,
        string sourceName,
        TensorMatch by,
        Func<string, bool>? layers,
        bool skipMismatches,
        bool includeBuffers)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (by is not (TensorMatch.Name or TensorMatch.Position))
        {
            throw new ArgumentOutOfRangeException(nameof(by), by, "Match by Name or Position.");
        }

        var copies = new List<(ParameterTensor Target, ParameterTensor Source, bool IsBuffer)>();
        var skipped = new List<SkippedTensor>();
        var mismatches = new List<string>();
        Plan(target, target.ParameterTensors, sourceParameters, isBuffer: false, by, layers, copies, skipped, mismatches, sourceName);
        if (includeBuffers)
        {
            Plan(target, target.BufferTensors, sourceBuffers, isBuffer: true, by, layers, copies, skipped, mismatches, sourceName);
        }

        if (mismatches.Count > 0 && !skipMismatches)
        {
            throw new ArgumentException(
                $"Cannot copy from {sourceName} into {target.GetType().Name}: {string.Join("; ", mismatches)}. Nothing was copied; pass skipMismatches: true to leave such tensors untouched, or exclude their layers with the layers filter.",
                nameof(target));
        }

        // Every pair is valid: only now does the target change.
        var copied = new List<CopiedTensor>(copies.Count);
        foreach ((ParameterTensor t, ParameterTensor s, bool isBuffer) in copies)
        {
            ReadOnlySpan<float> from = isBuffer ? sourceBufferValues : sourceParameterValues;
            Span<float> to = isBuffer ? target.Buffers : target.Parameters;
            from.Slice(s.Offset, s.Length).CopyTo(to.Slice(t.Offset, t.Length));
            copied.Add(new CopiedTensor(t.Name, s.Name, t.Shape, isBuffer));
        }

        return new TransferReport(copied, skipped);
    }

    private static void Plan(
        NetworkBase target,
        IReadOnlyList<ParameterTensor> targets,
        IReadOnlyList<ParameterTensor> sources,
        bool isBuffer,
        TensorMatch by,
        Func<string, bool>? layers,
        List<(ParameterTensor, ParameterTensor, bool)> copies,
        List<SkippedTensor> skipped,
        List<string> mismatches,
        string sourceName)
    {
        Dictionary<string, ParameterTensor>? byName = null;
        if (by == TensorMatch.Name)
        {
            byName = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
            foreach (ParameterTensor s in sources)
            {
                byName.TryAdd(s.Name, s);
            }
        }

        string kind = isBuffer ? "buffer" : "parameter";
        for (int i = 0; i < targets.Count; i++)
        {
            ParameterTensor t = targets[i];
            string layer = LayerName(target, t);
            if (layers is not null && !layers(layer))
            {
                skipped.Add(new SkippedTensor(t.Name, isBuffer, $"layer '{layer}' is excluded by the layers filter"));
                continue;
            }

            ParameterTensor? s = null;
            if (byName is not null)
            {
                byName.TryGetValue(t.Name, out s);
            }
            else if (i < sources.Count)
            {
                s = sources[i];
            }

            if (s is null)
            {
                skipped.Add(new SkippedTensor(t.Name, isBuffer, by == TensorMatch.Name
                    ? $"{sourceName} has no {kind} tensor of that name"
                    : $"{sourceName} has only {sources.Count} {kind} tensors"));
                continue;
            }

            if (t.Shape != s.Shape || t.Length != s.Length)
            {
                string problem = $"'{t.Name}' has shape [{string.Join(", ", t.Shape)}] in the target but the source's '{s.Name}' has shape [{string.Join(", ", s.Shape)}]";
                mismatches.Add(problem);
                skipped.Add(new SkippedTensor(t.Name, isBuffer, problem));
                continue;
            }

            copies.Add((t, s, isBuffer));
        }
    }

    private static string LayerName(NetworkBase network, ParameterTensor tensor)
    {
        IReadOnlyList<LayerInfo> layers = network.Layers;
        if ((uint)tensor.LayerIndex < (uint)layers.Count)
        {
            return layers[tensor.LayerIndex].Name;
        }

        int dot = tensor.Name.LastIndexOf('.');
        return dot < 0 ? tensor.Name : tensor.Name[..dot];
    }
}
