using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace NetGen.Serialization;

/// <summary>The element types of the safetensors format, named as in the file's <c>dtype</c> field.</summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte (<c>BOOL</c>).</summary>
    Bool = 0,

    /// <summary>Unsigned 8-bit integer (<c>U8</c>).</summary>
    U8,

    /// <summary>Signed 8-bit integer (<c>I8</c>).</summary>
    I8,

    /// <summary>8-bit float with 5 exponent bits (<c>F8_E5M2</c>).</summary>
    F8E5M2,

    /// <summary>8-bit float with 4 exponent bits (<c>F8_E4M3</c>).</summary>
    F8E4M3,

    /// <summary>Signed 16-bit integer (<c>I16</c>).</summary>
    I16,

    /// <summary>Unsigned 16-bit integer (<c>U16</c>).</summary>
    U16,

    /// <summary>IEEE-754 half precision (<c>F16</c>).</summary>
    F16,

    /// <summary>Brain float, the upper 16 bits of a float (<c>BF16</c>).</summary>
    BF16,

    /// <summary>Signed 32-bit integer (<c>I32</c>).</summary>
    I32,

    /// <summary>Unsigned 32-bit integer (<c>U32</c>).</summary>
    U32,

    /// <summary>IEEE-754 single precision (<c>F32</c>), what NetGen computes in.</summary>
    F32,

    /// <summary>IEEE-754 double precision (<c>F64</c>).</summary>
    F64,

    /// <summary>Signed 64-bit integer (<c>I64</c>), e.g. PyTorch's <c>num_batches_tracked</c>.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer (<c>U64</c>).</summary>
    U64,
}

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name, e.g. <c>conv0.weight</c>.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its shape (empty for a scalar), compared by value: two entries with equal fields are equal.</param>
/// <param name="DataStart">Where its bytes start, relative to the data buffer after the header.</param>
/// <param name="DataEnd">Where its bytes end (exclusive), relative to the data buffer.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, ValueArray<int> Shape, long DataStart, long DataEnd)
{
    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    /// <summary>The shape written as PyTorch prints it, e.g. <c>[256, 784]</c>.</summary>
    public string ShapeText => SafeTensorsFile.FormatShape(Shape.Span);
}

/// <summary>
/// A safetensors file is malformed, or does not fit the network it is loaded into. <see cref="TensorName"/> names the
/// tensor at fault when there is one. It is an <see cref="IOException"/>, like the errors of reading the file itself.
/// </summary>
public sealed class SafeTensorsException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file and the tensor.</param>
    /// <param name="tensorName">The tensor at fault, or null when the problem is not one tensor's.</param>
    public SafeTensorsException(string message, string? tensorName = null)
        : base(message)
    {
        TensorName = tensorName;
    }

    /// <summary>The name (as written in the file) of the tensor at fault, or null.</summary>
    public string? TensorName { get; }
}

