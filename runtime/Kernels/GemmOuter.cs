using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Micro-kernels for <c>C (+)= op(A)·B</c> where B and C run contiguously along n (<c>A·B</c> and <c>Aᵀ·B</c>): each
/// step of k broadcasts one element of A per row and multiplies it into whole vectors of a row of B (a rank-1 update
/// of a register tile). A tile of 4 rows × 4 Vector512 (64 columns) holds 16 accumulators; 4 loads and 4 broadcasts
/// feed 16 fused multiply-adds. A is addressed through two strides, so the same code serves A (row stride k) and
/// Aᵀ (column stride m). Column tails use masked loads and stores, so no lane outside C is read or written.
/// </summary>
/// <remarks>
/// The block drivers are compiled fully optimized on first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// with tiered PGO, whichever tile path ran first was laid out as the hot one, and a batch-1 GEMV run after batch-64
/// products measured ~15% slower.
/// </remarks>
internal static unsafe class GemmOuter
{
    /// <summary>
    /// Longest stretch of k the 256-bit kernels do in one pass: a 16-column panel of B of this height is 8 KiB. On the
    /// Zen 5 host running those kernels (<c>DOTNET_EnableAVX512=0</c>), 1,024 measured the same or up to 6 % slower.
    /// </summary>
    private const int KBlock = 128;

    /// <summary>
    /// Longest stretch of k the AVX-512 kernels do in one pass: a 64-column panel of B of this height is 256 KiB, a
    /// quarter of a Zen 4/5 core's L2, so a panel streams from L2 while every tile reuses it, and k up to 1,024 (the
    /// Fashion MLP's 784 inputs) runs in one pass: C is loaded and stored once per tile instead of once per 128 steps of
    /// k. Zen 5, 256×256 products with a cached packed Bᵀ (batch-256 inference's first layer), medians of 200 calls
    /// against <see cref="KBlock"/> (128): one thread, k = 784 / 1,536 / 3,072: 508–519 → 463–497, 993–1,036 →
    /// 900–971, 2,123–2,161 → 1,795–1,991 µs; two threads: 321–323 → 240–247, 640–650 → 479–508, 1,232–1,250 →
    /// 986–1,006 µs (~93 % of the two-core FMA peak at k = 784).
    /// </summary>
    private const int KBlock512 = 1024;

    /// <summary>
    /// The length of each pass over k for a product of depth <paramref name="k"/> on this host: k itself up to
    /// <see cref="KBlock512"/> (AVX-512) or <see cref="KBlock"/>, else k cut into equal passes no longer than that.
    /// </summary>
    internal static int PassLength(int k)
    {
        int longest = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? KBlock512 : KBlock;
        int blocks = (k + longest - 1) / longest;
        return blocks <= 1 ? k : (k + blocks - 1) / blocks;
    }

    /// <summary>Computes the block <c>C[i0..i1, j0..j1)</c>; <paramref name="j0"/> must be a multiple of 16 or reach <c>n</c>.</summary>
    internal static void Run(in GemmJob g, int i0, int i1, int j0, int j1)
    {
        int k = g.K;
        int kc = PassLength(k);
        for (int p0 = 0; p0 < k; p0 += kc)
        {
            int len = Math.Min(kc, k - p0);
            bool accumulate = g.Accumulate || p0 > 0;
            float* a = g.A + (nint)p0 * g.ColStrideA;

            // A packed Bᵀ is panel-major (see Gemm.PanelWidth, 64 columns for the 512-bit tiles, and
            // Gemm.PanelWidthWithoutAvx512, 16 for the 256-bit ones): rows of a panel are its width apart.
            bool panels = g.Kind == GemmKind.OuterPackedB;
            int ldb = panels ? g.PanelWidth : g.N;
            float* b = g.B + ((nint)p0 * ldb);
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            {
                // 6-row tiles wherever there are six rows: the transposed A·Bᵀ (long k, B's rows broadcast) once measured
                // ~2 % faster with 4-row tiles, but on Zen 5 its 64×784→256 training product took 126–131 µs with them
                // against 138–139 (tools/ab kern 64 1). Its blocks of k are summed on their own and added to C once.
                nint panelStride = panels ? (nint)Gemm.PanelWidth * k : 0;
                // The last pass over k also writes max(C, 0) to ReluOut (same layout as C) when the job asks for it.
                nint relu = g.ReluOut is not null && p0 + len >= k ? (nint)(g.ReluOut - g.C) : NoRelu;
                Block512(a, g.RowStrideA, g.ColStrideA, b, ldb, panelStride, g.C, g.N, len, i0, i1, j0, j1, accumulate, p0 == 0 ? g.Bias : null, blockSum: g.Kind == GemmKind.ABtTransposed, relu);
            }
            else
            {
                // Without AVX-512, B is row-major, or a panel-major packed Bᵀ (Gemm.UsePackedBWithoutAvx512) whose
                // bias is written into C before the first pass.
                Debug.Assert(g.ReluOut is null, "A fused ReLU needs the AVX-512 kernels.");
                nint panelStride = panels ? (nint)g.PanelWidth * k : 0;
                BlockVector(a, g.RowStrideA, g.ColStrideA, b, ldb, panelStride, g.C, g.N, len, i0, i1, j0, j1, accumulate, p0 == 0 ? g.Bias : null);
            }
        }
    }

