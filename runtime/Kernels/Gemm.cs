using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

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
    /// <param name="packed">
    /// Where the product runs on a packed Bᵀ, the cache to take it from (or to pack it into, when stale) instead of
    /// packing B on every call; null packs into per-thread scratch.
    /// </param>
    public static void MultiplyABt(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, PackedWeights? packed = null)
    {
        Check(m, n, k, a.Length, b.Length, c.Length, (long)m * k, (long)n * k);
        if (m == 1 && packed is not null && GemmDot.HasInterleavedGemv)
        {
            RunInterleavedGemv(n, k, a, b, default, c, accumulate, packed);
            return;
        }

        if (UseTransposed(m, n, k))
        {
            if (n <= m)
            {
                RunPackedB(m, n, k, a, b, c, accumulate, default, packed);
            }
            else
            {
                RunTransposed(m, n, k, a, b, c, accumulate, default);
            }

            return;
        }

        if (UsePackedBWithoutAvx512(m, n, k))
        {
            RunPackedB(m, n, k, a, b, c, accumulate, default, packed);
            return;
        }

        Run(GemmKind.ABt, m, n, k, a, b, c, accumulate, rowStrideA: k, colStrideA: 1);
    }

    /// <summary>
    /// <c>C[m×n] = bias + A[m×k] · B[n×k]ᵀ</c>, the bias (n floats) added to every row (dense forward). Where the product
    /// runs on a packed Bᵀ the tiles start from the bias, saving a pass over C; the result is the same either way.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">The shared dimension.</param>
    /// <param name="a">A, m×k.</param>
    /// <param name="b">B, n×k.</param>
    /// <param name="bias">The bias, n floats.</param>
    /// <param name="c">C, m×n (overwritten).</param>
    /// <param name="packed">As for <see cref="MultiplyABt"/>: the cache of the packed Bᵀ, or null.</param>
    public static void MultiplyABtBias(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, PackedWeights? packed = null)
    {
        Check(m, n, k, a.Length, b.Length, c.Length, (long)m * k, (long)n * k);
        Guard.AtLeast("Gemm", bias.Length, n, "bias");
        if (m == 1 && packed is not null && GemmDot.HasInterleavedGemv)
        {
            RunInterleavedGemv(n, k, a, b, bias.Slice(0, n), c, accumulate: false, packed);
            return;
        }

        if ((UseTransposed(m, n, k) && n <= m) || UsePackedBWithoutAvx512(m, n, k))
        {
            RunPackedB(m, n, k, a, b, c, accumulate: false, bias, packed);
            return;
        }

        if (UseTransposed(m, n, k))
        {
            // n > m: the bias is added as Cᵀ is transposed into C (no pass over C before the product).
            RunTransposed(m, n, k, a, b, c, accumulate: false, bias.Slice(0, n));
            return;
        }

        for (int i = 0; i < m; i++)
        {
            bias.Slice(0, n).CopyTo(c.Slice(i * n, n));
        }

        MultiplyABt(m, n, k, a, b, c, accumulate: true, packed);
    }

    /// <summary>
    /// A single row of A against B (batch-1 inference with a weights cache): the cache's interleaved rows
    /// (<see cref="GemmDot.PackInterleavedRows"/>), one sequential stream per group of four rows; long products split
    /// into contiguous ranges of 16 rows over the threads. With a bias, c starts from it.
    /// </summary>
    private static unsafe void RunInterleavedGemv(int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, bool accumulate, PackedWeights packed)
    {
        if (!bias.IsEmpty)
        {
            bias.CopyTo(c);
            accumulate = true;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new GemvJob { X = pa, Rows = packed.InterleavedRows(pb, n, k), Y = pc, N = n, K = k, Accumulate = accumulate };
            int parts = Compute.WorkersBusy ? 1 : (int)Math.Clamp((long)n * k / MinWorkPerThread, 1, Math.Min(Compute.ThreadCount, (n + 15) / 16));
            if (parts <= 1)
            {
                GemmDot.GemvInterleaved(pa, job.Rows, GemmDot.PaddedK(k), 0, k, 0, n, pc, accumulate);
                return;
            }

            Compute.For(parts, parts, &GemvPart, &job);
        }
    }

    private static unsafe void GemvPart(void* state, int part, int parts)
    {
        ref readonly GemvJob g = ref *(GemvJob*)state;
        int tiles = (g.N + 15) / 16;
        int j0 = Math.Min(g.N, tiles * part / parts * 16), j1 = Math.Min(g.N, tiles * (part + 1) / parts * 16);
        GemmDot.GemvInterleaved(g.X, g.Rows, GemmDot.PaddedK(g.K), 0, g.K, j0, j1, g.Y, g.Accumulate);
    }

    /// <summary>A single-row product as the threads see it.</summary>
    private unsafe struct GemvJob
    {
        public float* X;
        public float* Rows;
        public float* Y;
        public int N;
        public int K;
        public bool Accumulate;
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

    /// <summary>
    /// <c>dW[m×n] (+)= dy[k×m]ᵀ · x[k×n]</c>, a dense layer's weight gradient (<see cref="MultiplyAtB"/>), split on several
    /// threads by rows of dW (output units) in per-thread blocks (<see cref="Compute.For"/>): each thread accumulates the
    /// same rows every step, the rows of W it multiplies in a training forward on several threads (the transposed
    /// product splits W's rows the same way) and about the rows the optimizer's update gives it
    /// (<see cref="FlatSplit"/>). Split by columns, as <see cref="MultiplyAtB"/> prefers, every row of dW was written
    /// half by each core and read by both in the update.
    /// </summary>
    internal static void WeightGradient(int m, int n, int k, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dWeights, bool accumulate = true)
    {
        Check(m, n, k, dy.Length, x.Length, dWeights.Length, (long)k * m, (long)k * n);
        Run(GemmKind.Outer, m, n, k, dy, x, dWeights, accumulate, rowStrideA: 1, colStrideA: m, rowBlocks: true);
    }

    /// <summary>
    /// The smallest m (batch) for which <see cref="MultiplyABt"/> runs as <c>Cᵀ = B·Aᵀ</c> on the broadcast kernels: at
    /// 64 rows Aᵀ fills a whole 64-column panel, and the 4×64 register tile (4 loads and 4 broadcasts per 16 FMA, B's
    /// panel in L1) runs near the FMA peak where the dot-product tiles stream A from L2 (~70 %).
    /// </summary>
    internal const int TransposedMinRows = 64;

    /// <summary>The caller's scratch for Aᵀ and Cᵀ of the transposed A·Bᵀ path (grown, never shrunk).</summary>
    [ThreadStatic]
    private static float[]? t_scratch;

    /// <summary>Whether <see cref="MultiplyABt"/> takes the transposed path for this shape on this host.</summary>
    internal static bool UseTransposed(int m, int n, int k) =>
        m >= TransposedMinRows && n >= 4 && k >= 16 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// Whether <see cref="MultiplyABt"/> runs as <c>A·(Bᵀ)</c> on a packed Bᵀ on a host with AVX2 and FMA but without
    /// AVX-512 (batches of 64 and more: large-batch inference, the training forward). There the dot-product tiles
    /// (8 accumulators, a horizontal sum per output) ran batch-256 inference of the Fashion MLP at ~45 % of the FMA
    /// peak on a Zen 3 host, where ONNX Runtime reached ~80 %; the broadcast tiles on a packed Bᵀ need no horizontal
    /// sums and reuse each 16-column strip of Bᵀ from L1 for every row of A. This once required n ≤ m (packing n·k
    /// floats pays off over m rows), but at batch 64 with n > m the packed path still won on the AVX2-only Zen 3: the
    /// training forward's 64×784→256 measured 417 → 349 µs and 64×256→128 94 → 60 µs (min of 40 interleaved
    /// samples, 1 thread), where the transposed alternative (<c>Cᵀ = B·Aᵀ</c>, packing only Aᵀ) read 403 and 81 µs.
    /// </summary>
    internal static bool UsePackedBWithoutAvx512(int m, int n, int k) =>
        m >= TransposedMinRows && n >= 4 && k >= 16
        && !(Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        && Vector256.IsHardwareAccelerated && Fma.IsSupported && Vector<float>.Count == Vector256<float>.Count;

    /// <summary>
    /// <c>C (+)= A·Bᵀ</c> as <c>Cᵀ = B·Aᵀ</c>: packs Aᵀ (k×m), runs the broadcast kernels with B's rows as the broadcast
    /// operand (each element of B is read once per 64 rows of A), and adds Cᵀ transposed into C. Threads split n
    /// (rows of B and of Cᵀ) in 16-row units, so each reads only its rows of B and writes whole cache lines of C.
    /// </summary>
    /// <remarks>
    /// On several threads every thread transposes A into its own scratch (once per call, however many chunks it
    /// claims) and keeps its rows of Cᵀ there too, instead of reading the caller's Aᵀ. A line one core wrote and another
    /// reads costs a transfer between the cores, and on the 2-vCPU Zen 5 host that made sharing the caller's Aᵀ the
    /// whole cost of the second thread: the training forward's 64×784→256 product measured 137 µs on one thread and
    /// 116 µs on two, its chunks starting 30–70 µs late while the caller's transpose waited for the lines the worker
    /// had read in the previous call, and the worker's first chunk taking twice as long as the caller's (Stopwatch
    /// stamps per chunk). The duplicated transpose costs ~3 µs, in parallel.
    /// </remarks>
    private static unsafe void RunTransposed(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, ReadOnlySpan<float> bias)
    {
        long work = (long)m * n * k;
        int units = (n + 15) / 16;
        int threads = (int)Math.Clamp(work / MinWorkPerThread, 1, Compute.ThreadCount);
        threads = Math.Min(threads, units);

        // Two chunks per thread when there are enough 16-row units, so a thread that starts late (or is descheduled
        // on a loaded machine) leaves its second chunk to the other.
        int chunks = threads <= 1 ? 1 : Math.Min(units, 2 * threads);
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            var job = new GemmJob
            {
                Kind = GemmKind.ABtTransposed,
                Bias = bias.IsEmpty ? null : pbias,
                A = pb,
                M = n,
                N = m,
                K = k,
                RowStrideA = k,
                ColStrideA = 1,
                Accumulate = false,
                SplitRows = true,
                ColumnUnit = 16,
                Target = pc,
                AccumulateTarget = accumulate,
                PackSource = pa,
                Call = Interlocked.Increment(ref s_transposedCall),
            };

            // Chunks of contiguous rows of B (whole 16-row units, so whole cache lines of C), in per-thread blocks: each
            // thread multiplies the same rows of B (a dense layer's weights) every call, and in training the same rows
            // it accumulates in the weight gradient (WeightGradient).
            Run(&job, chunks, threads, blocks: true);
        }
    }

    /// <summary>Numbers the calls of <see cref="RunTransposed"/>, so a thread knows whether its scratch holds this call's Aᵀ.</summary>
    private static long s_transposedCall;

    /// <summary>The call of <see cref="RunTransposed"/> whose Aᵀ this thread's <see cref="t_scratch"/> holds (0: none).</summary>
    [ThreadStatic]
    private static long t_transposedCall;

    /// <summary>
    /// Part <c>[i0, i1)</c> of a <see cref="GemmKind.ABtTransposed"/> job: transposes A into this thread's scratch unless
    /// it already holds this call's Aᵀ, computes rows <c>[i0, i1)</c> of Cᵀ there and transposes them into C.
    /// </summary>
    private static unsafe void RunTransposedPart(in GemmJob g, int i0, int i1)
    {
        // g.M = n (rows of B), g.N = m (rows of the caller's A), g.K = k.
        long packed = (long)g.K * g.N, needed = packed + ((long)g.M * g.N);
        float[] scratch = t_scratch is { } existing && existing.Length >= needed ? existing : t_scratch = new float[needed];
        fixed (float* ps = scratch)
        {
            if (t_transposedCall != g.Call)
            {
                Transpose(g.PackSource, g.N, g.K, ps, g.N);
                t_transposedCall = g.Call;
            }

            GemmJob local = g;
            local.B = ps;
            local.C = ps + packed;
            local.Bias = null; // added as Cᵀ is transposed into C, not where the tiles start
            GemmOuter.Run(in local, i0, i1, 0, g.N);
            TransposeBack(local.C, g.N, g.M, i0, i1, g.Target, g.AccumulateTarget, g.Bias);
        }
    }

    /// <summary>
    /// Columns per panel of a packed Bᵀ: the packed matrix is a sequence of k×64 panels, each contiguous, so the
    /// broadcast kernels stream one panel (up to 256 KiB: one pass over k of up to 1,024 steps, see
    /// <see cref="GemmOuter.PassLength"/>) from L2 through every tile of rows that reuses it. Row-major,
    /// Bᵀ's rows sit n floats apart (1 KiB for n = 256), so a panel's lines map onto a quarter of L1's sets and evict
    /// each other before the next row tile reuses them.
    /// </summary>
    internal const int PanelWidth = 64;

    /// <summary>
    /// Columns per panel of a packed Bᵀ for the 256-bit tiles (2 vectors wide): each 16-column strip of Bᵀ is then one
    /// contiguous k×16 block, whose k-block (7 KiB at k-block 112) streams through all of L1's sets, where in 64-column
    /// panels its rows sat 256 bytes apart on a quarter of the sets, shared with A's and C's lines. On the AVX2-only
    /// Zen 3 the 256×784→256 product measured ~10 % faster with 16-column panels alone, and ~23 % (2,140 → 1,740 µs,
    /// min of 60 interleaved samples, 1 thread) together with the 6×2 tile unrolled by two steps of k.
    /// </summary>
    internal const int PanelWidthWithoutAvx512 = 16;

    /// <summary>
    /// <c>C (+)= A·Bᵀ</c> as <c>A·(Bᵀ)</c>: packs Bᵀ (k×n, panel-major: see <see cref="PanelWidth"/>) and runs the
    /// broadcast kernels with A's rows broadcast, writing C directly. Cheaper than <see cref="RunTransposed"/> when B has no more rows than A (n ≤ m: large-batch
    /// inference), since it moves n·k floats where the transposed path moves m·k plus m·n for the transpose back.
    /// Threads split n in 64-column panels, and each packs its own columns of Bᵀ before using them, so the packing is
    /// parallel too and no thread waits for another's (a single-threaded pack of a 256×784 B took ~120 µs, 20 % of the
    /// product at batch 256). A nonempty <paramref name="bias"/> (with <paramref name="accumulate"/> false) is the
    /// tiles' starting value. With a <paramref name="cache"/> that already holds this B packed, no part packs; a stale
    /// cache is packed into (part by part, as the scratch would be) and then marked valid.
    /// </summary>
    private static unsafe void RunPackedB(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, ReadOnlySpan<float> bias, PackedWeights? cache)
    {
        // 16 floats of slack so that Bᵀ can start on a cache line: the parts' 64-column boundaries then fall between
        // lines, and two threads packing neighbouring columns never write the same line. (A cache's buffer starts on one.)
        int width = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? PanelWidth : PanelWidthWithoutAvx512;
        long packed = ((long)k * width * ((n + width - 1) / width)) + 16;
        float[]? scratch = cache is not null ? null
            : t_scratch is { } existing && existing.Length >= packed ? existing : t_scratch = new float[packed];
        long work = (long)m * n * k;
        int columnUnit = n >= 64 ? 64 : 16;
        int tiles = (n + columnUnit - 1) / columnUnit;
        (int threads, int chunks) = Split(work, k);

        // Fewer column panels than threads (a narrow head such as 256×128→10): split the rows instead, Bᵀ packed here
        // first. Each element is computed as in the column split, so the result does not depend on the split.
        int rowTiles = (m + 3) / 4;
        bool splitRows = tiles < threads && rowTiles >= threads;
        chunks = Math.Min(chunks, splitRows ? rowTiles : tiles);
        threads = Math.Min(threads, chunks);
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            bool ready = false;
            Span<float> target = cache is null ? scratch : cache.Prepare(pb, n, k, width, out ready);
            fixed (float* ps = target)
            {
                float* aligned = cache is null ? (float*)(((nint)ps + 63) & ~(nint)63) : ps;
                bool packFirst = splitRows && !ready;
                if (packFirst)
                {
                    PackPanels(pb, k, 0, n, aligned, width);
                }

                var job = new GemmJob
                {
                    Kind = GemmKind.OuterPackedB,
                    A = pa,
                    B = aligned,
                    C = pc,
                    M = m,
                    N = n,
                    K = k,
                    RowStrideA = k,
                    ColStrideA = 1,
                    Accumulate = accumulate,
                    SplitRows = splitRows,
                    ColumnUnit = columnUnit,
                    PackSource = ready || packFirst ? null : pb,
                    PanelWidth = width,
                    Bias = bias.IsEmpty ? null : pbias,
                };
                Run(&job, chunks, threads);
            }

            if (cache is not null && !ready)
            {
                cache.MarkPacked();
            }
        }
    }

    /// <summary>
    /// Writes the transpose of the m×k row-major <paramref name="source"/> to <paramref name="target"/> (k rows of m,
    /// <paramref name="lt"/> floats apart: m for a whole matrix, more for a column block of a wider one).
    /// </summary>
    internal static unsafe void Transpose(float* source, int m, int k, float* target, int lt)
    {
        // 8×8 blocks through registers, sweeping down the rows of source for each 8 columns: the stores then run
        // along target's rows (a row-major sweep of source stored 8 target rows at a time, lt floats apart, hit the
        // same few L1 sets when lt is a power of two: ~6 GB/s for a 256×784 B). Single elements at the edges.
        int m8 = m & ~7, k8 = k & ~7;
        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            for (int p = 0; p < k8; p += 8)
            {
                for (int i = 0; i < m8; i += 8)
                {
                    Transpose8x8(source + (nint)i * k + p, k, target + (nint)p * lt + i, lt);
                }
            }
        }
        else
        {
            k8 = 0;
        }

        for (int p = k8; p < k; p++)
        {
            float* t = target + (nint)p * lt;
            for (int i = 0; i < m8; i++)
            {
                t[i] = source[(nint)i * k + p];
            }
        }

        for (int i = m8; i < m; i++)
        {
            float* s = source + (nint)i * k;
            for (int p = 0; p < k; p++)
            {
                target[(nint)p * lt + i] = s[p];
            }
        }
    }

    /// <summary>
    /// Writes columns <c>[j0, j1)</c> of Bᵀ, i.e. rows <c>[j0, j1)</c> of the n×k row-major <paramref name="source"/>, into
    /// the panel-major <paramref name="target"/>: element (p, j) of Bᵀ at <c>(j / w)·wk + p·w + j % w</c> for panels of
    /// <paramref name="width"/> = w columns (<see cref="PanelWidth"/> or <see cref="PanelWidthWithoutAvx512"/>).
    /// </summary>
    internal static unsafe void PackPanels(float* source, int k, int j0, int j1, float* target, int width)
    {
        for (int j = j0; j < j1;)
        {
            int end = Math.Min(j1, ((j / width) + 1) * width);
            float* panel = target + ((nint)(j / width) * width * k) + (j % width);
            Transpose(source + ((nint)j * k), end - j, k, panel, width);
            j = end;
        }
    }

    /// <summary>Transposes one 8×8 block: rows <paramref name="ls"/> floats apart into rows <paramref name="lt"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* s, int ls, float* t, int lt)
    {
        Vector256<float> r0 = Vector256.Load(s), r1 = Vector256.Load(s + ls), r2 = Vector256.Load(s + 2 * (nint)ls), r3 = Vector256.Load(s + 3 * (nint)ls);
        Vector256<float> r4 = Vector256.Load(s + 4 * (nint)ls), r5 = Vector256.Load(s + 5 * (nint)ls), r6 = Vector256.Load(s + 6 * (nint)ls), r7 = Vector256.Load(s + 7 * (nint)ls);

        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0b01_00_01_00), u1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0b01_00_01_00), u3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0b01_00_01_00), u5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0b01_00_01_00), u7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);
        Avx.Permute2x128(u0, u4, 0x20).Store(t);
        Avx.Permute2x128(u1, u5, 0x20).Store(t + lt);
        Avx.Permute2x128(u2, u6, 0x20).Store(t + 2 * (nint)lt);
        Avx.Permute2x128(u3, u7, 0x20).Store(t + 3 * (nint)lt);
        Avx.Permute2x128(u0, u4, 0x31).Store(t + 4 * (nint)lt);
        Avx.Permute2x128(u1, u5, 0x31).Store(t + 5 * (nint)lt);
        Avx.Permute2x128(u2, u6, 0x31).Store(t + 6 * (nint)lt);
        Avx.Permute2x128(u3, u7, 0x31).Store(t + 7 * (nint)lt);
    }

    /// <summary>
    /// Adds (or writes, plus <paramref name="bias"/>[j] when not null) rows <c>[j0, j1)</c> of Cᵀ (n×m) as columns
    /// <c>[j0, j1)</c> of C (m×n).
    /// </summary>
    private static unsafe void TransposeBack(float* ct, int m, int n, int j0, int j1, float* c, bool accumulate, float* bias)
    {
        // 8×8 blocks through registers (Cᵀ's rows are m floats apart, so a scalar sweep down a column of Cᵀ touches a
        // new line for every element), then the columns past the last whole block and the rows past the last 8.
        int i8 = 0, jEnd = j0;
        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            i8 = m & ~7;
            jEnd = j0 + ((j1 - j0) & ~7);
            float* block = stackalloc float[64];
            for (int j = j0; j < jEnd; j += 8)
            {
                Vector256<float> add = bias is not null ? Vector256.Load(bias + j) : Vector256<float>.Zero;
                for (int i = 0; i < i8; i += 8)
                {
                    Transpose8x8(ct + ((nint)j * m) + i, m, block, 8);
                    for (int r = 0; r < 8; r++)
                    {
                        float* cij = c + ((nint)(i + r) * n) + j;
                        Vector256<float> v = Vector256.Load(block + (r * 8));
                        v = accumulate ? Vector256.Load(cij) + v : bias is not null ? v + add : v;
                        v.Store(cij);
                    }
                }
            }
        }

        for (int i = 0; i < m; i++)
        {
            float* ci = c + (nint)i * n;
            float* s = ct + i;
            int from = i < i8 ? jEnd : j0;
            for (int j = from; j < j1; j++)
            {
                float v = s[(nint)j * m];
                ci[j] = accumulate ? ci[j] + v : bias is not null ? v + bias[j] : v;
            }
        }
    }

    /// <summary>
    /// Below this many multiply-adds per thread a product stays on fewer threads: a hand-off to a worker costs ~1 µs,
    /// while 64 Ki multiply-adds take ~0.6 µs at the FMA peak, so the smallest layers (64×10×128) stay on the caller.
    /// </summary>
    private const long MinWorkPerThread = 64 * 1024;

    /// <summary>
    /// Above this many multiply-adds per chunk, a product is cut into up to 4 chunks per thread, so threads that start
    /// late (or are descheduled) leave their share to the others.
    /// </summary>
    private const long ChunkWork = 256 * 1024;

    /// <summary>Runs a product split into whole tiles; <paramref name="rowBlocks"/> splits m into per-thread blocks (see <see cref="WeightGradient"/>).</summary>
    private static unsafe void Run(GemmKind kind, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, int rowStrideA, int colStrideA, bool rowBlocks = false)
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

        long work = (long)m * n * k;
        (int threads, int chunks) = Split(work, k, rowBlocks ? WeightGradientMinK : MinK);

        // Chunks hold whole tiles and at least 16 columns (a cache line of C: narrower column chunks would have both
        // threads writing the same lines of C): 16 columns (4 tiles) for A·Bᵀ, 64-column panels for the broadcast
        // kernels, or 4 rows. Prefer splitting n, so each thread reads only its part of B (the weights in A·Bᵀ and
        // A·B); else m; else whichever has more tiles, with fewer chunks.
        int columnUnit = kind == GemmKind.Outer && n >= 64 ? 64 : 16;
        int columnTiles = (n + columnUnit - 1) / columnUnit, rowTiles = (m + 3) / 4;
        bool splitRows = columnTiles < chunks && (rowTiles >= chunks || rowTiles > columnTiles);
        bool blocks = rowBlocks && InRowBlocks(rowTiles, threads);
        if (blocks)
        {
            // Two chunks per thread: a thread that starts late leaves its second one to the others.
            splitRows = true;
            chunks = 2 * threads;
        }

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
            Run(&job, chunks, threads, blocks);
        }
    }

    /// <summary>
    /// Threads and chunks for a product of <paramref name="work"/> multiply-adds before its tiles cap them: one thread per
    /// <see cref="MinWorkPerThread"/>, up to 4 chunks per thread by <see cref="ChunkWork"/>. With a short k the product
    /// is bound by reading and writing C, not by arithmetic, and a second thread mostly moves C between the cores'
    /// caches (measured slower at k = 10); so only k ≥ <paramref name="minK"/> is split: 32, or
    /// <see cref="WeightGradientMinK"/> for the weight gradient, whose rows the update then finds in each thread's cache.
    /// </summary>
    /// <remarks>
    /// Nor is a product split when the workers are busy (<see cref="Compute.WorkersBusy"/>): Conv2D runs samples in
    /// parallel and each sample's products inside a worker's share, where <see cref="Compute.For"/> would run the
    /// chunks one after another on the same thread. Those chunks were still cut for two threads: the forward's
    /// 64×196×288 product of the Fashion CNN's conv4 ran as 8 chunks of 8 rows, each re-reading all of B with 4-row
    /// tiles, and the batch-64 forward took as long on two threads as on one (7.15 ms vs 7.18 ms on the AVX2-only
    /// Zen 3). Run whole (one part, 6-row tiles), that forward measured 6.36 → 4.50 ms on two threads (min of 40
    /// interleaved samples; medians 6.89 → 4.92 ms).
    /// </remarks>
    private static (int Threads, int Chunks) Split(long work, int k, int minK = MinK) => Split(work, k, Compute.WorkersBusy ? 1 : Compute.ThreadCount, minK);

    /// <summary><see cref="Split(long, int, int)"/> for <paramref name="available"/> threads.</summary>
    private static (int Threads, int Chunks) Split(long work, int k, int available, int minK)
    {
        int threads = k < minK ? 1 : (int)Math.Clamp(work / MinWorkPerThread, 1, available);
        return (threads, threads * (int)Math.Clamp(work / (threads * ChunkWork), 1, 4));
    }

    /// <summary>
    /// The shortest k (the batch) from which <see cref="WeightGradient"/> is split between the threads in row blocks: 8,
    /// against 32 for the other products. The update that follows gives each thread the rows of dW it computed
    /// (<see cref="UpdateSplit"/>); computed on one thread, half of dW went to the other core in the update instead. The
    /// Fashion MLP's batch-8 step on two threads (Zen 5, `tools/ab phases`, medians of 3,000 steps in alternating
    /// processes): backward 87.6 → 52.1 and 86.1 → 52.7 µs, the whole step 221.6 → 180.5 and 210.2 → 175.6 µs.
    /// </summary>
    internal const int WeightGradientMinK = 8;

    /// <summary>The shortest k from which the other products are split between the threads (see <see cref="Split(long, int, int)"/>).</summary>
    private const int MinK = 32;

    /// <summary>Whether a product of <paramref name="rowTiles"/> 4-row tiles with rowBlocks runs in per-thread blocks of rows on <paramref name="threads"/> threads.</summary>
    private static bool InRowBlocks(int rowTiles, int threads) => threads > 1 && rowTiles >= 2 * threads;

    /// <summary>
    /// The rows of dW each of <paramref name="available"/> threads computes in its own block in
    /// <see cref="WeightGradient"/>(m, n, k), as the product splits it: thread t's rows are
    /// <c>[rows[t], rows[t + 1])</c>; or null when the product runs on one thread (too small, or k below <see cref="WeightGradientMinK"/>) or is split
    /// by columns, so that no thread but the caller owns a row. A network uses it to give the optimizer's update the same
    /// split (<see cref="UpdateSplit"/>).
    /// </summary>
    internal static int[]? WeightGradientRowBlocks(int m, int n, int k, int available)
    {
        var rows = new int[available + 1];
        (int threads, int chunks) = Split((long)m * n * k, k, available, WeightGradientMinK);
        int rowTiles = (m + 3) / 4;
        if (!InRowBlocks(rowTiles, threads))
        {
            return null;
        }

        // Run's chunks (two per thread, whole 4-row tiles, RunPart's rows) and Compute.For's blocks (thread t starts at
        // chunk chunks·t/threads).
        chunks = Math.Min(2 * threads, rowTiles);
        threads = Math.Min(threads, chunks);
        for (int t = 1; t <= available; t++)
        {
            int part = t >= threads ? chunks : (int)((long)chunks * t / threads);
            rows[t] = Math.Min(m, rowTiles * part / chunks * 4);
        }

        return rows;
    }

    /// <summary>
    /// Runs the job on this thread, or split into <paramref name="chunks"/> parts across <paramref name="threads"/>
    /// threads, in per-thread blocks if <paramref name="blocks"/> (<see cref="Compute.For"/>).
    /// </summary>
    private static unsafe void Run(GemmJob* job, int chunks, int threads, bool blocks = false)
    {
        if (threads <= 1)
        {
            RunPart(job, 0, 1);
        }
        else
        {
            Compute.For(chunks, threads, &RunPart, job, blocks);
        }
    }

    /// <summary>Computes part <paramref name="part"/> of <paramref name="parts"/>: a range of whole row or column tiles.</summary>
    private static unsafe void RunPart(void* state, int part, int parts)
    {
        ref readonly GemmJob g = ref *(GemmJob*)state;
        int i0 = 0, i1 = g.M, j0 = 0, j1 = g.N;
        if (g.SplitRows)
        {
            // 4-row tiles; the transposed path splits in 16-row units (whole cache lines of the final C).
            int unit = g.Kind == GemmKind.ABtTransposed ? 16 : 4;
            int tiles = (g.M + unit - 1) / unit;
            i0 = Math.Min(g.M, tiles * part / parts * unit);
            i1 = Math.Min(g.M, tiles * (part + 1) / parts * unit);
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

        if (g.Kind == GemmKind.ABtTransposed)
        {
            // Rows [i0, i1) of Cᵀ = B·Aᵀ, then their transpose into columns [i0, i1) of C.
            RunTransposedPart(in g, i0, i1);
        }
        else if (g.Kind == GemmKind.OuterPackedB)
        {
            // This part's columns of Bᵀ (rows [j0, j1) of the source B) unless a cache holds them, then its columns of C.
            if (g.PackSource is not null)
            {
                PackPanels(g.PackSource, g.K, j0, j1, g.B, g.PanelWidth);
            }

            GemmOuter.Run(in g, i0, i1, j0, j1);
        }
        else if (g.Kind == GemmKind.ABt)
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

    /// <summary><c>A·Bᵀ</c> computed as <c>Cᵀ = B·Aᵀ</c> with <see cref="GemmOuter"/>, then transposed into <see cref="GemmJob.Target"/>.</summary>
    ABtTransposed,

    /// <summary><c>A·Bᵀ</c> computed as <c>A·(Bᵀ)</c> with <see cref="GemmOuter"/>, each part packing its columns of Bᵀ from <see cref="GemmJob.PackSource"/>.</summary>
    OuterPackedB,
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

    /// <summary>For <see cref="GemmKind.ABtTransposed"/>: the caller's C (m×n), into which Cᵀ is transposed.</summary>
    public float* Target;

    /// <summary>For <see cref="GemmKind.ABtTransposed"/>: add to <see cref="Target"/> instead of overwriting it.</summary>
    public bool AccumulateTarget;

    /// <summary>For <see cref="GemmKind.ABtTransposed"/>: the call's number (see <c>Gemm.RunTransposed</c>).</summary>
    public long Call;

    /// <summary>For <see cref="GemmKind.OuterPackedB"/>: the caller's B (n×k), packed into <see cref="B"/> (k×n, panel-major) part by part; null when <see cref="B"/> already holds it (a valid <see cref="PackedWeights"/>). For <see cref="GemmKind.ABtTransposed"/>: the caller's A (m×k), which each thread transposes into its own scratch.</summary>
    public float* PackSource;

    /// <summary>For <see cref="GemmKind.OuterPackedB"/>: columns per panel of the packed Bᵀ (64 for the 512-bit tiles, 16 for the 256-bit ones).</summary>
    public int PanelWidth;

    /// <summary>
    /// Without accumulation, the bias (one float per column of C) or null: for <see cref="GemmKind.OuterPackedB"/> the
    /// tiles' starting value, for <see cref="GemmKind.ABtTransposed"/> added as Cᵀ is transposed into C.
    /// </summary>
    public float* Bias;

    /// <summary>For <see cref="GemmKind.OuterPackedB"/> on AVX-512: where the last pass over k also writes <c>max(C, 0)</c> (same layout as <see cref="C"/>), or null.</summary>
    public float* ReluOut;
}
