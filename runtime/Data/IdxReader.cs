using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetGen.Data;

/// <summary>
/// An IDX array of unsigned bytes: its dimensions (outermost first) and its values in row-major order. Two arrays are
/// equal when their dimensions and values are (not when they share the same buffers).
/// </summary>
/// <param name="Dimensions">The sizes of the dimensions, outermost first, e.g. [10000, 28, 28].</param>
/// <param name="Data">The values, as many as the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(TensorShape Dimensions, byte[] Data)
{
    /// <summary>True when <paramref name="other"/> has the same dimensions and the same values.</summary>
    /// <param name="other">The array to compare with.</param>
    /// <returns>Whether the two arrays hold the same tensor.</returns>
    public bool Equals(IdxArray? other) =>
        other is not null && Dimensions.Equals(other.Dimensions) && Data.AsSpan().SequenceEqual(other.Data);

    /// <summary>A hash of the dimensions and the value count, consistent with <see cref="Equals(IdxArray?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(Dimensions, Data.Length);
}

/// <summary>
/// Reads IDX files (the format of MNIST and Fashion-MNIST), gzipped or raw: a big-endian header (magic number, then one
/// 32-bit size per dimension) followed by the values. Every problem (wrong magic, bad sizes, a truncated or over-long
/// payload, a corrupt gzip stream, out-of-range labels) is reported as an <see cref="InvalidDataException"/> that
/// names the file.
/// </summary>
public static class IdxReader
{
    /// <summary>The magic number of a 3-D unsigned-byte array, the layout of an image file (count × rows × columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of a 1-D unsigned-byte array, the layout of a label file.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The IDX type code of unsigned bytes (the third byte of the magic number).</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads an image file: a 3-D unsigned-byte array (magic <see cref="ImagesMagic"/>).</summary>
    /// <param name="path">The file, gzipped or raw.</param>
    /// <returns>The array; its dimensions are [count, rows, columns].</returns>
    public static IdxArray ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads a label file (magic <see cref="LabelsMagic"/>) and checks that every label is below <paramref name="classCount"/>.</summary>
    /// <param name="path">The file, gzipped or raw.</param>
    /// <param name="classCount">The number of classes; every label must lie in [0, classCount).</param>
    /// <returns>The labels.</returns>
    public static byte[] ReadLabels(string path, int classCount)
    {
        IdxArray array = Read(path, LabelsMagic);
        CheckLabels(array.Data, classCount, path);
        return array.Data;
    }

