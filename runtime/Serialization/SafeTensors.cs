using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NetGen.Serialization;

/// <summary>How <see cref="SafeTensors.Save"/> names and annotates the tensors it writes.</summary>
public sealed class SafeTensorsSaveOptions
{
    /// <summary>
    /// Maps a NetGen tensor name (e.g. <c>conv0.weight</c>) to the name written in the file (e.g.
    /// <c>features.0.weight</c>); null writes NetGen's names, which are PyTorch <c>state_dict</c> names already.
    /// </summary>
    public Func<string, string>? NameMap { get; init; }

    /// <summary>
    /// Whether each batch-norm layer also gets the I64 scalar <c>num_batches_tracked</c> that PyTorch's
    /// <c>load_state_dict</c> expects (written as 0: NetGen does not count batches). Default true.
    /// </summary>
    public bool WriteNumBatchesTracked { get; init; } = true;

    /// <summary>Extra string pairs for the header's <c>__metadata__</c> (besides <c>format: pt</c>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>How <see cref="SafeTensors.Load(NetworkBase, string, SafeTensorsLoadOptions?)"/> matches the file's tensors with the network's.</summary>
public sealed class SafeTensorsLoadOptions
{
    /// <summary>
    /// Maps a name in the file (e.g. <c>features.0.weight</c>) to the NetGen tensor it fills (e.g. <c>conv0.weight</c>);
    /// returning null skips the file's tensor. Null uses the file's names as they are.
    /// </summary>
    public Func<string, string?>? NameMap { get; init; }

    /// <summary>
    /// When true (the default), a file tensor that fills no network tensor, or a network tensor that the file does not
    /// fill, is an error; when false they are listed in the <see cref="SafeTensorsLoadResult"/> instead.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// When true, F64, F16 and BF16 tensors are accepted and rounded or widened to float; when false (the default) only
    /// F32 is accepted, so a file of another precision is refused rather than silently converted.
    /// </summary>
    public bool ConvertFloatTypes { get; init; }
}

/// <summary>What <see cref="SafeTensors.Load(NetworkBase, string, SafeTensorsLoadOptions?)"/> did.</summary>
/// <param name="Loaded">The network tensors that were filled, by NetGen name.</param>
/// <param name="Skipped">File tensors that were not used: skipped by the name map, PyTorch's <c>num_batches_tracked</c>, and (when not strict) unexpected ones.</param>
/// <param name="Missing">Network tensors the file did not fill (always empty when strict); they keep their values.</param>
public sealed record SafeTensorsLoadResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> Skipped, IReadOnlyList<string> Missing);

/// <summary>
/// Saves and loads a network's parameters and buffers as a safetensors file with PyTorch <c>state_dict</c> names and
/// layouts, so weights move between NetGen and PyTorch (or anything else that reads safetensors). See docs/interop.md
/// for the name and layout of every layer kind.
/// </summary>
public static class SafeTensors
{
    private const string NumBatchesTracked = ".num_batches_tracked";
    private const string RunningMean = ".running_mean";

    /// <summary>
    /// Writes every parameter and buffer tensor of <paramref name="network"/> as F32 (plus batch norm's
    /// <c>num_batches_tracked</c>), layer by layer in state-dict order, atomically (temporary file, then move).
    /// </summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="options">Names and metadata, or null for PyTorch-compatible defaults.</param>
    public static void Save(NetworkBase network, string path, SafeTensorsSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ToWriter(network, options).Save(path);
    }

