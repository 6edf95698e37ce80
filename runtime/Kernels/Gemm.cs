using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Single-precision matrix products on row-major spans, the one kernel every dense and convolution layer shares.
/// Each method either overwrites or accumulates into <c>c</c>. Products large enough to pay for it are split across
/// <see cref="Compute.ThreadCount"/> threads; none allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
        Check(m, n, k, a.Length, b.Length, c.Length, (long)m * k, (long)n * k);
        Run(GemmKind.ABt, m, n, k, a, b, c, accumulate, rowStrideA: k, colStrideA: 1);
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
        Check(m, n, k, a.Length, b.Length, c.Length, (long)m * k, (long)k * n);
        Run(GemmKind.Outer, m, n, k, a, b, c, accumulate, rowStrideA: k, colStrideA: 1);
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
        Check(m, n, k, a.Length, b.Length, c.Length, (long)k * m, (long)k * n);
        Run(GemmKind.Outer, m, n, k, a, b, c, accumulate, rowStrideA: 1, colStrideA: m);
    }

    /// <summary>Below this many multiply-adds per thread a product stays on fewer threads (waking one costs ~1 µs).</summary>
    private const long MinWorkPerThread = 16 * 1024;

    /// <summary>
    /// Above this many multiply-adds per chunk, a product is cut into up to 4 chunks per thread, so threads that start
    /// late (or are descheduled) leave their share to the others.
    /// </summary>
    private const long ChunkWork = 256 * 1024;

    private static unsafe void Run(GemmKind kind, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, int rowStrideA, int colStrideA)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c.Slice(0, m * n).Clear();
            }

            return;
        }

        // With a short k the product is bound by reading and writing C, not by arithmetic, and a second thread
        // mostly moves C between the cores' caches (measured slower at k = 10); so only k ≥ 32 is split.
        long work = (long)m * n * k;
        int threads = k < 32 ? 1 : (int)Math.Clamp(work / MinWorkPerThread, 1, Compute.ThreadCount);

        int chunks = threads * (int)Math.Clamp(work / (threads * ChunkWork), 1, 4);

        // Chunks hold whole tiles and at least 16 columns (a cache line of C: narrower column chunks would have both
        // threads writing the same lines of C): 16 columns (4 tiles) for A·Bᵀ, 64-column panels for the broadcast
        // kernels, or 4 rows. Prefer splitting n, so each thread reads only its part of B (the weights in A·Bᵀ and
        // A·B); else m; else whichever has more tiles, with fewer chunks.
        int columnUnit = kind == GemmKind.Outer && n >= 64 ? 64 : 16;
        int columnTiles = (n + columnUnit - 1) / columnUnit, rowTiles = (m + 3) / 4;
        bool splitRows = columnTiles < chunks && (rowTiles >= chunks || rowTiles > columnTiles);
        chunks = Math.Min(chunks, splitRows ? rowTiles : columnTiles);
        threads = Math.Min(threads, chunks);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new GemmJob
            {
                Kind = kind,
                A = pa,
                B = pb,
                C = pc,
                M = m,
                N = n,
                K = k,
                RowStrideA = rowStrideA,
                ColStrideA = colStrideA,
                Accumulate = accumulate,
                SplitRows = splitRows,
                ColumnUnit = columnUnit,
            };
            if (threads <= 1)
            {
                RunPart(&job, 0, 1);
            }
            else
            {
                Compute.For(chunks, threads, &RunPart, &job);
            }
        }
    }

    /// <summary>Computes part <paramref name="part"/> of <paramref name="parts"/>: a range of whole row or column tiles.</summary>
    private static unsafe void RunPart(void* state, int part, int parts)
    {
        ref readonly GemmJob g = ref *(GemmJob*)state;
        int i0 = 0, i1 = g.M, j0 = 0, j1 = g.N;
        if (g.SplitRows)
        {
            int tiles = (g.M + 3) / 4;
            i0 = Math.Min(g.M, tiles * part / parts * 4);
            i1 = Math.Min(g.M, tiles * (part + 1) / parts * 4);
        }
        else
        {
            int unit = g.ColumnUnit;
            int tiles = (g.N + unit - 1) / unit;
            j0 = Math.Min(g.N, tiles * part / parts * unit);
            j1 = Math.Min(g.N, tiles * (part + 1) / parts * unit);
        }

        if (i0 >= i1 || j0 >= j1)
        {
            return;
        }

        if (g.Kind == GemmKind.ABt)
        {
            GemmDot.Run(in g, i0, i1, j0, j1);
        }
        else
        {
            GemmOuter.Run(in g, i0, i1, j0, j1);
        }
    }

    private static void Check(int m, int n, int k, int aLength, int bLength, int cLength, long aNeeded, long bNeeded)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix dimensions must not be negative (m={m}, n={n}, k={k}).");
        }

        Guard.AtLeast("Gemm", aLength, aNeeded, "a");
        Guard.AtLeast("Gemm", bLength, bNeeded, "b");
        Guard.AtLeast("Gemm", cLength, (long)m * n, "c");
    }
}

/// <summary>Which micro-kernel family a <see cref="GemmJob"/> runs.</summary>
internal enum GemmKind
{
    /// <summary><c>A·Bᵀ</c>: dot products of rows (<see cref="GemmDot"/>).</summary>
    ABt,

    /// <summary><c>A·B</c> or <c>Aᵀ·B</c>: broadcast rank-1 updates (<see cref="GemmOuter"/>).</summary>
    Outer,
}

/// <summary>One product, as the workers see it: pinned operands, shapes, strides and how to split it.</summary>
internal unsafe struct GemmJob
{
    public GemmKind Kind;
    public float* A;
    public float* B;
    public float* C;
    public int M;
    public int N;
    public int K;

    /// <summary>Distance between A's elements (i, p) and (i + 1, p).</summary>
    public int RowStrideA;

    /// <summary>Distance between A's elements (i, p) and (i, p + 1).</summary>
    public int ColStrideA;
    public bool Accumulate;
    public bool SplitRows;

    /// <summary>Columns per tile when splitting along n: thread boundaries stay on whole tiles.</summary>
    public int ColumnUnit;
}