/// <summary>
/// A parsed and validated safetensors file (Hugging Face's format, the one PyTorch users exchange weights in): an
/// 8-byte little-endian header length, a UTF-8 JSON header mapping each tensor name to its <c>dtype</c>, <c>shape</c> and
/// <c>data_offsets</c> (plus an optional <c>__metadata__</c> map of strings), then the raw little-endian data.
/// </summary>
/// <remarks>
/// Reading checks everything the format requires before any tensor is used: the header length (at most 100 MB and
/// inside the file), a JSON object starting with <c>{</c> and padded only with spaces, no duplicate names, known dtypes,
/// non-negative shapes, offsets whose size matches dtype × shape, and tensors that tile the data buffer exactly — no
/// overlap, no hole, nothing past the end (a truncated file) and nothing left over.
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header the reader accepts (100 MB, the limit of the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string source, byte[] bytes, long dataStart, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        _bytes = bytes;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafeTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (SafeTensorInfo t in tensors)
        {
            _byName.Add(t.Name, t);
        }
    }

    /// <summary>The file name (or the description given to <see cref="Parse"/>) used in messages.</summary>
    public string Source { get; }

    /// <summary>The tensors in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SafeTensorsException">The file is malformed or truncated.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Validates the bytes of a safetensors file held in memory (the array is kept, not copied).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">A name for messages, e.g. the file name.</param>
    /// <exception cref="SafeTensorsException">The bytes are not a valid safetensors file.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string source = "safetensors data")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(source);
        if (bytes.Length < 8)
        {
            throw new SafeTensorsException($"{source}: the file has {bytes.Length} bytes, fewer than the 8-byte header length (truncated?).");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsException($"{source}: the header length is {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit (not a safetensors file?).");
        }

        if (8 + (long)headerLength > bytes.Length)
        {
            throw new SafeTensorsException($"{source}: the header length is {headerLength} bytes but the file has only {bytes.Length - 8} bytes after the length (truncated?).");
        }

        var header = new ReadOnlySpan<byte>(bytes, 8, (int)headerLength);
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw new SafeTensorsException($"{source}: the header does not start with '{{' (not a safetensors file?).");
        }

        (List<SafeTensorInfo> tensors, Dictionary<string, string> metadata) = ParseHeader(header, source);
        long dataStart = 8 + (long)headerLength;
        CheckDataLayout(tensors, bytes.Length - dataStart, source);
        return new SafeTensorsFile(source, bytes, dataStart, tensors, metadata);
    }

    /// <summary>Looks a tensor up by its name in the file.</summary>
    /// <param name="name">The name.</param>
    /// <param name="info">The tensor's entry, when found.</param>
    /// <returns>Whether the file holds the tensor.</returns>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensorInfo? info) =>
        _byName.TryGetValue(name, out info);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafeTensorInfo GetTensor(string name) =>
        _byName.TryGetValue(name, out SafeTensorInfo? info) ? info : throw new KeyNotFoundException($"{Source} has no tensor '{name}'.");

    /// <summary>The raw little-endian bytes of a tensor.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    public ReadOnlySpan<byte> GetBytes(SafeTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new ReadOnlySpan<byte>(_bytes, checked((int)(_dataStart + tensor.DataStart)), checked((int)(tensor.DataEnd - tensor.DataStart)));
    }

    /// <summary>Reads a floating-point tensor as floats: F32 as is; F64, F16 and BF16 rounded or widened to float.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <exception cref="SafeTensorsException">The tensor is not of a floating-point type.</exception>
    public float[] ReadFloats(string name)
    {
        SafeTensorInfo info = GetTensor(name);
        var values = new float[checked((int)info.ElementCount)];
        ReadFloats(info, values);
        return values;
    }

    /// <summary>Reads a floating-point tensor into <paramref name="destination"/>, converting F64, F16 and BF16 to float.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> floats.</param>
    /// <exception cref="SafeTensorsException">The tensor is not of a floating-point type.</exception>
    public void ReadFloats(SafeTensorInfo tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        }

        ReadOnlySpan<byte> raw = GetBytes(tensor);
        switch (tensor.DType)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i));
                }

                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(8 * i));
                }

                break;
            case SafeTensorsDType.F16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.Slice(2 * i));
                }

                break;
            case SafeTensorsDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i)) << 16);
                }

                break;
            default:
                throw new SafeTensorsException($"{Source}: tensor '{tensor.Name}' has dtype {DTypeName(tensor.DType)}, which is not a floating-point type.", tensor.Name);
        }
    }

    /// <summary>The name the format uses for a dtype, e.g. <c>F32</c> or <c>F8_E4M3</c>.</summary>
    /// <param name="dtype">The dtype.</param>
    public static string DTypeName(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool => "BOOL",
        SafeTensorsDType.F8E5M2 => "F8_E5M2",
        SafeTensorsDType.F8E4M3 => "F8_E4M3",
        _ => dtype.ToString(),
    };

    /// <summary>The size of one element of a dtype in bytes.</summary>
    /// <param name="dtype">The dtype.</param>
    public static int DTypeSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.U8 or SafeTensorsDType.I8 or SafeTensorsDType.F8E5M2 or SafeTensorsDType.F8E4M3 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        _ => 8,
    };

    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            sb.Append(i == 0 ? "" : ", ").Append(shape[i]);
        }

        return sb.Append(']').ToString();
    }

    private static bool TryParseDType(string text, out SafeTensorsDType dtype)
    {
        for (var candidate = SafeTensorsDType.Bool; candidate <= SafeTensorsDType.U64; candidate++)
        {
            if (DTypeName(candidate) == text)
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    private static (List<SafeTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        var tensors = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
        string? current = null;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, source, null, "the header");
            while (true)
            {
                Read(ref reader, source, current);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                current = reader.GetString()!;
                if (!seen.Add(current))
                {
                    throw new SafeTensorsException($"{source}: the header names '{current}' twice.", current);
                }

                if (current == MetadataKey)
                {
                    ParseMetadata(ref reader, metadata, source);
                }
                else
                {
                    tensors.Add(ParseTensor(ref reader, current, source));
                }
            }

            // Only spaces (padding to 8-byte alignment) and other JSON whitespace may follow the object.
            if (reader.Read())
            {
                throw new SafeTensorsException($"{source}: the header has data after its JSON object.");
            }
        }
        catch (JsonException e)
        {
            string where = current is null ? "" : $" (at or after tensor '{current}')";
            throw new SafeTensorsException($"{source}: the header is not valid JSON{where}: {e.Message}", current);
        }

        tensors.Sort((a, b) => a.DataStart != b.DataStart ? a.DataStart.CompareTo(b.DataStart) : a.DataEnd.CompareTo(b.DataEnd));
        return (tensors, metadata);
    }

    private static void ParseMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        Expect(ref reader, JsonTokenType.StartObject, source, null, "__metadata__");
        while (true)
        {
            Read(ref reader, source, null);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            string key = reader.GetString()!;
            Expect(ref reader, JsonTokenType.String, source, null, $"__metadata__ entry '{key}'");
            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw new SafeTensorsException($"{source}: __metadata__ names '{key}' twice.");
            }
        }
    }

    private static SafeTensorInfo ParseTensor(ref Utf8JsonReader reader, string name, string source)
    {
        Expect(ref reader, JsonTokenType.StartObject, source, name, $"tensor '{name}'");
        string? dtypeText = null;
        List<long>? shape = null, offsets = null;
        while (true)
        {
            Read(ref reader, source, name);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string key = reader.GetString()!;
            switch (key)
            {
                case "dtype" when dtypeText is null:
                    Expect(ref reader, JsonTokenType.String, source, name, $"tensor '{name}': dtype");
                    dtypeText = reader.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(ref reader, source, name, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(ref reader, source, name, "data_offsets");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafeTensorsException($"{source}: tensor '{name}' gives '{key}' twice.", name);
                default:
                    reader.Read();
                    reader.Skip(); // an unknown field; the format defines none, later versions might
                    break;
            }
        }

        if (dtypeText is null || shape is null || offsets is null)
        {
            string missing = dtypeText is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafeTensorsException($"{source}: tensor '{name}' has no '{missing}'.", name);
        }

        if (!TryParseDType(dtypeText, out SafeTensorsDType dtype))
        {
            throw new SafeTensorsException($"{source}: tensor '{name}' has the unknown dtype '{dtypeText}'.", name);
        }

        if (offsets.Count != 2 || offsets[1] < offsets[0])
        {
            throw new SafeTensorsException($"{source}: tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin ≤ end.", name);
        }

        var dims = new int[shape.Count];
        long bytes = DTypeSize(dtype);
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue)
            {
                throw new SafeTensorsException($"{source}: tensor '{name}' has dimension {shape[i]}, larger than NetGen supports.", name);
            }

            dims[i] = (int)shape[i];
            bytes = bytes > 0 && dims[i] > long.MaxValue / bytes ? throw new SafeTensorsException($"{source}: tensor '{name}' has an impossibly large shape.", name) : bytes * dims[i];
        }

        if (offsets[1] - offsets[0] != bytes)
        {
            throw new SafeTensorsException(
                $"{source}: tensor '{name}' ({dtypeText} {FormatShape(dims)}) needs {bytes} bytes but its data_offsets [{offsets[0]}, {offsets[1]}) span {offsets[1] - offsets[0]}.",
                name);
        }

        return new SafeTensorInfo(name, dtype, ValueArray<int>.Own(dims), offsets[0], offsets[1]);
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string source, string name, string what)
    {
        Expect(ref reader, JsonTokenType.StartArray, source, name, $"tensor '{name}': {what}");
        var values = new List<long>();
        while (true)
        {
            Read(ref reader, source, name);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return values;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
            {
                throw new SafeTensorsException($"{source}: tensor '{name}': {what} must hold non-negative integers.", name);
            }

            values.Add(v);
        }
    }

    private static void Read(ref Utf8JsonReader reader, string source, string? name)
    {
        if (!reader.Read())
        {
            string where = name is null ? "" : $" (in or after tensor '{name}')";
            throw new SafeTensorsException($"{source}: the header ends in the middle of its JSON{where}.", name);
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string source, string? name, string what)
    {
        Read(ref reader, source, name);
        if (reader.TokenType != type)
        {
            throw new SafeTensorsException($"{source}: {what} must be a JSON {Describe(type)}, not {Describe(reader.TokenType)}.", name);
        }
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        _ => type.ToString(),
    };

    private static void CheckDataLayout(List<SafeTensorInfo> tensors, long dataLength, string source)
    {
        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo t in tensors)
        {
            if (t.DataStart < expected)
            {
                throw new SafeTensorsException($"{source}: tensor '{t.Name}' (bytes [{t.DataStart}, {t.DataEnd})) overlaps tensor '{previous!.Name}' (bytes [{previous.DataStart}, {previous.DataEnd})).", t.Name);
            }

            if (t.DataStart > expected)
            {
                throw new SafeTensorsException($"{source}: the data has a hole of {t.DataStart - expected} bytes before tensor '{t.Name}' (bytes [{t.DataStart}, {t.DataEnd})).", t.Name);
            }

            if (t.DataEnd > dataLength)
            {
                throw new SafeTensorsException($"{source}: tensor '{t.Name}' needs bytes [{t.DataStart}, {t.DataEnd}) of the data but the file holds only {dataLength} bytes after the header (truncated?).", t.Name);
            }

            expected = t.DataEnd;
            previous = t;
        }

        if (expected != dataLength)
        {
            throw new SafeTensorsException($"{source}: {dataLength - expected} bytes after the last tensor's data belong to no tensor.", previous?.Name);
        }
    }
}