    /// <summary>Builds the writer <see cref="Save"/> uses, for writing to a stream or adding tensors of your own.</summary>
    /// <param name="network">The network to save.</param>
    /// <param name="options">Names and metadata, or null for PyTorch-compatible defaults.</param>
    public static SafeTensorsWriter ToWriter(NetworkBase network, SafeTensorsSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new SafeTensorsSaveOptions();
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        if (options.Metadata is not null)
        {
            foreach (KeyValuePair<string, string> pair in options.Metadata)
            {
                writer.Metadata[pair.Key] = pair.Value;
            }
        }

        string Map(string name) => options.NameMap?.Invoke(name) ?? name;
        ReadOnlySpan<float> parameters = network.Parameters;
        ReadOnlySpan<float> buffers = network.Buffers;
        foreach ((ParameterTensor tensor, bool isBuffer) in StateDictOrder(network))
        {
            ReadOnlySpan<float> source = isBuffer ? buffers : parameters;
            writer.AddFloat32(Map(tensor.Name), source.Slice(tensor.Offset, tensor.Length), tensor.Shape);
            if (isBuffer && options.WriteNumBatchesTracked && BatchNormPrefix(tensor.Name) is { } prefix && IsLastBufferOf(network, tensor, prefix))
            {
                writer.AddInt64(Map(prefix + NumBatchesTracked), [0L], ReadOnlySpan<int>.Empty);
            }
        }

        return writer;
    }

    /// <summary>
    /// Fills the parameters and buffers of <paramref name="network"/> from a safetensors file. Every tensor is checked
    /// first — name, dtype, shape, and the file's integrity — into a staging copy; the network changes only when all
    /// checks pass, so on any exception it is exactly as before.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="options">Name map, strictness and dtype conversion, or null for strict F32 loading by name.</param>
    /// <returns>Which tensors were loaded, skipped and missing.</returns>
    /// <exception cref="SafeTensorsException">The file is malformed or does not fit the network; the message names the tensor.</exception>
    public static SafeTensorsLoadResult Load(NetworkBase network, string path, SafeTensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(network, SafeTensorsFile.Read(path), options);
    }

    /// <summary>Fills a network from an already read file; see <see cref="Load(NetworkBase, string, SafeTensorsLoadOptions?)"/>.</summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="file">The parsed file.</param>
    /// <param name="options">Name map, strictness and dtype conversion, or null for strict F32 loading by name.</param>
    /// <returns>Which tensors were loaded, skipped and missing.</returns>
    /// <exception cref="SafeTensorsException">The file does not fit the network; the message names the tensor.</exception>
    public static SafeTensorsLoadResult Load(NetworkBase network, SafeTensorsFile file, SafeTensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(file);
        options ??= new SafeTensorsLoadOptions();
        string source = file.Source;

        var targets = new Dictionary<string, (ParameterTensor Tensor, bool IsBuffer)>(StringComparer.Ordinal);
        foreach ((ParameterTensor tensor, bool isBuffer) in StateDictOrder(network))
        {
            targets.Add(tensor.Name, (tensor, isBuffer));
        }

        float[] parameters = network.Parameters.ToArray();
        float[] buffers = network.Buffers.ToArray();
        var filledBy = new Dictionary<string, string>(StringComparer.Ordinal); // NetGen name → file name
        var skipped = new List<string>();
        foreach (SafeTensorInfo info in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            string? target = options.NameMap is null ? info.Name : options.NameMap(info.Name);
            string described = target is null || target == info.Name ? $"'{info.Name}'" : $"'{info.Name}' (mapped to '{target}')";
            if (target is null)
            {
                skipped.Add(info.Name);
                continue;
            }

            if (!targets.TryGetValue(target, out var slot))
            {
                if (target.EndsWith(NumBatchesTracked, StringComparison.Ordinal)
                    && targets.ContainsKey(target[..^NumBatchesTracked.Length] + RunningMean))
                {
                    CheckNumBatchesTracked(info, described, source);
                    skipped.Add(info.Name);
                    continue;
                }

                if (options.Strict)
                {
                    throw new SafeTensorsException(
                        $"{source}: tensor {described} matches no tensor of {network.GetType().Name} (its tensors: {Names(targets.Keys)}). Use a NameMap to rename or skip it, or Strict = false to ignore it.",
                        info.Name);
                }

                skipped.Add(info.Name);
                continue;
            }

            if (filledBy.TryGetValue(target, out string? earlier))
            {
                throw new SafeTensorsException($"{source}: tensors '{earlier}' and '{info.Name}' both map to '{target}'.", info.Name);
            }

            ParameterTensor tensor = slot.Tensor;
            bool floatType = info.DType is SafeTensorsDType.F32 or SafeTensorsDType.F64 or SafeTensorsDType.F16 or SafeTensorsDType.BF16;
            if (info.DType != SafeTensorsDType.F32 && !(floatType && options.ConvertFloatTypes))
            {
                string hint = floatType ? " (set ConvertFloatTypes = true to convert it to float)" : "";
                throw new SafeTensorsException(
                    $"{source}: tensor {described} has dtype {SafeTensorsFile.DTypeName(info.DType)}, but {tensor.Name} holds F32{hint}.",
                    info.Name);
            }

            if (!info.Shape.Span.SequenceEqual(tensor.Shape))
            {
                throw new SafeTensorsException(
                    $"{source}: tensor {described} has shape {info.ShapeText}, but {network.GetType().Name}'s {tensor.Name} has shape {SafeTensorsFile.FormatShape(tensor.Shape)}.",
                    info.Name);
            }

            file.ReadFloats(info, (slot.IsBuffer ? buffers : parameters).AsSpan(tensor.Offset, tensor.Length));
            filledBy.Add(target, info.Name);
        }

        var missing = targets.Keys.Where(name => !filledBy.ContainsKey(name)).ToList();
        if (missing.Count > 0 && options.Strict)
        {
            throw new SafeTensorsException(
                $"{source}: the file has no tensor for {Names(missing)} of {network.GetType().Name}. Use a NameMap if the file names them differently, or Strict = false to keep their current values.",
                missing[0]);
        }

        // Every check passed: now, and only now, the network changes.
        parameters.CopyTo(network.Parameters);
        buffers.CopyTo(network.Buffers);
        var loaded = targets.Keys.Where(filledBy.ContainsKey).ToList();
        return new SafeTensorsLoadResult(loaded, skipped, missing);
    }

