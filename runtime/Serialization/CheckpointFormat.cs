using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NetGen.Serialization;

/// <summary>
/// The checkpoint byte format apart from what the sections hold: the header (magic, version, CRC-32 of the payload,
/// payload length) and the section framing (4-byte tag, u64 body length, body). Which sections exist and what their
/// bodies are is <see cref="CheckpointSections"/>'s.
/// </summary>
internal static class CheckpointFormat
{
    /// <summary>The 8 bytes every checkpoint starts with: 0x89 "NGCKPT" 0x0A.</summary>
    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'N', (byte)'G', (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x0A];

    private const int HeaderSize = 24; // magic 8, version 4, CRC-32 4, payload length 8

    /// <summary>The header followed by every present section of <paramref name="c"/>, in <see cref="CheckpointSections.All"/> order.</summary>
    public static byte[] Write(CheckpointContents c, int capacity)
    {
        var w = new ByteWriter(HeaderSize + 64 + capacity);
        w.WriteBytes(Magic);
        w.WriteUInt32(Checkpoint.FormatVersion);
        w.WriteUInt32(0);   // CRC-32, patched below
        w.WriteUInt64(0);   // payload length, patched below
        foreach (CheckpointSection section in CheckpointSections.All)
        {
            if (section.IsPresent(c))
            {
                int at = w.BeginSection(section.Tag);
                section.Write(w, c);
                w.EndSection(at);
            }
        }

        byte[] bytes = w.WrittenSpan.ToArray();
        ReadOnlySpan<byte> payload = bytes.AsSpan(HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12, 4), Crc32.Compute(payload));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16, 8), (ulong)payload.Length);
        return bytes;
    }

    /// <summary>Checks the header and the CRC, then reads every section; every problem is an <see cref="InvalidDataException"/> naming <paramref name="source"/>.</summary>
    public static CheckpointContents Read(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException(bytes.Length < Magic.Length
                ? $"Checkpoint '{source}' is truncated: it has {bytes.Length} bytes, fewer than the {HeaderSize}-byte header."
                : $"'{source}' is not a NetGen checkpoint: it does not start with the checkpoint magic bytes.");
        }

        if (bytes.Length < HeaderSize)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is truncated: it has {bytes.Length} bytes, fewer than the {HeaderSize}-byte header.");
        }

        var header = new ByteReader(bytes[..HeaderSize], source, "header");
        header.Take(Magic.Length);
        uint version = header.ReadUInt32();
        uint storedCrc = header.ReadUInt32();
        ulong payloadLength = header.ReadUInt64();
        if (version is < Checkpoint.OldestReadableVersion or > Checkpoint.FormatVersion)
        {
            throw new InvalidDataException($"Checkpoint '{source}' has format version {version}, but this build of NetGen reads versions {Checkpoint.OldestReadableVersion} to {Checkpoint.FormatVersion} only.");
        }

        ulong available = (ulong)(bytes.Length - HeaderSize);
        if (payloadLength > available)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is truncated: the header announces {payloadLength} payload bytes but only {available} follow.");
        }

        if (payloadLength < available)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: {available - payloadLength} unexpected bytes follow the {payloadLength}-byte payload.");
        }

        ReadOnlySpan<byte> payload = bytes[HeaderSize..];
        uint crc = Crc32.Compute(payload);
        if (crc != storedCrc)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: the payload's CRC-32 is 0x{crc:X8} but the header records 0x{storedCrc:X8}.");
        }

        return ReadSections(payload, source);
    }

    private static CheckpointContents ReadSections(ReadOnlySpan<byte> payload, string source)
    {
        var known = new Dictionary<uint, CheckpointSection>();
        foreach (CheckpointSection section in CheckpointSections.All)
        {
            known.Add(section.Tag, section);
        }

        var contents = new CheckpointContents();
        var seen = new HashSet<uint>();
        var sections = new ByteReader(payload, source, "table");
        while (!sections.AtEnd)
        {
            uint tag = sections.ReadUInt32();
            string name = TagName(tag);
            ulong length = sections.ReadUInt64();
            if (length > (ulong)sections.Remaining)
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section {name} announces {length} bytes but only {sections.Remaining} are left.");
            }

            if (!seen.Add(tag))
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section {name} appears twice.");
            }

            var r = new ByteReader(sections.Take((int)length), source, name);
            if (!known.TryGetValue(tag, out CheckpointSection? reader))
            {
                continue; // a section from a later minor revision: skipped
            }

            reader.Read(ref r, contents);
            r.ExpectEnd();
        }

        CheckpointSections.Complete(contents, source);
        return contents;
    }

    private static string TagName(uint tag)
    {
        var sb = new StringBuilder(4);
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((tag >> (8 * i)) & 0xFF);
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return sb.ToString();
    }
}
