using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace NetGen.Serialization;

/// <summary>
/// Collects named tensors and writes them as one safetensors file: the 8-byte little-endian header length, the JSON
/// header (padded with spaces to a multiple of 8 bytes, so the data starts 8-byte aligned), then the data of each
/// tensor in the order they were added, little-endian, without gaps.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, SafeTensorsDType DType, int[] Shape, byte[] Data)> _tensors = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Free-form string pairs written as the header's <c>__metadata__</c> (omitted when empty).</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The number of tensors added so far.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a float tensor, stored as F32 (the values are copied).</summary>
    /// <param name="name">Its name; unique in the file and not <c>__metadata__</c>.</param>
    /// <param name="values">Its elements in row-major order.</param>
    /// <param name="shape">Its shape; the product must equal the number of values.</param>
    public void AddFloat32(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> shape)
    {
        var data = new byte[checked(values.Length * 4)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        }

        Add(name, SafeTensorsDType.F32, shape, values.Length, data);
    }

    /// <summary>Adds a 64-bit integer tensor, stored as I64 (e.g. PyTorch's <c>num_batches_tracked</c>, a scalar).</summary>
    /// <param name="name">Its name; unique in the file and not <c>__metadata__</c>.</param>
    /// <param name="values">Its elements in row-major order.</param>
    /// <param name="shape">Its shape (empty for a scalar); the product must equal the number of values.</param>
    public void AddInt64(string name, ReadOnlySpan<long> values, ReadOnlySpan<int> shape)
    {
        var data = new byte[checked(values.Length * 8)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        }

        Add(name, SafeTensorsDType.I64, shape, values.Length, data);
    }

    /// <summary>Writes the file atomically: to a temporary file in the same folder, flushed, then moved over <paramref name="path"/>.</summary>
    /// <param name="path">The file to write; its folder must exist. An existing file is replaced only once the new one is complete.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // The original error matters more than a leftover temporary file.
            }

            throw;
        }
    }

    /// <summary>Writes the file to a stream (not atomically; use <see cref="Save"/> for files).</summary>
    /// <param name="stream">The stream to write to.</param>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = Header();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var t in _tensors)
        {
            stream.Write(t.Data);
        }
    }

    /// <summary>The whole file as bytes.</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    private void Add(string name, SafeTensorsDType dtype, ReadOnlySpan<int> shape, int count, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
        {
            throw new ArgumentException("'__metadata__' is reserved for the header's metadata map.", nameof(name));
        }

        long product = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            product *= d;
        }

        if (product != count)
        {
            throw new ArgumentException($"Tensor '{name}' has shape {SafeTensorsFile.FormatShape(shape)} ({product} elements) but {count} values.", nameof(shape));
        }

        if (!_names.Add(name))
        {
            throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        }

        _tensors.Add((name, dtype, shape.ToArray(), data));
    }

    private byte[] Header()
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (Metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in Metadata)
                {
                    w.WriteString(pair.Key, pair.Value);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in _tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", SafeTensorsFile.DTypeName(t.DType));
                w.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Data.Length;
            }

            w.WriteEndObject();
        }

        // Pad with spaces so that the data buffer starts at a multiple of 8 bytes (8 + header length ≡ 0 mod 8).
        int padded = (int)((json.Length + 7) / 8 * 8);
        while (json.Length < padded)
        {
            json.WriteByte((byte)' ');
        }

        return json.ToArray();
    }
}
