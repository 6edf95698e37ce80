using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Micro-kernels for <c>C (+)= A·Bᵀ</c> where both operands run contiguously along k: every element of C is a dot
/// product of a row of A with a row of B. Tiles of 4 rows of A × 4 rows of B keep 16 vector accumulators in registers
/// (8 loads feed 16 fused multiply-adds per step of 16 floats) and reduce them to the 16 results with one transposing
/// tree of shuffles at the end, so nothing needs packing and a single row of A (batch-1 inference) streams B once.
/// </summary>
/// <remarks>
/// The block drivers are compiled fully optimized on first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// with tiered PGO, whichever tile path ran first was laid out as the hot one, and a batch-1 GEMV run after batch-64
/// products measured ~15% slower.
/// <para>
/// Which lane and which accumulator a product lands in depends only on its index along k and on the tile shape,
/// never on addresses: no step is peeled to reach an aligned boundary (a peel's length would depend on where the
/// rows happen to sit, and so would the rounding of every sum). Loads are unaligned; see docs/reliability.
/// </para>
/// </remarks>
internal static unsafe class GemmDot
{
    /// <summary>Longest stretch of k done in one pass: 8 rows of this length (32 KiB) stay in the L1 cache.</summary>
    private const int KBlock = 1024;

    /// <summary>Floats of A processed against one group of B rows before moving on: 256 KiB, a quarter of L2.</summary>
    private const int ABlockFloats = 64 * 1024;

    /// <summary>Computes the block <c>C[i0..i1, j0..j1)</c> of <c>A[m×k]·B[n×k]ᵀ</c>.</summary>
    internal static void Run(in GemmJob g, int i0, int i1, int j0, int j1) =>
        Run(g.A, g.B, g.C, g.K, g.N, g.K, i0, i1, j0, j1, g.Accumulate);

    /// <summary>
    /// Computes the block <c>C[i0..i1, j0..j1)</c> of <c>A·Bᵀ</c> over <paramref name="k"/> columns, where rows of A and
    /// of B are <paramref name="ld"/> floats apart (so a column range of wider matrices, as in a split-k product) and
    /// rows of C <paramref name="ldc"/> floats apart.
    /// </summary>
    internal static void Run(float* a, float* b, float* c, int ld, int ldc, int k, int i0, int i1, int j0, int j1, bool accumulateInto)
    {
        int blocks = (k + KBlock - 1) / KBlock;
        int kc = blocks <= 1 ? k : ((k + blocks - 1) / blocks + 15) & ~15;
        for (int p0 = 0; p0 < k; p0 += kc)
        {
            int len = Math.Min(kc, k - p0);
            bool accumulate = accumulateInto || p0 > 0;
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            {
                // Rows of A in blocks that stay in L2 while every group of 4 rows of B (in L1) passes over them; with
                // A larger than that (im2col), streaming all of A per group would be bound by L3 bandwidth.
                int rows = Math.Max(4, ABlockFloats / len & ~3);
                for (int ib = i0; ib < i1; ib += rows)
                {
                    Block512(a + p0, b + p0, c, ld, ldc, len, ib, Math.Min(i1, ib + rows), j0, j1, accumulate);
                }
            }
            else
            {
                BlockVector(a + p0, b + p0, c, ld, ldc, len, i0, i1, j0, j1, accumulate);
            }
        }
    }

    // ---- AVX-512 -------------------------------------------------------------------------------------------------

