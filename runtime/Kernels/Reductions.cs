using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>Reductions over one row of floats.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Reductions
{
    /// <summary>The index of the largest value (the first one on ties); -1 for an empty span.</summary>
    /// <param name="values">The values.</param>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = values.IsEmpty ? -1 : 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Whether every value is finite (no NaN, no infinity); vectorized, one pass.</summary>
    /// <param name="values">The values.</param>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x·0 is 0 for finite x and NaN for NaN or ±∞, so the sum of x·0 is finite exactly when all x are.
        ref float r = ref MemoryMarshal.GetReference(values);
        nuint n = (nuint)values.Length, i = 0;
        float tail = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref r, i) * Vector512<float>.Zero;
            }

            tail += Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref r, i) * Vector256<float>.Zero;
            }

            tail += Vector256.Sum(acc);
        }

        var v = Vector<float>.Zero;
        for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
        {
            v += Vector.LoadUnsafe(ref r, i) * Vector<float>.Zero;
        }

        tail += Vector.Sum(v);
        for (; i < n; i++)
        {
            tail += System.Runtime.CompilerServices.Unsafe.Add(ref r, i) * 0f;
        }

        return float.IsFinite(tail);
    }
}
