using System;
using System.ComponentModel;
using System.Diagnostics;

namespace NetGen.Kernels;

/// <summary>Forward and backward of a fully connected layer, <c>y = x·Wᵀ + b</c> with W stored [outputs × inputs].</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Dense
{
    /// <summary>The largest batch for which <see cref="ForwardPair"/> runs the two layers as one parallel job.</summary>
    public const int MaxPairBatch = 8;

    /// <summary>Below this many multiply-adds per thread a pair stays on fewer threads (a hand-off costs ~0.3–1 µs).</summary>
    private const long MinPairWorkPerThread = 32 * 1024;

    /// <summary>The calling thread's buffer for the partial sums of the second layer (grown, never shrunk).</summary>
    [ThreadStatic]
    private static float[]? t_partials;

    /// <summary>Computes <c>y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i]</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample.</param>
    /// <param name="outputs">Output features per sample.</param>
    /// <param name="x">The input, batch×inputs.</param>
    /// <param name="weights">W, outputs×inputs.</param>
    /// <param name="bias">The bias (outputs floats), or empty for a layer without bias.</param>
    /// <param name="y">The output, batch×outputs (overwritten).</param>
    /// <param name="packed">
    /// The layer's cache of packed weights for the products that run on a packed Wᵀ (large batches), or null to pack
    /// them on every call; the caller invalidates it when the weights change (see <see cref="PackedWeights"/>).
    /// </param>
    public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, PackedWeights? packed = null)
    {
        if (bias.IsEmpty)
        {
            Gemm.MultiplyABt(batch, outputs, inputs, x, weights, y, accumulate: false, packed);
            return;
        }

        Gemm.MultiplyABtBias(batch, outputs, inputs, x, weights, bias, y, packed);
    }

    /// <summary>
    /// Accumulates (or writes) the parameter gradients <c>dW += dyᵀ·x</c>, <c>dBias += Σ_b dy</c> and, unless
    /// <paramref name="dx"/> is empty (first layer), the input gradient <c>dx += dy·W</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample.</param>
    /// <param name="outputs">Output features per sample.</param>
    /// <param name="x">The forward input, batch×inputs.</param>
    /// <param name="weights">W, outputs×inputs.</param>
    /// <param name="dy">The gradient of the output, batch×outputs.</param>
    /// <param name="dx">The gradient of the input (added to), or empty to skip it.</param>
    /// <param name="dWeights">The weight gradient (added to, or written: <paramref name="overwriteGradients"/>), outputs×inputs.</param>
    /// <param name="dBias">The bias gradient (likewise), or empty for a layer without bias.</param>
    /// <param name="overwriteDx">
    /// Write <c>dx = dy·W</c> instead of adding to dx (generated code passes true where no other layer has written dx
    /// yet, which saves clearing and re-reading it).
    /// </param>
    /// <param name="overwriteGradients">
    /// Write <c>dW = dyᵀ·x</c> and <c>dBias = Σ_b dy</c> instead of adding to them (generated code passes true on the
    /// first backward pass after <see cref="NetworkBase.ZeroGradients"/>, which then skips clearing them).
    /// </param>
    public static void Backward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias, bool overwriteDx = false, bool overwriteGradients = false)
    {
        if (!dx.IsEmpty && BackwardRunsAsTasks(batch, inputs, outputs, Compute.WorkersBusy ? 1 : Compute.ThreadCount))
        {
            BackwardAsTasks(batch, inputs, outputs, x, weights, dy, dx, dWeights, dBias, overwriteDx, overwriteGradients);
            return;
        }

        ParameterGradients(batch, inputs, outputs, x, dy, dWeights, dBias, overwriteGradients);
        if (!dx.IsEmpty)
        {
            Gemm.MultiplyAB(batch, inputs, outputs, dy, weights, dx, accumulate: !overwriteDx);
        }
    }

    /// <summary>
    /// The most multiply-adds either product of <see cref="Backward"/> may take for the two to run as concurrent tasks
    /// (<see cref="BackwardRunsAsTasks"/>): 4 Mi, twice the Fashion MLP's 256→128 layer at batch 64, the largest shape
    /// measured; above it each product is split between the threads as before.
    /// </summary>
    private const long MaxTaskWork = 4L << 20;

    /// <summary>
    /// The fewest multiply-adds each product needs to run as tasks: 512 Ki. At 256 Ki (that layer at batch 8) the tasks
    /// measured the same as the split products (2-thread training steps, interleaved).
    /// </summary>
    private const long MinTaskWork = 512L << 10;

    /// <summary>
    /// Whether <see cref="Backward"/> of a layer that also computes dx runs on <paramref name="threads"/> threads as two
    /// concurrent tasks, each product whole on one thread: dx (and nothing else) on the calling thread, which runs the
    /// layers before this one next, and dW with the bias gradient on the worker, instead of splitting each product
    /// between the threads one after the other.
    /// </summary>
    /// <remarks>
    /// Split, each product of a small layer hands its operands between the cores: each thread reads all of dy (which the
    /// caller wrote) and half of x (the other thread wrote the other half in the forward pass), and the caller then
    /// reads dx, half of which the worker wrote. For the Fashion MLP's 256→128 layer at batch 64 on the 2-vCPU Zen 5
    /// host, within a whole training step, the backward took 44–52 µs split and 30–36 µs as tasks (medians of 2,000
    /// steps in three alternating processes) against 45–50 µs on one thread. Only two threads are used: wider splits
    /// were not measured. The result is the same bits either way (each element of both products sums the same terms in
    /// the same order on whichever thread computes it).
    /// </remarks>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample.</param>
    /// <param name="outputs">Output features per sample.</param>
    /// <param name="threads">The threads available to the call.</param>
    internal static bool BackwardRunsAsTasks(int batch, int inputs, int outputs, int threads)
    {
        long work = (long)batch * inputs * outputs;
        return threads == 2 && work >= MinTaskWork && work <= MaxTaskWork;
    }

    private static unsafe void BackwardAsTasks(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias, bool overwriteDx, bool overwriteGradients)
    {
        // The spans' checks, before a thread starts.
        Guard.AtLeast("Dense.Backward", x.Length, (long)batch * inputs, "x");
        Guard.AtLeast("Dense.Backward", weights.Length, (long)outputs * inputs, "weights");
        Guard.AtLeast("Dense.Backward", dy.Length, (long)batch * outputs, "dy");
        Guard.AtLeast("Dense.Backward", dx.Length, (long)batch * inputs, "dx");
        Guard.AtLeast("Dense.Backward", dWeights.Length, (long)outputs * inputs, "dWeights");
        if (!dBias.IsEmpty)
        {
            Guard.AtLeast("Dense.Backward", dBias.Length, outputs, "dBias");
        }

        fixed (float* px = x, pw = weights, pdy = dy, pdx = dx, pdw = dWeights, pdb = dBias)
        {
            var job = new BackwardJob
            {
                Batch = batch,
                Inputs = inputs,
                Outputs = outputs,
                X = px,
                W = pw,
                Dy = pdy,
                Dx = pdx,
                DWeights = pdw,
                DBias = dBias.IsEmpty ? null : pdb,
                OverwriteDx = overwriteDx,
                OverwriteGradients = overwriteGradients,
            };

            // Blocks: task 0 on this thread, task 1 on the worker unless it comes late.
            Compute.For(2, 2, &BackwardTask, &job, blocks: true);
        }
    }

    private static unsafe void BackwardTask(void* state, int task, int tasks)
    {
        ref readonly BackwardJob g = ref *(BackwardJob*)state;
        long xs = (long)g.Batch * g.Inputs, ys = (long)g.Batch * g.Outputs;
        if (task == 0)
        {
            // Inside a job Compute.WorkersBusy holds, so the product runs whole on this thread.
            Gemm.MultiplyAB(g.Batch, g.Inputs, g.Outputs, new ReadOnlySpan<float>(g.Dy, checked((int)ys)), new ReadOnlySpan<float>(g.W, g.Outputs * g.Inputs), new Span<float>(g.Dx, checked((int)xs)), accumulate: !g.OverwriteDx);
        }
        else
        {
            ParameterGradients(
                g.Batch,
                g.Inputs,
                g.Outputs,
                new ReadOnlySpan<float>(g.X, checked((int)xs)),
                new ReadOnlySpan<float>(g.Dy, checked((int)ys)),
                new Span<float>(g.DWeights, g.Outputs * g.Inputs),
                g.DBias is null ? default : new Span<float>(g.DBias, g.Outputs),
                g.OverwriteGradients);
        }
    }

    private unsafe struct BackwardJob
    {
        public int Batch;
        public int Inputs;
        public int Outputs;
        public float* X;
        public float* W;
        public float* Dy;
        public float* Dx;
        public float* DWeights;
        public float* DBias;
        public bool OverwriteDx;
        public bool OverwriteGradients;
    }

    /// <summary><c>dW (+)= dyᵀ·x</c> and <c>dBias (+)= Σ_b dy</c>.</summary>
    private static void ParameterGradients(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeights, Span<float> dBias, bool overwriteGradients)
    {
        Gemm.WeightGradient(outputs, inputs, batch, dy, x, dWeights, accumulate: !overwriteGradients);
        if (!dBias.IsEmpty)
        {
            int first = 0;
            if (overwriteGradients)
            {
                // The first row written, the rest added: the same bits as adding every row to zeros (but for the sign
                // of a zero sum).
                if (batch == 0)
                {
                    dBias.Slice(0, outputs).Clear();
                }
                else
                {
                    dy.Slice(0, outputs).CopyTo(dBias);
                }

                first = 1;
            }

            for (int b = first; b < batch; b++)
            {
                Elementwise.Add(dy.Slice(b * outputs, outputs), dBias);
            }
        }
    }

    /// <summary>
    /// The forward pass of two dense layers with an element-wise activation between them:
    /// <c>y1 = x·W1ᵀ + b1</c>, <c>a1 = f(y1)</c>, <c>y2 = a1·W2ᵀ + b2</c>, writing the three outputs that
    /// <see cref="Forward"/>, <see cref="Activations.Forward"/> and <see cref="Forward"/> called in turn would (y1 and
    /// a1 bit for bit; y2 up to rounding, see the remarks).
    /// </summary>
    /// <remarks>
    /// <para>
    /// For small batches (at most <see cref="MaxPairBatch"/> samples, such as batch-1 inference) with enough work for
    /// several threads, the pair runs as <b>one</b> parallel job instead of two: each thread computes a range of the
    /// hidden units (its rows of W1, the bias and the activation) and then multiplies its own slice of <c>a1</c> by the
    /// matching columns of W2 (a split-k product), and the caller adds the threads' partial sums. Threads exchange
    /// data once per pair rather than once per layer, which matters when one hand-off between cores costs as much as
    /// a tenth of the whole computation. Batches of 64 and more on AVX-512 hosts (where both products run on a packed
    /// Bᵀ) are split by rows instead when the weights come from caches (inference) or there is one thread: each thread
    /// runs its samples through both layers, with a ReLU written by the first product's stores. Other batches, and
    /// training on several threads (whose products split W's rows the way the weight gradient does, see
    /// <see cref="Gemm.WeightGradient"/>), take the layer-by-layer path.
    /// </para>
    /// <para>
    /// The second layer's sums are grouped by thread, so its output can differ from the layer-by-layer result in the
    /// last bits; for a given <see cref="Compute.ThreadCount"/> it is deterministic.
    /// </para>
    /// </remarks>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inputs">Input features per sample of the first layer.</param>
    /// <param name="hidden">Outputs of the first layer, inputs of the second.</param>
    /// <param name="outputs">Outputs of the second layer.</param>
    /// <param name="x">The input, batch×inputs.</param>
    /// <param name="weights1">W1, hidden×inputs.</param>
    /// <param name="bias1">b1 (hidden floats), or empty for a first layer without bias.</param>
    /// <param name="y1">The first layer's output before the activation, batch×hidden (overwritten).</param>
    /// <param name="activation">The activation between the layers.</param>
    /// <param name="alpha">The activation's parameter (LeakyReLU slope, ELU scale); ignored by the others.</param>
    /// <param name="a1">The activation's output, batch×hidden (overwritten); the second layer's input.</param>
    /// <param name="weights2">W2, outputs×hidden.</param>
    /// <param name="bias2">b2 (outputs floats), or empty for a second layer without bias.</param>
    /// <param name="y2">The second layer's output, batch×outputs (overwritten).</param>
    /// <param name="packed1">The first layer's cache of packed weights for the layer-by-layer path (see <see cref="Forward"/>), or null.</param>
    /// <param name="packed2">The second layer's cache of packed weights, or null.</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or a bias has the wrong length.</exception>
    public static unsafe void ForwardPair(
        int batch,
        int inputs,
        int hidden,
        int outputs,
        ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights1,
        ReadOnlySpan<float> bias1,
        Span<float> y1,
        ActivationFunction activation,
        float alpha,
        Span<float> a1,
        ReadOnlySpan<float> weights2,
        ReadOnlySpan<float> bias2,
        Span<float> y2,
        PackedWeights? packed1 = null,
        PackedWeights? packed2 = null)
    {
        CheckPair(batch, inputs, hidden, outputs, x.Length, weights1.Length, bias1.Length, y1.Length, a1.Length, weights2.Length, bias2.Length, y2.Length);
        bool byRows = UseRowPair(batch, inputs, hidden, outputs, cached: packed1 is not null && packed2 is not null);
        int parts = byRows ? 0 : PairParts(batch, inputs, hidden, outputs);
        if (!byRows && parts <= 1)
        {
            Forward(batch, inputs, hidden, x, weights1, bias1, y1, packed1);
            Activations.Forward(activation, alpha, y1.Slice(0, batch * hidden), a1.Slice(0, batch * hidden));
            Forward(batch, hidden, outputs, a1, weights2, bias2, y2, packed2);
            return;
        }

        fixed (float* px = x, pw1 = weights1, pb1 = bias1, py1 = y1, pa1 = a1, pw2 = weights2, pb2 = bias2, py2 = y2)
        {
            var operands = new PairOperands
            {
                Batch = batch,
                Inputs = inputs,
                Hidden = hidden,
                Outputs = outputs,
                X = px,
                W1 = pw1,
                B1 = bias1.IsEmpty ? null : pb1,
                Y1 = py1,
                Activation = activation,
                Alpha = alpha,
                A1 = pa1,
                W2 = pw2,
                B2 = bias2.IsEmpty ? null : pb2,
                Y2 = py2,
            };
            if (byRows)
            {
                ForwardRowPair(in operands, packed1, packed2);
            }
            else
            {
                ForwardUnitPair(in operands, parts, packed1, packed2);
            }
        }
    }

    /// <summary>
    /// A small batch's pair split by hidden units into <paramref name="parts"/> parts, each through both layers; the
    /// second layer's sums of the parts after the first are added here in part order.
    /// </summary>
    private static unsafe void ForwardUnitPair(in PairOperands operands, int parts, PackedWeights? packed1, PackedWeights? packed2)
    {
        int batch = operands.Batch, inputs = operands.Inputs, hidden = operands.Hidden, outputs = operands.Outputs;
        int partialFloats = batch * outputs;
        float[] partials = t_partials is { } existing && existing.Length >= (parts - 1) * partialFloats
            ? existing
            : t_partials = new float[Math.Max((parts - 1) * partialFloats, 4096)];
        fixed (float* pp = partials)
        {
            var job = new PairJob { Operands = operands, Partials = pp };
            if (batch == 1 && packed1 is not null && packed2 is not null && GemmDot.HasInterleavedGemv)
            {
                // Batch-1 inference: both layers from the caches' interleaved rows, packed here (not by the threads).
                job.Rows1 = packed1.InterleavedRows(operands.W1, hidden, inputs);
                job.Rows2 = packed2.InterleavedRows(operands.W2, outputs, hidden);
            }

            Compute.For(parts, parts, &PairPart, &job);
        }

        // y2 already holds b2 plus part 0's sums; add the other parts' in part order (deterministic for a thread count).
        var result = new Span<float>(operands.Y2, partialFloats);
        for (int part = 1; part < parts; part++)
        {
            Elementwise.Add(partials.AsSpan((part - 1) * partialFloats, partialFloats), result);
        }
    }

    /// <summary>How many parts <see cref="ForwardPair"/> splits a pair into; 1 means the layer-by-layer path.</summary>
    private static int PairParts(int batch, int inputs, int hidden, int outputs)
    {
        int threads = Compute.ThreadCount;
        if (threads <= 1 || batch > MaxPairBatch)
        {
            return 1;
        }

        long work = (long)batch * hidden * (inputs + outputs);
        int parts = (int)Math.Clamp(work / MinPairWorkPerThread, 1, threads);

        // Every part takes whole 16-unit ranges of the hidden layer (a cache line of y1 and a1).
        return Math.Min(parts, (hidden + 15) / 16);
    }

    /// <summary>One part of a pair: a range of hidden units through both layers.</summary>
    private static unsafe void PairPart(void* state, int part, int parts)
    {
        ref readonly PairJob job = ref *(PairJob*)state;
        ref readonly PairOperands g = ref job.Operands;
        int batch = g.Batch, hidden = g.Hidden, outputs = g.Outputs;
        int tiles = (hidden + 15) / 16;
        int h0 = Math.Min(hidden, tiles * part / parts * 16);
        int h1 = Math.Min(hidden, tiles * (part + 1) / parts * 16);
        Debug.Assert(h0 < h1, "PairParts gives every part at least one tile.");

        // First layer, units [h0, h1): bias, then the product accumulated onto it, then the activation.
        int width = h1 - h0;
        StartRows(g.Y1 + h0, batch, hidden, g.B1 is null ? null : g.B1 + h0, width);

        if (job.Rows1 is not null)
        {
            GemmDot.GemvInterleaved(g.X, job.Rows1, GemmDot.PaddedK(g.Inputs), 0, g.Inputs, h0, h1, g.Y1, accumulate: true);
        }
        else
        {
            GemmDot.Run(g.X, g.W1, g.Y1, g.Inputs, hidden, g.Inputs, 0, batch, h0, h1, accumulateInto: true);
        }

        for (int b = 0; b < batch; b++)
        {
            nint offset = ((nint)b * hidden) + h0;
            Activations.Forward(g.Activation, g.Alpha, new ReadOnlySpan<float>(g.Y1 + offset, width), new Span<float>(g.A1 + offset, width));
        }

        // Second layer, split along k: this part's slice of a1 times the matching columns of W2. Part 0 writes y2
        // (starting from the bias); the others write their partial sums for the caller to add.
        float* c;
        if (part == 0)
        {
            c = g.Y2;
            StartRows(c, batch, outputs, g.B2, outputs);
        }
        else
        {
            c = job.Partials + ((nint)(part - 1) * batch * outputs);
        }

        if (job.Rows2 is not null)
        {
            GemmDot.GemvInterleaved(g.A1 + h0, job.Rows2, GemmDot.PaddedK(hidden), h0, width, 0, outputs, c, accumulate: part == 0);
        }
        else
        {
            GemmDot.Run(g.A1 + h0, g.W2 + h0, c, hidden, outputs, width, 0, batch, 0, outputs, accumulateInto: part == 0);
        }
    }

    /// <summary>Sets <paramref name="width"/> floats of each of <paramref name="rows"/> rows to the bias, or to zero without one.</summary>
    private static unsafe void StartRows(float* first, int rows, int stride, float* bias, int width)
    {
        for (int b = 0; b < rows; b++)
        {
            var row = new Span<float>(first + ((nint)b * stride), width);
            if (bias is null)
            {
                row.Clear();
            }
            else
            {
                new ReadOnlySpan<float>(bias, width).CopyTo(row);
            }
        }
    }

    private static void CheckPair(int batch, int inputs, int hidden, int outputs, int x, int w1, int b1, int y1, int a1, int w2, int b2, int y2)
    {
        if (batch < 0 || inputs <= 0 || hidden <= 0 || outputs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"A dense pair needs a batch of at least 0 and positive sizes (batch={batch}, inputs={inputs}, hidden={hidden}, outputs={outputs}).");
        }

        Guard.AtLeast("Dense.ForwardPair", x, (long)batch * inputs, "x");
        Guard.AtLeast("Dense.ForwardPair", w1, (long)hidden * inputs, "weights1");
        Guard.AtLeast("Dense.ForwardPair", y1, (long)batch * hidden, "y1");
        Guard.AtLeast("Dense.ForwardPair", a1, (long)batch * hidden, "a1");
        Guard.AtLeast("Dense.ForwardPair", w2, (long)outputs * hidden, "weights2");
        Guard.AtLeast("Dense.ForwardPair", y2, (long)batch * outputs, "y2");
        if (b1 != 0)
        {
            Guard.AtLeast("Dense.ForwardPair", b1, hidden, "bias1");
        }

        if (b2 != 0)
        {
            Guard.AtLeast("Dense.ForwardPair", b2, outputs, "bias2");
        }
    }

    /// <summary>The operands of a dense pair, pinned by <see cref="ForwardPair"/>: what both of its parallel forms read.</summary>
    private unsafe struct PairOperands
    {
        public int Batch;
        public int Inputs;
        public int Hidden;
        public int Outputs;
        public float* X;
        public float* W1;
        public float* B1;
        public float* Y1;
        public ActivationFunction Activation;
        public float Alpha;
        public float* A1;
        public float* W2;
        public float* B2;
        public float* Y2;
    }

    /// <summary>A pair split by hidden units as the threads see it.</summary>
    private unsafe struct PairJob
    {
        public PairOperands Operands;

        /// <summary>The second layer's sums of parts 1, 2, …, batch×outputs floats each.</summary>
        public float* Partials;

        /// <summary>Batch 1 with caches: W1 and W2 in the interleaved-rows layout, else null.</summary>
        public float* Rows1;
        public float* Rows2;
    }
}