    /// <summary>
    /// One pass over <paramref name="len"/> columns of k: for each group of 4 rows of B (kept in L1), every group of 4
    /// rows of A; leftover rows of A use 1×4 tiles, leftover rows of B 4×1 and 1×1 tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(float* a, float* b, float* c, int ld, int ldc, int len, int i0, int i1, int j0, int j1, bool accumulate)
    {
        // Lanes [0, len % 16) of the last, partial step; masked loads never touch memory past the row.
        Vector512<float> tail = TailMask512(len & 15);
        int i4 = i0 + ((i1 - i0) & ~3);
        int j = j0;
        for (; j + 4 <= j1; j += 4)
        {
            float* bj = b + (nint)j * ld;
            for (int i = i0; i < i4; i += 4)
            {
                Vector512<float> sums = Dot4x4(a + (nint)i * ld, bj, ld, len, tail);
                float* ci = c + (nint)i * ldc + j;

                // Lanes 4r..4r+3 hold row r of the tile.
                Store(ci, Avx512F.ExtractVector128(sums, 0), accumulate);
                Store(ci + ldc, Avx512F.ExtractVector128(sums, 1), accumulate);
                Store(ci + 2 * (nint)ldc, Avx512F.ExtractVector128(sums, 2), accumulate);
                Store(ci + 3 * (nint)ldc, Avx512F.ExtractVector128(sums, 3), accumulate);
            }
        }

        for (; j < j1; j++)
        {
            float* bj = b + (nint)j * ld;
            for (int i = i0; i < i4; i += 4)
            {
                // One row of B against 4 rows of A gives a column of C.
                Vector128<float> column = Dot1x4(bj, a + (nint)i * ld, ld, len);
                float* ci = c + (nint)i * ldc + j;
                for (int r = 0; r < 4; r++)
                {
                    float v = column.GetElement(r);
                    ci[(nint)r * ldc] = accumulate ? ci[(nint)r * ldc] + v : v;
                }
            }
        }

        // The last rows of A (all of them for batch-1 inference): one row against 4 rows of B at a time, then single rows.
        // (Against 8 rows at a time measured slower: the GEMV is bound by L2 bandwidth, ~27 B/cycle, either way.)
        for (int i = i4; i < i1; i++)
        {
            float* ai = a + (nint)i * ld;
            float* ci = c + (nint)i * ldc;
            j = j0;
            for (; j + 4 <= j1; j += 4)
            {
                Store(ci + j, Dot1x4(ai, b + (nint)j * ld, ld, len), accumulate);
            }

            for (; j < j1; j++)
            {
                float v = Dot1x1(ai, b + (nint)j * ld, len, tail);
                ci[j] = accumulate ? ci[j] + v : v;
            }
        }
    }

    /// <summary>Whether <see cref="GemvInterleaved"/> runs on this host (AVX-512).</summary>
    internal static bool HasInterleavedGemv => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>k rounded up to a whole step of 16 columns, the row length of the interleaved-rows layout.</summary>
    internal static int PaddedK(int k) => (k + 15) & ~15;

    /// <summary>Floats of the interleaved-rows layout of an n×k matrix: groups of 4 rows, k rounded up to 16.</summary>
    internal static long InterleavedRowsFloats(int n, int k) => (long)((n + 3) / 4) * 4 * ((k + 15) & ~15);

