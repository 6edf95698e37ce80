using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;

namespace NetGen.Training;

/// <summary>Reading and writing float arrays in callback states (little-endian, length first), with checked lengths.</summary>
internal static class CallbackStateIO
{
    public static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> bytes = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            writer.Write(bytes);
        }
    }

    /// <summary>Reads an array written by <see cref="WriteFloats"/> into <paramref name="destination"/>, whose length it must have.</summary>
    public static void ReadFloats(BinaryReader reader, Span<float> destination, string owner, string what)
    {
        int count = reader.ReadInt32();
        if (count != destination.Length)
        {
            throw new InvalidDataException($"The saved state of '{owner}' holds {count} {what} but the network has {destination.Length}.");
        }

        byte[] bytes = reader.ReadBytes(checked(count * sizeof(float)));
        if (bytes.Length != count * sizeof(float))
        {
            throw new EndOfStreamException();
        }

        for (int i = 0; i < count; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float), sizeof(float)));
        }
    }

    /// <summary>Reads past an array written by <see cref="WriteFloats"/>.</summary>
    public static void SkipFloats(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || reader.ReadBytes(checked(count * sizeof(float))).Length != count * sizeof(float))
        {
            throw new EndOfStreamException();
        }
    }
}
