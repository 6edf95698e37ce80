using System;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// The one length check every kernel uses: a span whose length does not match the shape throws an
/// <see cref="ArgumentException"/> that names the kernel, the argument and both lengths.
/// </summary>
internal static class Guard
{
    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    /// <param name="kernel">The kernel checking, for the message (for example <c>"BatchNorm"</c>).</param>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the shape needs.</param>
    /// <param name="name">The argument's name.</param>
    public static void Length(string kernel, int actual, long expected, string name)
    {
        if (actual != expected)
        {
            Throw(kernel, actual, expected, name, "");
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> is 0 (a skipped output) or equals <paramref name="expected"/>.</summary>
    /// <param name="kernel">The kernel checking, for the message.</param>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the shape needs.</param>
    /// <param name="name">The argument's name.</param>
    public static void LengthOrEmpty(string kernel, int actual, long expected, string name)
    {
        if (actual != 0 && actual != expected)
        {
            Throw(kernel, actual, expected, name, " (or 0 to skip it)");
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> is at least <paramref name="expected"/> (kernels that accept a longer buffer).</summary>
    /// <param name="kernel">The kernel checking, for the message.</param>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The least length the shape needs.</param>
    /// <param name="name">The argument's name.</param>
    public static void AtLeast(string kernel, long actual, long expected, string name)
    {
        if (actual < expected)
        {
            Throw(kernel, actual, expected, name, " or more");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string kernel, long actual, long expected, string name, string qualifier) =>
        throw new ArgumentException($"{kernel}: {name} holds {actual} elements but the shape needs {expected}{qualifier}.", name);
}
