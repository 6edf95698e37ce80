using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Single-precision matrix products on row-major spans, the one kernel every dense and convolution layer shares.
/// Each method either overwrites or accumulates into <c>c</c>.
/// </summary>
public static class Gemm
{
    /// <summary><c>C[m×n] (+)= A[m×k] · B[n×k]ᵀ</c>: both operands contiguous along k (dense forward).</summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">The shared dimension.</param>
    /// <param name="a">A, m×k.</param>
    /// <param name="b">B, n×k.</param>
    /// <param name="c">C, m×n.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyABt(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
    {
        Check(m, n, k, a.Length, b.Length, c.Length, m * k, n * k);
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> ai = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref ra, i * k), k);
            for (int j = 0; j < n; j++)
            {
                float dot = Dot(ai, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref rb, j * k), k));
                c[i * n + j] = accumulate ? c[i * n + j] + dot : dot;
            }
        }
    }

    /// <summary><c>C[m×n] (+)= A[m×k] · B[k×n]</c> (dense input gradient).</summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">The shared dimension.</param>
    /// <param name="a">A, m×k.</param>
    /// <param name="b">B, k×n.</param>
    /// <param name="c">C, m×n.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyAB(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
    {
        Check(m, n, k, a.Length, b.Length, c.Length, m * k, k * n);
        if (!accumulate)
        {
            c.Slice(0, m * n).Clear();
        }

        for (int i = 0; i < m; i++)
        {
            Span<float> ci = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                Axpy(a[i * k + p], b.Slice(p * n, n), ci);
            }
        }
    }

    /// <summary><c>C[m×n] (+)= A[k×m]ᵀ · B[k×n]</c> (dense weight gradient).</summary>
    /// <param name="m">Columns of A, rows of C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">The shared dimension (rows of A and B).</param>
    /// <param name="a">A, k×m.</param>
    /// <param name="b">B, k×n.</param>
    /// <param name="c">C, m×n.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyAtB(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
    {
        Check(m, n, k, a.Length, b.Length, c.Length, k * m, k * n);
        if (!accumulate)
        {
            c.Slice(0, m * n).Clear();
        }

        for (int p = 0; p < k; p++)
        {
            ReadOnlySpan<float> bp = b.Slice(p * n, n);
            for (int i = 0; i < m; i++)
            {
                Axpy(a[p * m + i], bp, c.Slice(i * n, n));
            }
        }
    }

    private static void Check(int m, int n, int k, int aLength, int bLength, int cLength, int aNeeded, int bNeeded)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix dimensions must not be negative (m={m}, n={n}, k={k}).");
        }

        if (aLength < aNeeded || bLength < bNeeded || cLength < m * n)
        {
            throw new ArgumentException($"Spans too short for a {m}×{k}·{k}×{n} product: A has {aLength} (needs {aNeeded}), B has {bLength} (needs {bNeeded}), C has {cLength} (needs {m * n}).");
        }
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0;
        var acc = Vector<float>.Zero;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            acc += new Vector<float>(x.Slice(i)) * new Vector<float>(y.Slice(i));
        }

        float sum = Vector.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        var va = new Vector<float>(alpha);
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(y.Slice(i)) + va * new Vector<float>(x.Slice(i))).CopyTo(y.Slice(i));
        }

        for (; i < x.Length; i++)
        {
            y[i] += alpha * x[i];
        }
    }
}