    /// <summary>
    /// Packs <paramref name="w"/> (n×k, row-major) for <see cref="GemvInterleaved"/>: each group of four rows becomes
    /// one stream in which every step of 16 columns holds the four rows' 16 floats one after another, zero-padded past
    /// k and past n. A single row of A then reads the weights as one sequential stream instead of four (measured on
    /// Zen 5: 784×256 in 3.7–5.2 µs against 5.2–6.8 µs for four row streams, one thread).
    /// </summary>
    internal static void PackInterleavedRows(float* w, int n, int k, float* target)
    {
        int kp = (k + 15) & ~15;
        for (int g = 0; g < (n + 3) / 4; g++)
        {
            float* group = target + ((nint)g * 4 * kp);
            for (int p = 0; p < kp; p += 16)
            {
                for (int s = 0; s < 4; s++)
                {
                    int row = (4 * g) + s;
                    float* dst = group + ((nint)p * 4) + (s * 16);
                    for (int l = 0; l < 16; l++)
                    {
                        dst[l] = row < n && p + l < k ? w[((nint)row * k) + p + l] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>y[j] (+)= Σ x[p]·W[j, p0 + p]</c> for p in [0, len) and rows j in [j0, j1), W packed by
    /// <see cref="PackInterleavedRows"/> with k rounded up to <paramref name="kPadded"/>: a single row of A against B
    /// (batch-1 inference). j0 is a multiple of 4, p0 of 16; x is read only in [0, len). AVX-512 hosts only.
    /// </summary>
    /// <remarks>
    /// The sums are those of the unpacked path (<see cref="Run(float*, float*, float*, int, int, int, int, int, int, int, bool)"/>
    /// with one row of A), bit for bit: the same blocks of k with C between them, the same chains in the same order
    /// (<see cref="Dot1x4"/>), and a single chain for the last rows that do not fill a group (<see cref="Dot1x1"/>).
    /// </remarks>
    internal static void GemvInterleaved(float* x, float* packed, int kPadded, int p0, int len, int j0, int j1, float* y, bool accumulate)
    {
        int blocks = (len + KBlock - 1) / KBlock;
        int kc = blocks <= 1 ? len : ((len + blocks - 1) / blocks + 15) & ~15;
        for (int q = 0; q < len; q += kc)
        {
            GemvBlock(x + q, packed, kPadded, p0 + q, Math.Min(kc, len - q), j0, j1, y, accumulate || q > 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvBlock(float* x, float* packed, int kPadded, int p0, int len, int j0, int j1, float* y, bool accumulate)
    {
        Debug.Assert(j0 % 4 == 0 && p0 % 16 == 0, "groups of rows and steps of columns are whole");
        Vector512<float> z = Vector512<float>.Zero, tail = TailMask512(len & 15);
        int full = len & ~15;
        int j4 = j0 + ((j1 - j0) & ~3);
        for (int j = j4; j < j1; j++)
        {
            // A row of the last, partial group: one chain, as Dot1x1.
            float* b = packed + ((nint)(j & ~3) * kPadded) + ((nint)p0 * 4) + ((j & 3) * 16);
            Vector512<float> acc = z;
            int p = 0;
            for (; p < full; p += 16, b += 64)
            {
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(b), acc);
            }

            if (p < len)
            {
                acc = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(x + p, tail, z), Avx512F.MaskLoad(b, tail, z), acc);
            }

            float v = Vector512.Sum(acc);
            y[j] = accumulate ? y[j] + v : v;
        }

        for (int j = j0; j < j4; j += 4)
        {
            float* b = packed + ((nint)j * kPadded) + ((nint)p0 * 4);
            Vector512<float> c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
            int p = 0;

            // Two steps per iteration: 8 independent chains hide the FMA latency.
            for (; p + 32 <= full; p += 32, b += 128)
            {
                Vector512<float> v = Vector512.Load(x + p), u = Vector512.Load(x + p + 16);
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 16), c1);
                c2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 32), c2);
                c3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 48), c3);
                d0 = Vector512.FusedMultiplyAdd(u, Vector512.Load(b + 64), d0);
                d1 = Vector512.FusedMultiplyAdd(u, Vector512.Load(b + 80), d1);
                d2 = Vector512.FusedMultiplyAdd(u, Vector512.Load(b + 96), d2);
                d3 = Vector512.FusedMultiplyAdd(u, Vector512.Load(b + 112), d3);
            }

            // The chains meet before the last steps, in the order of Dot1x4: the same sums as the unpacked path.
            c0 += d0;
            c1 += d1;
            c2 += d2;
            c3 += d3;
            for (; p < len; p += 16, b += 64)
            {
                // The last, partial step masks x; the packed weights are zero there anyway.
                Vector512<float> v = p < full ? Vector512.Load(x + p) : Avx512F.MaskLoad(x + p, tail, z);
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 16), c1);
                c2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 32), c2);
                c3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(b + 48), c3);
            }

            Vector512<float> q = Interleave64(Interleave32(c0, c1), Interleave32(c2, c3));
            Vector256<float> h = q.GetLower() + q.GetUpper();
            Store(y + j, h.GetLower() + h.GetUpper(), accumulate);
        }
    }

    /// <summary>The 16 dot products of rows <c>a + r·ld</c> with rows <c>b + s·ld</c>, lane <c>4r + s</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Dot4x4(float* a, float* b, int ld, int len, Vector512<float> tail)
    {
        float* a1 = a + ld, a2 = a1 + ld, a3 = a2 + ld;
        float* b1 = b + ld, b2 = b1 + ld, b3 = b2 + ld;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        int p = 0;
        for (; p <= len - 16; p += 16)
        {
            Vector512<float> x0 = Vector512.Load(a + p), x1 = Vector512.Load(a1 + p);
            Vector512<float> x2 = Vector512.Load(a2 + p), x3 = Vector512.Load(a3 + p);
            Vector512<float> y = Vector512.Load(b + p);
            c00 = Vector512.FusedMultiplyAdd(x0, y, c00);
            c10 = Vector512.FusedMultiplyAdd(x1, y, c10);
            c20 = Vector512.FusedMultiplyAdd(x2, y, c20);
            c30 = Vector512.FusedMultiplyAdd(x3, y, c30);
            y = Vector512.Load(b1 + p);
            c01 = Vector512.FusedMultiplyAdd(x0, y, c01);
            c11 = Vector512.FusedMultiplyAdd(x1, y, c11);
            c21 = Vector512.FusedMultiplyAdd(x2, y, c21);
            c31 = Vector512.FusedMultiplyAdd(x3, y, c31);
            y = Vector512.Load(b2 + p);
            c02 = Vector512.FusedMultiplyAdd(x0, y, c02);
            c12 = Vector512.FusedMultiplyAdd(x1, y, c12);
            c22 = Vector512.FusedMultiplyAdd(x2, y, c22);
            c32 = Vector512.FusedMultiplyAdd(x3, y, c32);
            y = Vector512.Load(b3 + p);
            c03 = Vector512.FusedMultiplyAdd(x0, y, c03);
            c13 = Vector512.FusedMultiplyAdd(x1, y, c13);
            c23 = Vector512.FusedMultiplyAdd(x2, y, c23);
            c33 = Vector512.FusedMultiplyAdd(x3, y, c33);
        }

        if (p < len)
        {
            Vector512<float> z = Vector512<float>.Zero;
            Vector512<float> x0 = Avx512F.MaskLoad(a + p, tail, z), x1 = Avx512F.MaskLoad(a1 + p, tail, z);
            Vector512<float> x2 = Avx512F.MaskLoad(a2 + p, tail, z), x3 = Avx512F.MaskLoad(a3 + p, tail, z);
            Vector512<float> y = Avx512F.MaskLoad(b + p, tail, z);
            c00 = Vector512.FusedMultiplyAdd(x0, y, c00);
            c10 = Vector512.FusedMultiplyAdd(x1, y, c10);
            c20 = Vector512.FusedMultiplyAdd(x2, y, c20);
            c30 = Vector512.FusedMultiplyAdd(x3, y, c30);
            y = Avx512F.MaskLoad(b1 + p, tail, z);
            c01 = Vector512.FusedMultiplyAdd(x0, y, c01);
            c11 = Vector512.FusedMultiplyAdd(x1, y, c11);
            c21 = Vector512.FusedMultiplyAdd(x2, y, c21);
            c31 = Vector512.FusedMultiplyAdd(x3, y, c31);
            y = Avx512F.MaskLoad(b2 + p, tail, z);
            c02 = Vector512.FusedMultiplyAdd(x0, y, c02);
            c12 = Vector512.FusedMultiplyAdd(x1, y, c12);
            c22 = Vector512.FusedMultiplyAdd(x2, y, c22);
            c32 = Vector512.FusedMultiplyAdd(x3, y, c32);
            y = Avx512F.MaskLoad(b3 + p, tail, z);
            c03 = Vector512.FusedMultiplyAdd(x0, y, c03);
            c13 = Vector512.FusedMultiplyAdd(x1, y, c13);
            c23 = Vector512.FusedMultiplyAdd(x2, y, c23);
            c33 = Vector512.FusedMultiplyAdd(x3, y, c33);
        }

        // Transposing reduction: 16 vectors → one vector of their 16 sums, in 45 shuffles and adds.
        Vector512<float> r0 = Interleave64(Interleave32(c00, c01), Interleave32(c02, c03));
        Vector512<float> r1 = Interleave64(Interleave32(c10, c11), Interleave32(c12, c13));
        Vector512<float> r2 = Interleave64(Interleave32(c20, c21), Interleave32(c22, c23));
        Vector512<float> r3 = Interleave64(Interleave32(c30, c31), Interleave32(c32, c33));
        return Quarters(Quarters(r0, r1), Quarters(r2, r3));
    }

    /// <summary>The 4 dot products of row <paramref name="x"/> with rows <c>y + s·ld</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Dot1x4(float* x, float* y, int ld, int len)
    {
        float* y1 = y + ld, y2 = y1 + ld, y3 = y2 + ld;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> z = Vector512<float>.Zero;
        int p = 0;

        // Two steps per iteration: 8 independent chains hide the FMA latency when B streams from L2 (batch 1).
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
        for (; p <= len - 32; p += 32)
        {
            Vector512<float> v = Vector512.Load(x + p), w = Vector512.Load(x + p + 16);
            c0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y + p), c0);
            c1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y1 + p), c1);
            c2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y2 + p), c2);
            c3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y3 + p), c3);
            d0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(y + p + 16), d0);
            d1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(y1 + p + 16), d1);
            d2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(y2 + p + 16), d2);
            d3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(y3 + p + 16), d3);
        }

        c0 += d0;
        c1 += d1;
        c2 += d2;
        c3 += d3;
        for (; p < len; p += 16)
        {
            // Full steps load normally; the last partial one masks (p ≤ len - 16 is re-tested, cheap).
            Vector512<float> mask = p <= len - 16 ? Vector512<float>.AllBitsSet : TailMask512(len - p);
            Vector512<float> v = Avx512F.MaskLoad(x + p, mask, z);
            c0 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(y + p, mask, z), c0);
            c1 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(y1 + p, mask, z), c1);
            c2 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(y2 + p, mask, z), c2);
            c3 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(y3 + p, mask, z), c3);
        }

        // Lane s of each 128-bit quarter holds a partial sum of c_s; add the quarters.
        Vector512<float> q = Interleave64(Interleave32(c0, c1), Interleave32(c2, c3));
        Vector256<float> h = q.GetLower() + q.GetUpper();
        return h.GetLower() + h.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot1x1(float* x, float* y, int len, Vector512<float> tail)
    {
        Vector512<float> acc = default;
        int p = 0;
        for (; p <= len - 16; p += 16)
        {
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), acc);
        }

        if (p < len)
        {
            Vector512<float> z = Vector512<float>.Zero;
            acc = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(x + p, tail, z), Avx512F.MaskLoad(y + p, tail, z), acc);
        }

        return Vector512.Sum(acc);
    }

    /// <summary>
    /// First reduction level: within each 128-bit quarter the result holds partial sums of (x, y, x, y).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Interleave32(Vector512<float> x, Vector512<float> y)
    {
        return Avx512F.UnpackLow(x, y) + Avx512F.UnpackHigh(x, y);
    }

    /// <summary>
    /// Second level, on two first-level results (of v₀,v₁ and v₂,v₃): each 128-bit quarter then holds one partial
    /// sum of each of (v₀, v₁, v₂, v₃).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Interleave64(Vector512<float> x, Vector512<float> y)
    {
        Vector512<double> xd = x.AsDouble(), yd = y.AsDouble();
        return Avx512F.UnpackLow(xd, yd).AsSingle() + Avx512F.UnpackHigh(xd, yd).AsSingle();
    }

    /// <summary>Adds 128-bit quarters pairwise: result quarters are (x₀+x₁, x₂+x₃, y₀+y₁, y₂+y₃).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quarters(Vector512<float> x, Vector512<float> y)
    {
        return Avx512F.Shuffle4x128(x, y, 0b10_00_10_00) + Avx512F.Shuffle4x128(x, y, 0b11_01_11_01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> v, bool accumulate)
    {
        if (accumulate)
        {
            v += Vector128.Load(c);
        }

        v.Store(c);
    }

    /// <summary>A mask with lanes <c>[0, count)</c> set (all lanes when <paramref name="count"/> is 0).</summary>
    internal static Vector512<float> TailMask512(int count)
    {
        return count == 0
            ? Vector512<float>.AllBitsSet
            : Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
    }

    // ---- Portable fallback (Vector<float>: 256-bit under the JIT without AVX-512, 128-bit under default NativeAOT) ----

    /// <summary>
    /// The same schedule with 4×2 tiles (8 accumulators, 6 loads per 8 multiply-adds: without AVX-512 there are only
    /// 16 vector registers), 1×4 tiles for leftover rows of A and a 4×1 column for a leftover row of B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockVector(float* a, float* b, float* c, int ld, int ldc, int len, int i0, int i1, int j0, int j1, bool accumulate)
    {
        int i4 = i0 + ((i1 - i0) & ~3);
        int j = j0;
        for (; j + 2 <= j1; j += 2)
        {
            float* bj = b + (nint)j * ld;
            for (int i = i0; i < i4; i += 4)
            {
                DotVector4x2(a + (nint)i * ld, bj, ld, len, c + (nint)i * ldc + j, ldc, accumulate);
            }
        }

        for (; j < j1; j++)
        {
            float* bj = b + (nint)j * ld;
            for (int i = i0; i < i4; i += 4)
            {
                DotVector1x4(bj, a + (nint)i * ld, ld, len, out float s0, out float s1, out float s2, out float s3);
                float* ci = c + (nint)i * ldc + j;
                Put(ci, s0, accumulate);
                Put(ci + ldc, s1, accumulate);
                Put(ci + 2 * (nint)ldc, s2, accumulate);
                Put(ci + 3 * (nint)ldc, s3, accumulate);
            }
        }

        for (int i = i4; i < i1; i++)
        {
            float* ai = a + (nint)i * ld;
            float* ci = c + (nint)i * ldc;
            j = j0;
            for (; j + 4 <= j1; j += 4)
            {
                DotVector1x4(ai, b + (nint)j * ld, ld, len, out float s0, out float s1, out float s2, out float s3);
                Put(ci + j, s0, accumulate);
                Put(ci + j + 1, s1, accumulate);
                Put(ci + j + 2, s2, accumulate);
                Put(ci + j + 3, s3, accumulate);
            }

            for (; j < j1; j++)
            {
                float* bj = b + (nint)j * ld;
                Vector<float> acc = default;
                int p = 0;
                for (; p <= len - Vector<float>.Count; p += Vector<float>.Count)
                {
                    acc = Vector.MultiplyAddEstimate(Vector.Load(ai + p), Vector.Load(bj + p), acc);
                }

                float sum = Vector.Sum(acc);
                for (; p < len; p++)
                {
                    sum += ai[p] * bj[p];
                }

                Put(ci + j, sum, accumulate);
            }
        }
    }

    /// <summary>Rows <c>a + r·ld</c> (r &lt; 4) against rows <c>b + s·ld</c> (s &lt; 2), into <c>C[r, s]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotVector4x2(float* a, float* b, int ld, int len, float* c, int ldc, bool accumulate)
    {
        float* a1 = a + ld, a2 = a1 + ld, a3 = a2 + ld, b1 = b + ld;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        int p = 0;
        for (; p <= len - Vector<float>.Count; p += Vector<float>.Count)
        {
            Vector<float> y0 = Vector.Load(b + p), y1 = Vector.Load(b1 + p);
            Vector<float> x = Vector.Load(a + p);
            c00 = Vector.MultiplyAddEstimate(x, y0, c00);
            c01 = Vector.MultiplyAddEstimate(x, y1, c01);
            x = Vector.Load(a1 + p);
            c10 = Vector.MultiplyAddEstimate(x, y0, c10);
            c11 = Vector.MultiplyAddEstimate(x, y1, c11);
            x = Vector.Load(a2 + p);
            c20 = Vector.MultiplyAddEstimate(x, y0, c20);
            c21 = Vector.MultiplyAddEstimate(x, y1, c21);
            x = Vector.Load(a3 + p);
            c30 = Vector.MultiplyAddEstimate(x, y0, c30);
            c31 = Vector.MultiplyAddEstimate(x, y1, c31);
        }

        float s00 = Vector.Sum(c00), s01 = Vector.Sum(c01), s10 = Vector.Sum(c10), s11 = Vector.Sum(c11);
        float s20 = Vector.Sum(c20), s21 = Vector.Sum(c21), s30 = Vector.Sum(c30), s31 = Vector.Sum(c31);
        for (; p < len; p++)
        {
            float y0 = b[p], y1 = b1[p];
            s00 += a[p] * y0;
            s01 += a[p] * y1;
            s10 += a1[p] * y0;
            s11 += a1[p] * y1;
            s20 += a2[p] * y0;
            s21 += a2[p] * y1;
            s30 += a3[p] * y0;
            s31 += a3[p] * y1;
        }

        Put(c, s00, accumulate);
        Put(c + 1, s01, accumulate);
        c += ldc;
        Put(c, s10, accumulate);
        Put(c + 1, s11, accumulate);
        c += ldc;
        Put(c, s20, accumulate);
        Put(c + 1, s21, accumulate);
        c += ldc;
        Put(c, s30, accumulate);
        Put(c + 1, s31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, float value, bool accumulate)
    {
        *c = accumulate ? *c + value : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotVector1x4(float* x, float* y, int ld, int len, out float s0, out float s1, out float s2, out float s3)
    {
        float* y1 = y + ld, y2 = y1 + ld, y3 = y2 + ld;
        Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int p = 0;
        for (; p <= len - Vector<float>.Count; p += Vector<float>.Count)
        {
            Vector<float> v = Vector.Load(x + p);
            c0 = Vector.MultiplyAddEstimate(v, Vector.Load(y + p), c0);
            c1 = Vector.MultiplyAddEstimate(v, Vector.Load(y1 + p), c1);
            c2 = Vector.MultiplyAddEstimate(v, Vector.Load(y2 + p), c2);
            c3 = Vector.MultiplyAddEstimate(v, Vector.Load(y3 + p), c3);
        }

        s0 = Vector.Sum(c0);
        s1 = Vector.Sum(c1);
        s2 = Vector.Sum(c2);
        s3 = Vector.Sum(c3);
        for (; p < len; p++)
        {
            float v = x[p];
            s0 += v * y[p];
            s1 += v * y1[p];
            s2 += v * y2[p];
            s3 += v * y3[p];
        }
    }
}
