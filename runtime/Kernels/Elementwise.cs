using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>Small vectorized loops shared by layers, losses and optimizers.</summary>
/// <remarks>
/// Kept over their TensorPrimitives counterparts after one short run of bench <c>--elementwise</c> (hand / TensorPrimitives,
/// 16k floats then 1M floats): Add 2.81/0.83 µs and 233/338 µs, ScaleAdd 3.34/2.34 µs and 225/409 µs, Multiply 3.16/4.19 µs
/// and 292/414 µs, MultiplyAdd 5.34/2.30 µs and 467/571 µs. TensorPrimitives wins some cache-resident sizes, the hand loops
/// the memory-bound ones; the run was noisy (shared machine), so re-measure before switching.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Elementwise
{
    /// <summary><c>y[i] += x[i]</c>.</summary>
    /// <param name="x">The addend.</param>
    /// <param name="y">The accumulator, at least as long as <paramref name="x"/>.</param>
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.AtLeast("Elementwise.Add", y.Length, x.Length, nameof(y));

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref ry, (nuint)i) + Vector512.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref ry, (nuint)i) + Vector256.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref ry, (nuint)i) + Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) += Unsafe.Add(ref rx, i);
        }
    }

    /// <summary><c>z[i] = x[i]·y[i]</c>.</summary>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor, same length.</param>
    /// <param name="z">The product, same length.</param>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        CheckSameLength(x.Length, y.Length, z.Length);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rz = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                (Vector512.LoadUnsafe(ref rx, i) * Vector512.LoadUnsafe(ref ry, i)).StoreUnsafe(ref rz, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                (Vector256.LoadUnsafe(ref rx, i) * Vector256.LoadUnsafe(ref ry, i)).StoreUnsafe(ref rz, i);
            }
        }

        for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref rx, i) * Vector.LoadUnsafe(ref ry, i)).StoreUnsafe(ref rz, i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rz, i) = Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        }
    }

    /// <summary><c>z[i] += x[i]·y[i]</c>.</summary>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor, same length.</param>
    /// <param name="z">The accumulator, same length.</param>
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        CheckSameLength(x.Length, y.Length, z.Length);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rz = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, i), Vector512.LoadUnsafe(ref ry, i), Vector512.LoadUnsafe(ref rz, i)).StoreUnsafe(ref rz, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, i), Vector256.LoadUnsafe(ref ry, i), Vector256.LoadUnsafe(ref rz, i)).StoreUnsafe(ref rz, i);
            }
        }

        for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref rz, i) + (Vector.LoadUnsafe(ref rx, i) * Vector.LoadUnsafe(ref ry, i))).StoreUnsafe(ref rz, i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rz, i) += Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        }
    }

    /// <summary>acc += s·x element-wise </summary>
    /// <param name="s">The scale.</param>
    /// <param name="x">The addend.</param>
    /// <param name="acc">The accumulator, as long as <paramref name="x"/>.</param>
    public static void ScaleAdd(float s, ReadOnlySpan<float> x, Span<float> acc)
    {
        Guard.Length("Elementwise.ScaleAdd", acc.Length, x.Length, nameof(acc));

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rc = ref MemoryMarshal.GetReference(acc);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i + 16 <= n; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, i), vs, Vector512.LoadUnsafe(ref rc, i)).StoreUnsafe(ref rc, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i + 8 <= n; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, i), vs, Vector256.LoadUnsafe(ref rc, i)).StoreUnsafe(ref rc, i);
            }
        }

        var v = new Vector<float>(s);
        for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref rc, i) + (Vector.LoadUnsafe(ref rx, i) * v)).StoreUnsafe(ref rc, i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rc, i) += s * Unsafe.Add(ref rx, i);
        }
    }

    private static void CheckSameLength(int x, int y, int z)
    {
        Guard.Length("Elementwise", y, x, "y");
        Guard.Length("Elementwise", z, x, "z");
    }
}
