using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Serialization;

/// <summary>A growable little-endian byte buffer for writing checkpoint payloads.</summary>
internal sealed class ByteWriter
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity = 4096) => _buffer = new byte[Math.Max(capacity, 16)];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    /// <summary>An int32 byte count followed by the UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        WriteInt32(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>An int32 element count followed by the floats, little-endian.</summary>
    public void WriteFloats(ReadOnlySpan<float> values)
    {
        WriteInt32(values.Length);
        Span<byte> target = Reserve(checked(values.Length * sizeof(float)));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(target);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(target.Slice(i * 4, 4), values[i]);
            }
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>Starts a section: its four-character tag and a length to be patched by <see cref="EndSection"/>.</summary>
    public int BeginSection(uint tag)
    {
        WriteUInt32(tag);
        int lengthAt = _length;
        WriteUInt64(0);
        return lengthAt;
    }

    /// <summary>Writes the length of the section begun at <paramref name="lengthAt"/>.</summary>
    public void EndSection(int lengthAt)
    {
        ulong bodyLength = (ulong)(_length - lengthAt - 8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(lengthAt, 8), bodyLength);
    }

    private Span<byte> Reserve(int count)
    {
        int needed = checked(_length + count);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, checked(_buffer.Length * 2)));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length = needed;
        return span;
    }
}
