using System;
using System.IO;

namespace NetGen.Data;

/// <summary>Finds data folders that ship with the repository (such as <c>data/fashion-mnist</c>) from a sample or test binary.</summary>
public static class DataDirectory
{
    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> (by default <see cref="AppContext.BaseDirectory"/>) and returns the
    /// first <c>ancestor/relativePath</c> that exists and, if <paramref name="requiredFile"/> is given, contains it.
    /// </summary>
    /// <param name="relativePath">The folder to look for, relative to an ancestor, e.g. <c>data/fashion-mnist</c>.</param>
    /// <param name="requiredFile">A file the folder must contain, or null.</param>
    /// <param name="startDirectory">Where to start, or null for the application's base directory.</param>
    /// <returns>The folder's full path, or null when no ancestor has it.</returns>
    public static string? TryFind(string relativePath, string? requiredFile = null, string? startDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        string relative = relativePath.Replace('/', Path.DirectorySeparatorChar);
        for (DirectoryInfo? dir = new(startDirectory ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate) && (requiredFile is null || File.Exists(Path.Combine(candidate, requiredFile))))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Like <see cref="TryFind"/>, but throws when the folder is not found.</summary>
    /// <param name="relativePath">The folder to look for, relative to an ancestor.</param>
    /// <param name="requiredFile">A file the folder must contain, or null.</param>
    /// <param name="startDirectory">Where to start, or null for the application's base directory.</param>
    /// <returns>The folder's full path.</returns>
    /// <exception cref="DirectoryNotFoundException">No ancestor of the start directory holds the folder.</exception>
    public static string Find(string relativePath, string? requiredFile = null, string? startDirectory = null)
    {
        string start = startDirectory ?? AppContext.BaseDirectory;
        return TryFind(relativePath, requiredFile, start)
            ?? throw new DirectoryNotFoundException(
                $"No '{relativePath}' folder{(requiredFile is null ? string.Empty : $" containing '{requiredFile}'")} was found in '{start}' or any of its parents.");
    }
}