    // ---- AVX-512 -------------------------------------------------------------------------------------------------

    /// <summary>The <c>relu</c> argument of the tiles that asks for no second output.</summary>
    private static readonly nint NoRelu = nint.MinValue;

    /// <summary>Stores a vector of C and, unless <paramref name="relu"/> is <see cref="NoRelu"/>, its ReLU <paramref name="relu"/> floats further on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* c, nint relu)
    {
        v.Store(c);
        if (relu != NoRelu)
        {
            Vector512.Max(v, Vector512<float>.Zero).Store(c + relu);
        }
    }

    /// <summary>The masked form of <see cref="Store(Vector512{float}, float*, nint)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* c, Vector512<float> mask, nint relu)
    {
        Avx512F.MaskStore(c, mask, v);
        if (relu != NoRelu)
        {
            Avx512F.MaskStore(c + relu, mask, Vector512.Max(v, Vector512<float>.Zero));
        }
    }

    /// <summary>
    /// One pass over <paramref name="len"/> steps of k: for each 64-column panel of B (reused from L1 by every row
    /// tile), every group of 6 rows, then of 4, then single rows; then the remaining
    /// columns 16 at a time, the last one masked. The next tile's lines of C are prefetched. B's rows are
    /// <paramref name="ldb"/> floats apart; with a nonzero <paramref name="panelStride"/> B is panel-major (column j at
    /// panel <c>j / 64</c>, <paramref name="panelStride"/> floats per panel, offset <c>j % 64</c> in it). Unless
    /// <paramref name="accumulate"/>, the tiles start from <paramref name="bias"/> (one float per column of C) if it is
    /// not null, else from zero. With <paramref name="blockSum"/> every tile sums this pass on its own and adds the sum
    /// to C once (a long k then rounds as k/len sums of len terms, not one sequential sum of k).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(float* a, int rsa, int csa, float* b, int ldb, nint panelStride, float* c, int ldc, int len, int i0, int i1, int j0, int j1, bool accumulate, float* bias, bool blockSum, nint relu)
    {
        // As many 6-row tiles as leave a remainder that 4-row tiles cover with at most one single row (8 rows are two
        // 4-row tiles, not a 6-row tile and two single rows, which would be load-bound).
        int sixes = (i1 - i0) / 6;
        if (sixes > 0 && (i1 - i0 - 6 * sixes) % 4 >= 2)
        {
            sixes--;
        }

        int i6 = i0 + 6 * sixes;
        int j = j0;
        for (; j + 64 <= j1; j += 64)
        {
            float* bj = ColumnOfB(b, panelStride, j);
            float* biasJ = bias is null ? null : bias + j;
            int i = i0;
            for (; i < i6; i += 6)
            {
                if (i + 12 <= i1 && Sse.IsSupported)
                {
                    PrefetchTile(c + (nint)(i + 6) * ldc + j, ldc);
                    PrefetchTile(c + (nint)(i + 8) * ldc + j, ldc);
                }

                Tile6x64(a + (nint)i * rsa, rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, accumulate, biasJ, relu, blockSum);
            }

            for (; i + 4 <= i1; i += 4)
            {
                // The next tile's 16 lines of C: a large C (the weight gradient, 784 KiB for 256×784) sits in L3, 4 rows
                // a tile apart, where the hardware prefetcher does not look.
                if (i + 8 <= i1 && Sse.IsSupported)
                {
                    PrefetchTile(c + (nint)(i + 4) * ldc + j, ldc);
                }

                Tile4x64(a + (nint)i * rsa, rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, accumulate, biasJ, relu, blockSum);
            }

            for (; i < i1; i++)
            {
                Tile1x64(a + (nint)i * rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, accumulate, biasJ, relu, blockSum);
            }
        }

        for (; j < j1; j += 16)
        {
            Vector512<float> mask = GemmDot.TailMask512(Math.Min(j1 - j, 16) & 15);
            float* bj = ColumnOfB(b, panelStride, j);
            float* biasJ = bias is null ? null : bias + j;
            int i = i0;
            for (; i + 8 <= i1; i += 8)
            {
                Tile8x16(a + (nint)i * rsa, rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, mask, accumulate, biasJ, relu, blockSum);
            }

            for (; i + 4 <= i1; i += 4)
            {
                Tile4x16(a + (nint)i * rsa, rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, mask, accumulate, biasJ, relu, blockSum);
            }

            for (; i < i1; i++)
            {
                Tile1x16(a + (nint)i * rsa, csa, bj, ldb, ldc, c + (nint)i * ldc + j, len, mask, accumulate, biasJ, relu, blockSum);
            }
        }
    }

    /// <summary>Column <paramref name="j"/> of B's first row: row-major (<paramref name="panelStride"/> 0) or panel-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* ColumnOfB(float* b, nint panelStride, int j, int width = Gemm.PanelWidth) =>
        panelStride == 0 ? b + j : b + ((j / width) * panelStride) + (j % width);

