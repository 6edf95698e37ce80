using System;
using System.Threading;

namespace NetGen.Kernels;

/// <summary>The large-batch form of <see cref="Dense.ForwardPair"/>: the batch's rows split across threads.</summary>
public static partial class Dense
{
    /// <summary>Numbers the calls of the row-split pair, so a thread knows whether its packed weights are this call's.</summary>
    private static long s_rowPairCall;

    /// <summary>The thread's packed W1ᵀ and W2ᵀ for the row-split pair (grown, never shrunk).</summary>
    [ThreadStatic]
    private static float[]? t_rowPack;

    /// <summary>The call whose weights <see cref="t_rowPack"/> holds (0: none).</summary>
    [ThreadStatic]
    private static long t_rowPackCall;

    /// <summary>
    /// Whether <see cref="ForwardPair"/> takes the row-split path: both layers would run on a packed Bᵀ anyway
    /// (<see cref="Gemm.UseTransposed"/> with at most as many columns as rows: batches of 64 and more on AVX-512), and
    /// either the weights come from caches (<paramref name="cached"/>: inference) or there is one thread.
    /// </summary>
    /// <remarks>
    /// A training forward on several threads takes the layer-by-layer path instead, whose products split the layer's
    /// units (rows of W) in per-thread blocks: each thread then reads only the rows of W1 it accumulates in the weight
    /// gradient (<see cref="Gemm.WeightGradient"/>), where each thread of the row split packed all of W1, half of it
    /// last written by the other core's update. Fashion MLP batch-64 training step on 2 threads, this and the weight
    /// gradient's row blocks against the row split and the column-split gradient (tools/ab mlp 64 2, 2-vCPU Zen 5 host,
    /// medians of two interleaved runs): 400 → 371 and 399 → 383 µs; AVX-512 disabled 409 → 385 and 421 → 410 µs; one
    /// thread runs the same code as before.
    /// </remarks>
    private static bool UseRowPair(int batch, int inputs, int hidden, int outputs, bool cached) =>
        batch > MaxPairBatch && (cached || Compute.ThreadCount <= 1) && hidden <= batch && outputs <= batch
        && Gemm.UseTransposed(batch, hidden, inputs) && Gemm.UseTransposed(batch, outputs, hidden);

    /// <summary>
    /// Both layers for large batches as one job split by rows of the batch: every chunk runs its samples through the
    /// first product (bias first, the ReLU written by the same stores), the activation and the second product, so
    /// the threads meet once per pair instead of after every layer, and no thread waits on a serial activation pass.
    /// With both layers' caches of packed weights (inference) the threads read those, packed by the caller when stale;
    /// otherwise each thread packs W1ᵀ and W2ᵀ (panel-major) once per call for itself: the duplicated packing (a few
    /// µs) runs in parallel and needs no barrier. Every element is computed exactly as <see cref="Forward"/> computes it.
    /// </summary>
    private static unsafe void ForwardRowPair(in PairOperands operands, PackedWeights? packed1, PackedWeights? packed2)
    {
        // Chunks of at least 32 rows, two per thread, claimed dynamically (a thread that starts late leaves its share).
        int threads = Compute.ThreadCount;
        int chunks = threads <= 1 ? 1 : Math.Clamp(operands.Batch / 32, 1, 2 * threads);
        var job = new RowPairJob { Call = Interlocked.Increment(ref s_rowPairCall), Operands = operands };
        if (packed1 is not null && packed2 is not null)
        {
            job.Bt1 = Packed(packed1, operands.W1, operands.Hidden, operands.Inputs);
            job.Bt2 = Packed(packed2, operands.W2, operands.Outputs, operands.Hidden);
        }

        if (chunks <= 1)
        {
            RowPairPart(&job, 0, 1);
        }
        else
        {
            Compute.For(chunks, threads, &RowPairPart, &job);
        }
    }

