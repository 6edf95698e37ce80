using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>An element-wise function and its derivative on one <see cref="Vector{T}"/> of floats.</summary>
internal interface IElementFunction
{
    /// <summary>y = f(x), lane by lane.</summary>
    Vector<float> Forward(Vector<float> x);

    /// <summary>f'(x) given x and y = f(x), lane by lane.</summary>
    Vector<float> Derivative(Vector<float> x, Vector<float> y);
}

/// <summary>
/// Runs an <see cref="IElementFunction"/> over spans: <c>y = f(x)</c> and <c>dx += dy·f'(x)</c>. The last partial vector
/// goes through a zero-padded copy of one whole vector, so an element's result never depends on where it sits in the
/// span (the dense pair applies activations to slices and must agree with the whole).
/// </summary>
internal static class ElementMap
{
    /// <summary>y = f(x).</summary>
    public static void Forward<T>(T f, ReadOnlySpan<float> x, Span<float> y)
        where T : struct, IElementFunction
    {
        if (y.Length != x.Length)
        {
            throw new ArgumentException($"The output holds {y.Length} floats but the input has {x.Length}.", nameof(y));
        }

        int n = x.Length, w = Vector<float>.Count, i = 0;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        for (; i + w <= n; i += w)
        {
            f.Forward(Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        }

        if (i < n)
        {
            Span<float> tail = stackalloc float[w];
            tail.Clear();
            x.Slice(i).CopyTo(tail);
            Vector<float> v = f.Forward(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(tail)));
            v.StoreUnsafe(ref MemoryMarshal.GetReference(tail));
            tail.Slice(0, n - i).CopyTo(y.Slice(i));
        }
    }

    /// <summary>dx += dy·f'(x), the derivative computed from x and the forward output y.</summary>
    public static void Backward<T>(T f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        where T : struct, IElementFunction
    {
        int n = x.Length, w = Vector<float>.Count, i = 0;
        if (y.Length != n || dy.Length != n || dx.Length != n)
        {
            throw new ArgumentException($"Activation backward needs equal lengths: x {n}, y {y.Length}, dy {dy.Length}, dx {dx.Length}.");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rdx = ref MemoryMarshal.GetReference(dx);
        for (; i + w <= n; i += w)
        {
            Vector<float> d = f.Derivative(Vector.LoadUnsafe(ref rx, (nuint)i), Vector.LoadUnsafe(ref ry, (nuint)i));
            Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rdy, (nuint)i), d, Vector.LoadUnsafe(ref rdx, (nuint)i)).StoreUnsafe(ref rdx, (nuint)i);
        }

        if (i < n)
        {
            Span<float> tail = stackalloc float[3 * w];
            tail.Clear();
            Span<float> tx = tail.Slice(0, w), ty = tail.Slice(w, w), tdy = tail.Slice(2 * w, w);
            x.Slice(i).CopyTo(tx);
            y.Slice(i).CopyTo(ty);
            dy.Slice(i).CopyTo(tdy);
            Vector<float> d = f.Derivative(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(tx)), Vector.LoadUnsafe(ref MemoryMarshal.GetReference(ty)));
            for (int k = 0; k < n - i; k++)
            {
                dx[i + k] = MathF.FusedMultiplyAdd(tdy[k], d[k], dx[i + k]);
            }
        }
    }
}