    /// <summary>Prefetches the 4 rows × 64 floats (16 cache lines) of a tile of C into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ld)
    {
        for (int r = 0; r < 4; r++)
        {
            float* row = c + (nint)r * ld;
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 16);
            Sse.Prefetch0(row + 32);
            Sse.Prefetch0(row + 48);
        }
    }

    /// <summary>4 rows × 64 columns: <c>C[r, 0..64) (+)= Σₚ A[r, p]·B[p, 0..64)</c>, with rows of B <paramref name="ldb"/> and of C <paramref name="ld"/> floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x64(float* a, int rsa, int csa, float* b, int ldb, int ld, float* c, int len, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        float* c1 = c + ld, c2 = c1 + ld, c3 = c2 + ld;
        Vector512<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (accumulate && !blockSum)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16); c02 = Vector512.Load(c + 32); c03 = Vector512.Load(c + 48);
            c10 = Vector512.Load(c1); c11 = Vector512.Load(c1 + 16); c12 = Vector512.Load(c1 + 32); c13 = Vector512.Load(c1 + 48);
            c20 = Vector512.Load(c2); c21 = Vector512.Load(c2 + 16); c22 = Vector512.Load(c2 + 32); c23 = Vector512.Load(c2 + 48);
            c30 = Vector512.Load(c3); c31 = Vector512.Load(c3 + 16); c32 = Vector512.Load(c3 + 32); c33 = Vector512.Load(c3 + 48);
        }
        else if (bias is not null)
        {
            c00 = c10 = c20 = c30 = Vector512.Load(bias);
            c01 = c11 = c21 = c31 = Vector512.Load(bias + 16);
            c02 = c12 = c22 = c32 = Vector512.Load(bias + 32);
            c03 = c13 = c23 = c33 = Vector512.Load(bias + 48);
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = default;
            c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = default;
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa;
        for (int p = 0; p < len; p++)
        {
            Vector512<float> y0 = Vector512.Load(b), y1 = Vector512.Load(b + 16);
            Vector512<float> y2 = Vector512.Load(b + 32), y3 = Vector512.Load(b + 48);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, y0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, y1, c01);
            c02 = Vector512.FusedMultiplyAdd(x, y2, c02);
            c03 = Vector512.FusedMultiplyAdd(x, y3, c03);
            x = Vector512.Create(a[r1]);
            c10 = Vector512.FusedMultiplyAdd(x, y0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, y1, c11);
            c12 = Vector512.FusedMultiplyAdd(x, y2, c12);
            c13 = Vector512.FusedMultiplyAdd(x, y3, c13);
            x = Vector512.Create(a[r2]);
            c20 = Vector512.FusedMultiplyAdd(x, y0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, y1, c21);
            c22 = Vector512.FusedMultiplyAdd(x, y2, c22);
            c23 = Vector512.FusedMultiplyAdd(x, y3, c23);
            x = Vector512.Create(a[r3]);
            c30 = Vector512.FusedMultiplyAdd(x, y0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, y1, c31);
            c32 = Vector512.FusedMultiplyAdd(x, y2, c32);
            c33 = Vector512.FusedMultiplyAdd(x, y3, c33);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            // The block's sum added to C once: a long k then rounds like k/len sums of len terms, not one sum of k.
            c00 += Vector512.Load(c); c01 += Vector512.Load(c + 16); c02 += Vector512.Load(c + 32); c03 += Vector512.Load(c + 48);
            c10 += Vector512.Load(c1); c11 += Vector512.Load(c1 + 16); c12 += Vector512.Load(c1 + 32); c13 += Vector512.Load(c1 + 48);
            c20 += Vector512.Load(c2); c21 += Vector512.Load(c2 + 16); c22 += Vector512.Load(c2 + 32); c23 += Vector512.Load(c2 + 48);
            c30 += Vector512.Load(c3); c31 += Vector512.Load(c3 + 16); c32 += Vector512.Load(c3 + 32); c33 += Vector512.Load(c3 + 48);
        }

        Store(c00, c, relu); Store(c01, c + 16, relu); Store(c02, c + 32, relu); Store(c03, c + 48, relu);
        Store(c10, c1, relu); Store(c11, c1 + 16, relu); Store(c12, c1 + 32, relu); Store(c13, c1 + 48, relu);
        Store(c20, c2, relu); Store(c21, c2 + 16, relu); Store(c22, c2 + 32, relu); Store(c23, c2 + 48, relu);
        Store(c30, c3, relu); Store(c31, c3 + 16, relu); Store(c32, c3 + 32, relu); Store(c33, c3 + 48, relu);
    }

    /// <summary>
    /// 6 rows × 64 columns: 24 accumulators, 4 loads and 6 broadcasts per 24 fused multiply-adds (with the loaded row of
    /// B, 28 of the 32 vector registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile6x64(float* a, int rsa, int csa, float* b, int ldb, int ld, float* c, int len, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        float* c1 = c + ld, c2 = c1 + ld, c3 = c2 + ld, c4 = c3 + ld, c5 = c4 + ld;
        Vector512<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        Vector512<float> c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate && !blockSum)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16); c02 = Vector512.Load(c + 32); c03 = Vector512.Load(c + 48);
            c10 = Vector512.Load(c1); c11 = Vector512.Load(c1 + 16); c12 = Vector512.Load(c1 + 32); c13 = Vector512.Load(c1 + 48);
            c20 = Vector512.Load(c2); c21 = Vector512.Load(c2 + 16); c22 = Vector512.Load(c2 + 32); c23 = Vector512.Load(c2 + 48);
            c30 = Vector512.Load(c3); c31 = Vector512.Load(c3 + 16); c32 = Vector512.Load(c3 + 32); c33 = Vector512.Load(c3 + 48);
            c40 = Vector512.Load(c4); c41 = Vector512.Load(c4 + 16); c42 = Vector512.Load(c4 + 32); c43 = Vector512.Load(c4 + 48);
            c50 = Vector512.Load(c5); c51 = Vector512.Load(c5 + 16); c52 = Vector512.Load(c5 + 32); c53 = Vector512.Load(c5 + 48);
        }
        else if (bias is not null)
        {
            c00 = c10 = c20 = c30 = c40 = c50 = Vector512.Load(bias);
            c01 = c11 = c21 = c31 = c41 = c51 = Vector512.Load(bias + 16);
            c02 = c12 = c22 = c32 = c42 = c52 = Vector512.Load(bias + 32);
            c03 = c13 = c23 = c33 = c43 = c53 = Vector512.Load(bias + 48);
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = default;
            c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = default;
            c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = default;
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa, r4 = 4 * (nint)rsa, r5 = 5 * (nint)rsa;
        for (int p = 0; p < len; p++)
        {
            Vector512<float> y0 = Vector512.Load(b), y1 = Vector512.Load(b + 16);
            Vector512<float> y2 = Vector512.Load(b + 32), y3 = Vector512.Load(b + 48);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, y0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, y1, c01);
            c02 = Vector512.FusedMultiplyAdd(x, y2, c02);
            c03 = Vector512.FusedMultiplyAdd(x, y3, c03);
            x = Vector512.Create(a[r1]);
            c10 = Vector512.FusedMultiplyAdd(x, y0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, y1, c11);
            c12 = Vector512.FusedMultiplyAdd(x, y2, c12);
            c13 = Vector512.FusedMultiplyAdd(x, y3, c13);
            x = Vector512.Create(a[r2]);
            c20 = Vector512.FusedMultiplyAdd(x, y0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, y1, c21);
            c22 = Vector512.FusedMultiplyAdd(x, y2, c22);
            c23 = Vector512.FusedMultiplyAdd(x, y3, c23);
            x = Vector512.Create(a[r3]);
            c30 = Vector512.FusedMultiplyAdd(x, y0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, y1, c31);
            c32 = Vector512.FusedMultiplyAdd(x, y2, c32);
            c33 = Vector512.FusedMultiplyAdd(x, y3, c33);
            x = Vector512.Create(a[r4]);
            c40 = Vector512.FusedMultiplyAdd(x, y0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, y1, c41);
            c42 = Vector512.FusedMultiplyAdd(x, y2, c42);
            c43 = Vector512.FusedMultiplyAdd(x, y3, c43);
            x = Vector512.Create(a[r5]);
            c50 = Vector512.FusedMultiplyAdd(x, y0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, y1, c51);
            c52 = Vector512.FusedMultiplyAdd(x, y2, c52);
            c53 = Vector512.FusedMultiplyAdd(x, y3, c53);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            // As in Tile4x64: this block's sum added to C once.
            c00 += Vector512.Load(c); c01 += Vector512.Load(c + 16); c02 += Vector512.Load(c + 32); c03 += Vector512.Load(c + 48);
            c10 += Vector512.Load(c1); c11 += Vector512.Load(c1 + 16); c12 += Vector512.Load(c1 + 32); c13 += Vector512.Load(c1 + 48);
            c20 += Vector512.Load(c2); c21 += Vector512.Load(c2 + 16); c22 += Vector512.Load(c2 + 32); c23 += Vector512.Load(c2 + 48);
            c30 += Vector512.Load(c3); c31 += Vector512.Load(c3 + 16); c32 += Vector512.Load(c3 + 32); c33 += Vector512.Load(c3 + 48);
            c40 += Vector512.Load(c4); c41 += Vector512.Load(c4 + 16); c42 += Vector512.Load(c4 + 32); c43 += Vector512.Load(c4 + 48);
            c50 += Vector512.Load(c5); c51 += Vector512.Load(c5 + 16); c52 += Vector512.Load(c5 + 32); c53 += Vector512.Load(c5 + 48);
        }

        Store(c00, c, relu); Store(c01, c + 16, relu); Store(c02, c + 32, relu); Store(c03, c + 48, relu);
        Store(c10, c1, relu); Store(c11, c1 + 16, relu); Store(c12, c1 + 32, relu); Store(c13, c1 + 48, relu);
        Store(c20, c2, relu); Store(c21, c2 + 16, relu); Store(c22, c2 + 32, relu); Store(c23, c2 + 48, relu);
        Store(c30, c3, relu); Store(c31, c3 + 16, relu); Store(c32, c3 + 32, relu); Store(c33, c3 + 48, relu);
        Store(c40, c4, relu); Store(c41, c4 + 16, relu); Store(c42, c4 + 32, relu); Store(c43, c4 + 48, relu);
        Store(c50, c5, relu); Store(c51, c5 + 16, relu); Store(c52, c5 + 32, relu); Store(c53, c5 + 48, relu);
    }

    /// <summary>1 row × 64 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x64(float* a, int csa, float* b, int ldb, int ld, float* c, int len, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        if (accumulate && !blockSum)
        {
            c0 = Vector512.Load(c); c1 = Vector512.Load(c + 16); c2 = Vector512.Load(c + 32); c3 = Vector512.Load(c + 48);
        }
        else if (bias is not null)
        {
            c0 = Vector512.Load(bias); c1 = Vector512.Load(bias + 16); c2 = Vector512.Load(bias + 32); c3 = Vector512.Load(bias + 48);
        }

        for (int p = 0; p < len; p++)
        {
            Vector512<float> x = Vector512.Create(*a);
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 48), c3);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            c0 += Vector512.Load(c); c1 += Vector512.Load(c + 16); c2 += Vector512.Load(c + 32); c3 += Vector512.Load(c + 48);
        }

        Store(c0, c, relu); Store(c1, c + 16, relu); Store(c2, c + 32, relu); Store(c3, c + 48, relu);
    }

    /// <summary>4 rows × up to 16 columns (the lanes set in <paramref name="mask"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x16(float* a, int rsa, int csa, float* b, int ldb, int ld, float* c, int len, Vector512<float> mask, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        float* c1 = c + ld, c2 = c1 + ld, c3 = c2 + ld;
        Vector512<float> z = Vector512<float>.Zero;
        Vector512<float> c0v = z, c1v = z, c2v = z, c3v = z;
        if (accumulate && !blockSum)
        {
            c0v = Avx512F.MaskLoad(c, mask, z);
            c1v = Avx512F.MaskLoad(c1, mask, z);
            c2v = Avx512F.MaskLoad(c2, mask, z);
            c3v = Avx512F.MaskLoad(c3, mask, z);
        }
        else if (bias is not null)
        {
            c0v = c1v = c2v = c3v = Avx512F.MaskLoad(bias, mask, z);
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa;
        for (int p = 0; p < len; p++)
        {
            Vector512<float> y = Avx512F.MaskLoad(b, mask, z);
            c0v = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), y, c0v);
            c1v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r1]), y, c1v);
            c2v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r2]), y, c2v);
            c3v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r3]), y, c3v);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            c0v += Avx512F.MaskLoad(c, mask, z);
            c1v += Avx512F.MaskLoad(c1, mask, z);
            c2v += Avx512F.MaskLoad(c2, mask, z);
            c3v += Avx512F.MaskLoad(c3, mask, z);
        }

        Store(c0v, c, mask, relu);
        Store(c1v, c1, mask, relu);
        Store(c2v, c2, mask, relu);
        Store(c3v, c3, mask, relu);
    }

    /// <summary>
    /// 8 rows × up to 16 columns (the lanes set in <paramref name="mask"/>): the narrow column tail, such as a
    /// 10-class head (n = 10). Its 8 accumulators cover the two FMA pipes' latency, which the 4-row tile's 4 could not
    /// (one multiply-add per cycle: the 256×128→10 head of batch-256 inference ran at ~79 GFLOP/s on Zen 5); 9 loads
    /// feed 8 multiply-adds. Each element's sum runs over k in the same order as in the other tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8x16(float* a, int rsa, int csa, float* b, int ldb, int ld, float* c, int len, Vector512<float> mask, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        Vector512<float> z = Vector512<float>.Zero;
        Vector512<float> c0v = z, c1v = z, c2v = z, c3v = z, c4v = z, c5v = z, c6v = z, c7v = z;
        if (accumulate && !blockSum)
        {
            c0v = Avx512F.MaskLoad(c, mask, z);
            c1v = Avx512F.MaskLoad(c + ld, mask, z);
            c2v = Avx512F.MaskLoad(c + (2 * (nint)ld), mask, z);
            c3v = Avx512F.MaskLoad(c + (3 * (nint)ld), mask, z);
            c4v = Avx512F.MaskLoad(c + (4 * (nint)ld), mask, z);
            c5v = Avx512F.MaskLoad(c + (5 * (nint)ld), mask, z);
            c6v = Avx512F.MaskLoad(c + (6 * (nint)ld), mask, z);
            c7v = Avx512F.MaskLoad(c + (7 * (nint)ld), mask, z);
        }
        else if (bias is not null)
        {
            c0v = c1v = c2v = c3v = c4v = c5v = c6v = c7v = Avx512F.MaskLoad(bias, mask, z);
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa, r4 = 4 * (nint)rsa, r5 = 5 * (nint)rsa, r6 = 6 * (nint)rsa, r7 = 7 * (nint)rsa;
        for (int p = 0; p < len; p++)
        {
            Vector512<float> y = Avx512F.MaskLoad(b, mask, z);
            c0v = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), y, c0v);
            c1v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r1]), y, c1v);
            c2v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r2]), y, c2v);
            c3v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r3]), y, c3v);
            c4v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r4]), y, c4v);
            c5v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r5]), y, c5v);
            c6v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r6]), y, c6v);
            c7v = Vector512.FusedMultiplyAdd(Vector512.Create(a[r7]), y, c7v);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            c0v += Avx512F.MaskLoad(c, mask, z);
            c1v += Avx512F.MaskLoad(c + ld, mask, z);
            c2v += Avx512F.MaskLoad(c + (2 * (nint)ld), mask, z);
            c3v += Avx512F.MaskLoad(c + (3 * (nint)ld), mask, z);
            c4v += Avx512F.MaskLoad(c + (4 * (nint)ld), mask, z);
            c5v += Avx512F.MaskLoad(c + (5 * (nint)ld), mask, z);
            c6v += Avx512F.MaskLoad(c + (6 * (nint)ld), mask, z);
            c7v += Avx512F.MaskLoad(c + (7 * (nint)ld), mask, z);
        }

        Store(c0v, c, mask, relu);
        Store(c1v, c + ld, mask, relu);
        Store(c2v, c + (2 * (nint)ld), mask, relu);
        Store(c3v, c + (3 * (nint)ld), mask, relu);
        Store(c4v, c + (4 * (nint)ld), mask, relu);
        Store(c5v, c + (5 * (nint)ld), mask, relu);
        Store(c6v, c + (6 * (nint)ld), mask, relu);
        Store(c7v, c + (7 * (nint)ld), mask, relu);
    }

    /// <summary>1 row × up to 16 columns (the lanes set in <paramref name="mask"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x16(float* a, int csa, float* b, int ldb, int ld, float* c, int len, Vector512<float> mask, bool accumulate, float* bias, nint relu, bool blockSum)
    {
        Vector512<float> z = Vector512<float>.Zero;
        Vector512<float> acc = accumulate && !blockSum ? Avx512F.MaskLoad(c, mask, z) : !accumulate && bias is not null ? Avx512F.MaskLoad(bias, mask, z) : z;
        for (int p = 0; p < len; p++)
        {
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(*a), Avx512F.MaskLoad(b, mask, z), acc);
            a += csa;
            b += ldb;
        }

        if (accumulate && blockSum)
        {
            acc += Avx512F.MaskLoad(c, mask, z);
        }

        Store(acc, c, mask, relu);
    }

    // ---- Portable fallback (Vector<float>) -----------------------------------------------------------------------

    /// <summary>
    /// Rows 6 at a time (then 4, then singly) against 2-vector column strips: the 6×2 tile keeps 12 accumulators, two
    /// vectors of B and a broadcast in 15 of the 16 vector registers of a host without AVX-512 (the 4×2 tile's 8
    /// accumulators cannot cover two FMA pipes of 4–5 cycles' latency). B's rows are <paramref name="ldb"/> floats
    /// apart; with a nonzero <paramref name="panelStride"/> B is panel-major (panels <paramref name="ldb"/> columns
    /// wide, column j in panel j / <paramref name="ldb"/>, panels that far apart). A non-null <paramref name="bias"/>
    /// is copied into every row of the block first (only when not accumulating), so C = bias + A·B.
    /// </summary>
    /// <remarks>
    /// Every tile, the column tail's included, accumulates in registers. The tail (fewer than two vectors, such as
    /// all 10 columns of the Fashion MLP's last layer) once ran a row at a time, loading and storing its vector of C
    /// at every step of k, so each step waited for the previous one's store: on an AVX2-only Zen 3 the batch-256
    /// 128→10 layer took ~190 µs (3.5 GFLOP/s). Now the tail's columns of B are copied into a zero-padded 2-vector
    /// strip and its columns of C into a scratch strip, the ordinary tiles run on those, and the strip is copied back.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockVector(float* a, int rsa, int csa, float* b, int ldb, nint panelStride, float* c, int ldc, int len, int i0, int i1, int j0, int j1, bool accumulate, float* bias)
    {
        if (bias is not null && !accumulate)
        {
            for (int i = i0; i < i1; i++)
            {
                new ReadOnlySpan<float>(bias + j0, j1 - j0).CopyTo(new Span<float>(c + (nint)i * ldc + j0, j1 - j0));
            }

            accumulate = true;
        }

        int w = Vector<float>.Count;
        int j = j0;
        for (; j + 2 * w <= j1; j += 2 * w)
        {
            StripVector(a, rsa, csa, ColumnOfB(b, panelStride, j, ldb), ldb, c + j, ldc, len, i0, i1, accumulate);
        }

        if (j < j1)
        {
            // The column tail (fewer than 2 vectors) lies within one panel: a panel is a whole number of 2-vector strips.
            int width = j1 - j, strip = 2 * w, rows = i1 - i0;
            long needed = ((long)len + rows) * strip;
            float[] scratch = t_tail is { } existing && existing.Length >= needed ? existing : t_tail = new float[needed];
            fixed (float* ps = scratch)
            {
                float* bt = ps, ct = ps + ((nint)len * strip);
                float* bj = ColumnOfB(b, panelStride, j, ldb);
                for (int p = 0; p < len; p++)
                {
                    var row = new Span<float>(bt + ((nint)p * strip), strip);
                    new ReadOnlySpan<float>(bj + ((nint)p * ldb), width).CopyTo(row);
                    row.Slice(width).Clear();
                }

                for (int i = 0; i < rows; i++)
                {
                    var source = new ReadOnlySpan<float>(c + ((nint)(i0 + i) * ldc) + j, width);
                    if (accumulate)
                    {
                        source.CopyTo(new Span<float>(ct + ((nint)i * strip), width));
                    }
                }

                StripVector(a + ((nint)i0 * rsa), rsa, csa, bt, strip, ct, strip, len, 0, rows, accumulate);
                for (int i = 0; i < rows; i++)
                {
                    new ReadOnlySpan<float>(ct + ((nint)i * strip), width).CopyTo(new Span<float>(c + ((nint)(i0 + i) * ldc) + j, width));
                }
            }
        }
    }

    /// <summary>The caller's zero-padded copy of a column tail of B and its strip of C (grown, never shrunk).</summary>
    [ThreadStatic]
    private static float[]? t_tail;

    /// <summary>
    /// Rows <c>[i0, i1)</c> of one 2-vector column strip: <c>C[i, 0..2w) (+)= Σₚ A[i, p]·B[p, 0..2w)</c>, with C's rows
    /// <paramref name="ldc"/> floats apart starting at <paramref name="c"/> (row 0). As many 6-row tiles as leave a
    /// remainder that 4-row tiles cover with at most one single row: 8 rows (a thread's share of a batch-64
    /// A·B split 8 ways) are two 4-row tiles, not a 6-row tile and two single rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StripVector(float* a, int rsa, int csa, float* b, int ldb, float* c, int ldc, int len, int i0, int i1, bool accumulate)
    {
        int sixes = (i1 - i0) / 6;
        if (sixes > 0 && (i1 - i0 - (6 * sixes)) % 4 >= 2)
        {
            sixes--;
        }

        int i = i0, i6 = i0 + (6 * sixes);
        for (; i < i6; i += 6)
        {
            VectorTile6x2(a + (nint)i * rsa, rsa, csa, b, ldb, c + (nint)i * ldc, ldc, len, accumulate);
        }

        for (; i + 4 <= i1; i += 4)
        {
            VectorTile4x2(a + (nint)i * rsa, rsa, csa, b, ldb, c + (nint)i * ldc, ldc, len, accumulate);
        }

        for (; i < i1; i++)
        {
            VectorTile1x2(a + (nint)i * rsa, csa, b, ldb, c + (nint)i * ldc, len, accumulate);
        }
    }

    /// <summary>One row × 2 vectors, in registers (a row at a time through C waited on a store every step of k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorTile1x2(float* a, int csa, float* b, int ldb, float* c, int len, bool accumulate)
    {
        int w = Vector<float>.Count;
        Vector<float> c0 = default, c1 = default;
        if (accumulate)
        {
            c0 = Vector.Load(c); c1 = Vector.Load(c + w);
        }

        for (int p = 0; p < len; p++)
        {
            var x = new Vector<float>(*a);
            c0 = Vector.MultiplyAddEstimate(x, Vector.Load(b), c0);
            c1 = Vector.MultiplyAddEstimate(x, Vector.Load(b + w), c1);
            a += csa;
            b += ldb;
        }

        c0.Store(c); c1.Store(c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorTile4x2(float* a, int rsa, int csa, float* b, int ldb, float* c, int ldc, int len, bool accumulate)
    {
        int w = Vector<float>.Count;
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        if (accumulate)
        {
            c00 = Vector.Load(c); c01 = Vector.Load(c + w);
            c10 = Vector.Load(c1); c11 = Vector.Load(c1 + w);
            c20 = Vector.Load(c2); c21 = Vector.Load(c2 + w);
            c30 = Vector.Load(c3); c31 = Vector.Load(c3 + w);
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa;
        for (int p = 0; p < len; p++)
        {
            Vector<float> y0 = Vector.Load(b), y1 = Vector.Load(b + w);
            var x = new Vector<float>(a[0]);
            c00 = Vector.MultiplyAddEstimate(x, y0, c00);
            c01 = Vector.MultiplyAddEstimate(x, y1, c01);
            x = new Vector<float>(a[r1]);
            c10 = Vector.MultiplyAddEstimate(x, y0, c10);
            c11 = Vector.MultiplyAddEstimate(x, y1, c11);
            x = new Vector<float>(a[r2]);
            c20 = Vector.MultiplyAddEstimate(x, y0, c20);
            c21 = Vector.MultiplyAddEstimate(x, y1, c21);
            x = new Vector<float>(a[r3]);
            c30 = Vector.MultiplyAddEstimate(x, y0, c30);
            c31 = Vector.MultiplyAddEstimate(x, y1, c31);
            a += csa;
            b += ldb;
        }

        c00.Store(c); c01.Store(c + w);
        c10.Store(c1); c11.Store(c1 + w);
        c20.Store(c2); c21.Store(c2 + w);
        c30.Store(c3); c31.Store(c3 + w);
    }

    /// <summary>
    /// 6 rows × 2 vectors, two steps of k per iteration (the second step's operands addressed off the same pointers),
    /// so the loop's pointer and counter updates are spread over 24 fused multiply-adds instead of 12; each
    /// accumulator still sums in the order of k, so the result is the same as one step per iteration.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorTile6x2(float* a, int rsa, int csa, float* b, int ldb, float* c, int ldc, int len, bool accumulate)
    {
        int w = Vector<float>.Count;
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (accumulate)
        {
            c00 = Vector.Load(c); c01 = Vector.Load(c + w);
            c10 = Vector.Load(c1); c11 = Vector.Load(c1 + w);
            c20 = Vector.Load(c2); c21 = Vector.Load(c2 + w);
            c30 = Vector.Load(c3); c31 = Vector.Load(c3 + w);
            c40 = Vector.Load(c4); c41 = Vector.Load(c4 + w);
            c50 = Vector.Load(c5); c51 = Vector.Load(c5 + w);
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa, r4 = 4 * (nint)rsa, r5 = 5 * (nint)rsa;
        nint sa = csa, sb = ldb;
        int p = 0;
        for (; p + 2 <= len; p += 2)
        {
            Vector<float> y0 = Vector.Load(b), y1 = Vector.Load(b + w);
            var x = new Vector<float>(a[0]);
            c00 = Vector.MultiplyAddEstimate(x, y0, c00);
            c01 = Vector.MultiplyAddEstimate(x, y1, c01);
            x = new Vector<float>(a[r1]);
            c10 = Vector.MultiplyAddEstimate(x, y0, c10);
            c11 = Vector.MultiplyAddEstimate(x, y1, c11);
            x = new Vector<float>(a[r2]);
            c20 = Vector.MultiplyAddEstimate(x, y0, c20);
            c21 = Vector.MultiplyAddEstimate(x, y1, c21);
            x = new Vector<float>(a[r3]);
            c30 = Vector.MultiplyAddEstimate(x, y0, c30);
            c31 = Vector.MultiplyAddEstimate(x, y1, c31);
            x = new Vector<float>(a[r4]);
            c40 = Vector.MultiplyAddEstimate(x, y0, c40);
            c41 = Vector.MultiplyAddEstimate(x, y1, c41);
            x = new Vector<float>(a[r5]);
            c50 = Vector.MultiplyAddEstimate(x, y0, c50);
            c51 = Vector.MultiplyAddEstimate(x, y1, c51);
            y0 = Vector.Load(b + sb); y1 = Vector.Load(b + sb + w);
            x = new Vector<float>(a[sa]);
            c00 = Vector.MultiplyAddEstimate(x, y0, c00);
            c01 = Vector.MultiplyAddEstimate(x, y1, c01);
            x = new Vector<float>(a[sa + r1]);
            c10 = Vector.MultiplyAddEstimate(x, y0, c10);
            c11 = Vector.MultiplyAddEstimate(x, y1, c11);
            x = new Vector<float>(a[sa + r2]);
            c20 = Vector.MultiplyAddEstimate(x, y0, c20);
            c21 = Vector.MultiplyAddEstimate(x, y1, c21);
            x = new Vector<float>(a[sa + r3]);
            c30 = Vector.MultiplyAddEstimate(x, y0, c30);
            c31 = Vector.MultiplyAddEstimate(x, y1, c31);
            x = new Vector<float>(a[sa + r4]);
            c40 = Vector.MultiplyAddEstimate(x, y0, c40);
            c41 = Vector.MultiplyAddEstimate(x, y1, c41);
            x = new Vector<float>(a[sa + r5]);
            c50 = Vector.MultiplyAddEstimate(x, y0, c50);
            c51 = Vector.MultiplyAddEstimate(x, y1, c51);
            a += 2 * sa;
            b += 2 * sb;
        }

        if (p < len)
        {
            Vector<float> y0 = Vector.Load(b), y1 = Vector.Load(b + w);
            var x = new Vector<float>(a[0]);
            c00 = Vector.MultiplyAddEstimate(x, y0, c00);
            c01 = Vector.MultiplyAddEstimate(x, y1, c01);
            x = new Vector<float>(a[r1]);
            c10 = Vector.MultiplyAddEstimate(x, y0, c10);
            c11 = Vector.MultiplyAddEstimate(x, y1, c11);
            x = new Vector<float>(a[r2]);
            c20 = Vector.MultiplyAddEstimate(x, y0, c20);
            c21 = Vector.MultiplyAddEstimate(x, y1, c21);
            x = new Vector<float>(a[r3]);
            c30 = Vector.MultiplyAddEstimate(x, y0, c30);
            c31 = Vector.MultiplyAddEstimate(x, y1, c31);
            x = new Vector<float>(a[r4]);
            c40 = Vector.MultiplyAddEstimate(x, y0, c40);
            c41 = Vector.MultiplyAddEstimate(x, y1, c41);
            x = new Vector<float>(a[r5]);
            c50 = Vector.MultiplyAddEstimate(x, y0, c50);
            c51 = Vector.MultiplyAddEstimate(x, y1, c51);
        }

        c00.Store(c); c01.Store(c + w);
        c10.Store(c1); c11.Store(c1 + w);
        c20.Store(c2); c21.Store(c2 + w);
        c30.Store(c3); c31.Store(c3 + w);
        c40.Store(c4); c41.Store(c4 + w);
        c50.Store(c5); c51.Store(c5 + w);
    }

}
