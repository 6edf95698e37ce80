using System;
using System.Buffers.Binary;
using System.Text;

namespace NetGen.Onnx;

/// <summary>
/// Writes the protocol buffers wire format: each field is a tag (field number × 8 + wire type) followed by a varint,
/// 4 little-endian bytes (fixed32) or a length-prefixed run of bytes (strings, bytes, nested messages). Enough of the
/// format for ONNX's messages; nothing is written for fields left at their defaults by the caller.
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;

    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>An int32, int64 or enum field (negative values take ten bytes, as protobuf encodes them).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
    }

    /// <summary>A float field.</summary>
    public void Float(int field, float value)
    {
        Tag(field, Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
    }

    /// <summary>A string field, UTF-8.</summary>
    public void String(int field, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Tag(field, LengthDelimited);
        WriteVarint((ulong)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>A nested message field, written by <paramref name="write"/> into its own writer and then length-prefixed.</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Bytes(field, nested.Written);
    }

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        Span<byte> bytes = Reserve(VarintLength(value));
        int i = 0;
        while (value >= 0x80)
        {
            bytes[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        bytes[i] = (byte)value;
    }

    private static int VarintLength(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