    /// <summary>Reads an IDX file and checks that it has the expected magic number (type and dimension count).</summary>
    /// <param name="path">The file, gzipped (detected by the gzip magic bytes 1f 8b) or raw.</param>
    /// <param name="expectedMagic">The magic number the file must start with, e.g. <see cref="ImagesMagic"/>.</param>
    /// <returns>The array.</returns>
    public static IdxArray Read(string path, int expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path, expectedMagic);
    }

    /// <summary>Reads an IDX array from a stream, gzipped or raw, and checks its magic number.</summary>
    /// <param name="stream">The stream, positioned at the start of the file; it is read to its end but not disposed.</param>
    /// <param name="sourceName">The name used in error messages, usually the file path.</param>
    /// <param name="expectedMagic">The magic number the data must start with.</param>
    /// <returns>The array.</returns>
    public static IdxArray Read(Stream stream, string sourceName, int expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanSeek)
        {
            // Sniffing the gzip magic needs to look ahead; buffer non-seekable sources.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }

        long start = stream.Position;
        Span<byte> sniff = stackalloc byte[2];
        int sniffed = stream.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
        stream.Position = start;
        bool gzip = sniffed == 2 && sniff[0] == 0x1f && sniff[1] == 0x8b;
        if (!gzip)
        {
            return ReadPayload(stream, sourceName, expectedMagic, gzip: false);
        }

        using var inflater = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        return ReadPayload(inflater, sourceName, expectedMagic, gzip: true);
    }

    /// <summary>Checks that every label lies in [0, <paramref name="classCount"/>).</summary>
    /// <param name="labels">The labels.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="sourceName">The name used in the error message.</param>
    public static void CheckLabels(ReadOnlySpan<byte> labels, int classCount, string sourceName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw new InvalidDataException(
                    $"'{sourceName}': label {labels[i]} at index {i} is outside the {classCount} classes [0, {classCount - 1}].");
            }
        }
    }

    private static IdxArray ReadPayload(Stream stream, string name, int expectedMagic, bool gzip)
    {
        string content = gzip ? " (after gzip decompression)" : string.Empty;

        // Magic number: two zero bytes, the type code, the number of dimensions.
        Span<byte> word = stackalloc byte[4];
        int read = ReadFully(stream, word, name, gzip);
        if (read < 4)
        {
            throw new InvalidDataException(
                $"'{name}' is truncated: it holds {read} bytes{content}, fewer than the 4-byte IDX magic number.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"'{name}' starts with magic number 0x{magic:X8} but 0x{expectedMagic:X8} was expected " +
                $"({Describe(expectedMagic)}); it is {Describe(magic)}.");
        }

        int rank = expectedMagic & 0xFF;
        int headerBytes = 4 + (4 * rank);
        var dimensions = new int[rank];
        long payload = 1;
        for (int d = 0; d < rank; d++)
        {
            read = ReadFully(stream, word, name, gzip);
            if (read < 4)
            {
                throw new InvalidDataException(
                    $"'{name}' is truncated: it ends inside the {headerBytes}-byte header, which declares {rank} dimensions.");
            }

            int size = BinaryPrimitives.ReadInt32BigEndian(word);
            if (size <= 0)
            {
                throw new InvalidDataException($"'{name}': dimension {d} has size {size}; every dimension must be positive.");
            }

            dimensions[d] = size;
            payload *= size;
            if (payload > Array.MaxLength)
            {
                throw new InvalidDataException(
                    $"'{name}': the dimensions [{string.Join(", ", dimensions[..(d + 1)])}...] describe more than {Array.MaxLength} values.");
            }
        }

        // Check the length before allocating what the header claims: a 16-byte file claiming 2e9 values must fail
        // without allocating 2 GB. A raw stream knows its length; a gzip stream is read in chunks that grow with the
        // data actually there, so the allocation stays within twice the real content.
        long expected = headerBytes + payload;
        if (!gzip && stream.CanSeek && stream.Length - stream.Position < payload)
        {
            throw Truncated(name, dimensions, expected, content, headerBytes + (stream.Length - stream.Position));
        }

        byte[] data = ReadPayloadBytes(stream, (int)payload, name, gzip, out read);
        if (read < payload)
        {
            throw Truncated(name, dimensions, expected, content, headerBytes + read);
        }

        long extra = CountRemaining(stream, name, gzip);
        if (extra > 0)
        {
            throw new InvalidDataException(
                $"'{name}' is longer than its header says: [{string.Join(" x ", dimensions)}] values need {expected} bytes{content}, " +
                $"but it holds {expected + extra} bytes.");
        }

        return new IdxArray(new TensorShape(dimensions), data);
    }

    private static InvalidDataException Truncated(string name, int[] dimensions, long expected, string content, long holds) =>
        new($"'{name}' is truncated: its header declares [{string.Join(" x ", dimensions)}] values, so the file needs " +
            $"{expected} bytes{content}, but it holds only {holds} bytes.");

    /// <summary>Reads up to <paramref name="payload"/> bytes into an array that grows (doubling) with the data actually read.</summary>
    private static byte[] ReadPayloadBytes(Stream stream, int payload, string name, bool gzip, out int read)
    {
        const int FirstChunk = 1 << 20;
        byte[] data = new byte[Math.Min(payload, FirstChunk)];
        read = 0;
        while (true)
        {
            int n = ReadFully(stream, data.AsSpan(read), name, gzip);
            read += n;
            if (read < data.Length || data.Length == payload)
            {
                return data; // the stream ended, or everything the header declares is in
            }

            Array.Resize(ref data, (int)Math.Min(payload, 2L * data.Length));
        }
    }

    private static string Describe(int magic)
    {
        int type = (magic >> 8) & 0xFF;
        int rank = magic & 0xFF;
        if ((magic >> 16) != 0)
        {
            return "not an IDX file (the first two bytes must be zero)";
        }

        string typeName = type switch
        {
            0x08 => "unsigned bytes",
            0x09 => "signed bytes",
            0x0B => "16-bit integers",
            0x0C => "32-bit integers",
            0x0D => "32-bit floats",
            0x0E => "64-bit floats",
            _ => $"unknown type 0x{type:X2}",
        };
        return $"a {rank}-D array of {typeName}";
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string name, bool gzip)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e) when (gzip)
        {
            throw CorruptGzip(name, e);
        }
    }

    private static long CountRemaining(Stream stream, string name, bool gzip)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        int n;
        while ((n = ReadFully(stream, scratch, name, gzip)) > 0)
        {
            total += n;
        }

        return total;
    }

    private static InvalidDataException CorruptGzip(string name, Exception inner) =>
        new($"'{name}' starts like a gzip file but its compressed data is corrupt: {inner.Message}", inner);
}
