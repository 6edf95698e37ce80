using System;
using System.Collections.Generic;
using System.IO;

namespace NetGen.Serialization;

/// <summary>
/// Atomic file replacement for checkpoints: the bytes go to a temporary file in the same folder, which is flushed to
/// disk and then moved over the target, so a crash leaves either the old file or the new one, never half a file.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="full"/> (a full path in <paramref name="directory"/>) atomically.</summary>
    public static void Write(string full, string directory, byte[] bytes)
    {
        RemoveStaleTemporaryFiles(directory, Path.GetFileName(full));
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + TemporaryExtension);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The extension of the temporary file a save writes before moving it over the target.</summary>
    internal const string TemporaryExtension = ".tmp";

    /// <summary>
    /// How old a temporary file must be before a save removes it as left over by a save that was killed midway; a
    /// younger one may belong to a save in progress in another process.
    /// </summary>
    internal static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Deletes the temporary files of killed saves in <paramref name="directory"/>: those named like
    /// <see cref="Write"/>'s (<c>.{target}.{32 hex digits}.tmp</c>, the target matching <paramref name="targetPattern"/>,
    /// which may hold <c>*</c>) and older than <see cref="StaleTemporaryAge"/>. Files it cannot delete are left alone.
    /// </summary>
    /// <returns>The paths deleted.</returns>
    internal static List<string> RemoveStaleTemporaryFiles(string directory, string targetPattern)
    {
        var removed = new List<string>();
        if (!Directory.Exists(directory))
        {
            return removed;
        }

        DateTime cutoff = DateTime.UtcNow - StaleTemporaryAge;
        foreach (string path in Directory.EnumerateFiles(directory, "." + targetPattern + ".*" + TemporaryExtension))
        {
            string name = Path.GetFileName(path);
            int hex = name.Length - TemporaryExtension.Length - 32;
            if (hex < 2 || name[hex - 1] != '.' || !IsHex(name.AsSpan(hex, 32)) || File.GetLastWriteTimeUtc(path) > cutoff)
            {
                continue;
            }

            if (TryDelete(path))
            {
                removed.Add(path);
            }
        }

        return removed;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