    /// <summary>
    /// The network's tensors in PyTorch <c>state_dict</c> order: layer by layer, each layer's parameters (weight, bias)
    /// then its buffers (running mean, running variance).
    /// </summary>
    private static IEnumerable<(ParameterTensor Tensor, bool IsBuffer)> StateDictOrder(NetworkBase network) =>
        network.ParameterTensors.Select(t => (t, false))
            .Concat(network.BufferTensors.Select(t => (t, true)))
            .OrderBy(x => x.t.LayerIndex); // stable: parameters before buffers within a layer

    private static string? BatchNormPrefix(string bufferName) =>
        bufferName.EndsWith(".running_var", StringComparison.Ordinal) ? bufferName[..^".running_var".Length] : null;

    private static bool IsLastBufferOf(NetworkBase network, ParameterTensor tensor, string prefix) =>
        network.BufferTensors.Any(b => b.Name == prefix + RunningMean && b.LayerIndex == tensor.LayerIndex);

    private static void CheckNumBatchesTracked(SafeTensorInfo info, string described, string source)
    {
        bool integer = info.DType is SafeTensorsDType.I64 or SafeTensorsDType.I32 or SafeTensorsDType.U64 or SafeTensorsDType.U32;
        if (!integer || info.ElementCount != 1)
        {
            throw new SafeTensorsException(
                $"{source}: tensor {described} should be PyTorch's integer scalar num_batches_tracked but is {SafeTensorsFile.DTypeName(info.DType)} {info.ShapeText}.",
                info.Name);
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Select(n => "'" + n + "'").ToList();
        string shown = string.Join(", ", list.Take(8));
        return list.Count > 8 ? shown + string.Create(CultureInfo.InvariantCulture, $", … ({list.Count} in all)") : shown;
    }
}
