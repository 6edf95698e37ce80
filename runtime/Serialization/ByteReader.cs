using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Serialization;

/// <summary>
/// Reads little-endian values from a checkpoint payload, checking every length against what is left, so that a
/// damaged file raises an <see cref="InvalidDataException"/> naming the file and the place instead of reading garbage.
/// </summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _source;
    private readonly string _section;
    private int _position;

    public ByteReader(ReadOnlySpan<byte> data, string source, string section)
    {
        _data = data;
        _source = source;
        _section = section;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position == _data.Length;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A non-negative int32 count, at most <paramref name="max"/> (a damaged count fails here, not in an allocation).</summary>
    public int ReadCount(string what, int max = int.MaxValue)
    {
        int count = ReadInt32();
        if (count < 0 || count > max)
        {
            throw Fail($"{what} count {count} is out of range");
        }

        return count;
    }

    public string ReadString(string what)
    {
        int count = ReadCount(what + " length", Remaining);
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(Take(count));
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"{what} is not valid UTF-8");
        }
    }

    public float[] ReadFloats(string what)
    {
        int count = ReadCount(what + " length", Remaining / sizeof(float));
        var values = new float[count];
        ReadOnlySpan<byte> bytes = Take(count * sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
            }
        }

        return values;
    }

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw Fail($"needs {count} bytes at offset {_position} but only {Remaining} are left");
        }

        ReadOnlySpan<byte> span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>Throws unless the whole section was read.</summary>
    public readonly void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Fail($"has {Remaining} unread bytes at its end");
        }
    }

    public readonly InvalidDataException Fail(string problem)
        => new($"Checkpoint '{_source}' is corrupted: section {_section} {problem}.");
}