    /// <summary>
    /// The cache's packed Bᵀ of <paramref name="w"/> (n×k), packed here first when stale. The cache's buffer is
    /// unmanaged and stays put while the cache lives, so the pointer outlives the <c>fixed</c> block.
    /// </summary>
    private static unsafe float* Packed(PackedWeights cache, float* w, int n, int k)
    {
        Span<float> target = cache.Prepare(w, n, k, Gemm.PanelWidth, out bool ready);
        fixed (float* pt = target)
        {
            if (!ready)
            {
                Gemm.PackPanels(w, k, 0, n, pt, Gemm.PanelWidth);
                cache.MarkPacked();
            }

            return pt;
        }
    }

    /// <summary>One chunk of the row-split pair: rows <c>[i0, i1)</c> of the batch through both layers.</summary>
    private static unsafe void RowPairPart(void* state, int part, int parts)
    {
        ref readonly RowPairJob job = ref *(RowPairJob*)state;
        ref readonly PairOperands g = ref job.Operands;
        int batch = g.Batch, inputs = g.Inputs, hidden = g.Hidden, outputs = g.Outputs;
        int i0 = (int)((long)batch * part / parts), i1 = (int)((long)batch * (part + 1) / parts);
        if (i0 >= i1)
        {
            return;
        }

        // This thread's Bᵀ of both layers, packed once per call; 16 floats of slack to start on a cache line.
        int w = Gemm.PanelWidth;
        long packed1 = (long)inputs * w * ((hidden + w - 1) / w), packed2 = (long)hidden * w * ((outputs + w - 1) / w);
        float[]? pack = job.Bt1 is not null ? null
            : t_rowPack is { } existing && existing.Length >= packed1 + packed2 + 16 ? existing
            : t_rowPack = new float[packed1 + packed2 + 16];
        fixed (float* pp = pack)
        {
            float* bt1 = job.Bt1 is not null ? job.Bt1 : (float*)(((nint)pp + 63) & ~(nint)63);
            float* bt2 = job.Bt2 is not null ? job.Bt2 : bt1 + packed1;
            if (job.Bt1 is null && t_rowPackCall != job.Call)
            {
                Gemm.PackPanels(g.W1, inputs, 0, hidden, bt1, w);
                Gemm.PackPanels(g.W2, hidden, 0, outputs, bt2, w);
                t_rowPackCall = job.Call;
            }

            int rows = i1 - i0;
            bool relu = g.Activation == ActivationFunction.Relu;
            var first = new GemmJob
            {
                Kind = GemmKind.OuterPackedB,
                A = g.X + ((nint)i0 * inputs),
                B = bt1,
                C = g.Y1 + ((nint)i0 * hidden),
                M = rows,
                N = hidden,
                K = inputs,
                RowStrideA = inputs,
                ColStrideA = 1,
                ColumnUnit = 64,
                PanelWidth = w,
                Bias = g.B1,
                ReluOut = relu ? g.A1 + ((nint)i0 * hidden) : null,
            };
            GemmOuter.Run(in first, 0, rows, 0, hidden);
            if (!relu)
            {
                long offset = (long)i0 * hidden;
                Activations.Forward(g.Activation, g.Alpha, new ReadOnlySpan<float>(g.Y1 + offset, rows * hidden), new Span<float>(g.A1 + offset, rows * hidden));
            }

            var second = new GemmJob
            {
                Kind = GemmKind.OuterPackedB,
                A = g.A1 + ((nint)i0 * hidden),
                B = bt2,
                C = g.Y2 + ((nint)i0 * outputs),
                M = rows,
                N = outputs,
                K = hidden,
                RowStrideA = hidden,
                ColStrideA = 1,
                ColumnUnit = 64,
                PanelWidth = w,
                Bias = g.B2,
            };
            GemmOuter.Run(in second, 0, rows, 0, outputs);
        }
    }

    /// <summary>A row-split pair as the threads see it.</summary>
    private unsafe struct RowPairJob
    {
        public long Call;
        public PairOperands Operands;

        /// <summary>The first layer's packed W1ᵀ from its cache, or null (each thread packs its own).</summary>
        public float* Bt1;

        /// <summary>The second layer's packed W2ᵀ from its cache, or null.</summary>
        public float* Bt2;
    }
}
