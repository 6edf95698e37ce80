using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Forward and backward of a 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors with square kernels,
/// one stride and zero padding on every side: weights [outC × inC × k × k], bias [outC].
/// </summary>
/// <remarks>
/// <para>
/// Each sample is unrolled by im2col into a matrix <c>col[K × P]</c> (<c>K = inC·k·k</c> rows, one per weight of a
/// filter; <c>P = outH·outW</c> columns, one per output pixel), so the convolution is the product
/// <c>y[outC × P] = W[outC × K]·col</c>, done by <see cref="Gemm.MultiplyAB"/>. The backward reuses the same matrix:
/// <c>dW += dy·colᵀ</c> (<see cref="Gemm.MultiplyABt"/>; with many filters accumulated transposed instead,
/// <c>dWᵀ += col·dyᵀ</c>, and added into dW once per call), then <c>dcol = Wᵀ·dy</c> (<see cref="Gemm.MultiplyAtB"/>)
/// written over col and added back into the image positions it came from (col2im). For a 1×1 kernel with stride 1
/// and no padding, col is the input itself and dcol the input gradient, so nothing is copied.
/// </para>
/// <para>
/// Small layers skip im2col where <see cref="ConvDirect"/> applies (AVX-512, stride 1, no padding): 16 filters run
/// the forward with the 16 channels of a pixel in one register, 8 filters with 16 pixels of an output row in one
/// register; with a 5×5 kernel and 8 or 16 filters the weight gradient is read straight from the image, and with a
/// 5×5 kernel on rows of at most 16 floats col2im sums each input row in a register. With so few filters the products
/// are small and im2col's copy, not the arithmetic, was most of the time (the small CNN's two convolutions).
/// </para>
/// <para>
/// Samples run in parallel, one per thread, when the scratch holds one buffer per thread (see
/// <see cref="ScratchSize"/>); each thread then accumulates its share of the parameter gradients privately and the
/// shares are added at the end. With a single buffer the samples run one after another and the matrix products
/// themselves use <see cref="Compute.ThreadCount"/> threads. Nothing is allocated after each thread's first call (which
/// may allocate its buffer for dyᵀ).
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Conv2D
{
    /// <summary>The output size along one axis: <c>(input + 2·padding − kernel) / stride + 1</c>.</summary>
    /// <param name="input">The input height or width.</param>
    /// <param name="kernel">The kernel size.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="padding">The zero padding on each side.</param>
    public static int OutputSize(int input, int kernel, int stride, int padding) => (input + 2 * padding - kernel) / stride + 1;

    /// <summary>
    /// The floats of scratch <see cref="Forward"/> and <see cref="Backward"/> need to run up to
    /// <paramref name="threads"/> samples at once:
    /// <c>threads · (K·(P + outC) + outC)</c> with <c>K = inC·k·k</c> and <c>P = outH·outW</c>, that is per thread
    /// an im2col buffer of K·P floats and a private weight and bias gradient of outC·K + outC floats.
    /// </summary>
    /// <remarks>
    /// The kernels use <c>min(Compute.ThreadCount, batch, scratch.Length / ScratchSize(..., threads: 1))</c> threads over
    /// samples, so a scratch sized for one thread is always enough (the matrix products are then threaded instead).
    /// Sizing it for <see cref="Compute.ThreadCount"/> threads is fastest for small images.
    /// </remarks>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel size (k×k).</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="threads">How many samples may be processed at once, at least 1.</param>
    public static int ScratchSize(int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int threads)
    {
        var s = new ConvShape(1, inChannels, height, width, outChannels, kernel, stride, padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        return checked(threads * s.PerSlot);
    }

    /// <summary>
    /// Computes <c>y[b, o, i, j] = bias[o] + Σ_{c, u, v} W[o, c, u, v]·x[b, c, i·stride − padding + u, j·stride − padding + v]</c>,
    /// with x read as zero outside the image.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel size (k×k).</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="x">The input, batch×inC×H×W.</param>
    /// <param name="weights">W, outC×inC×k×k.</param>
    /// <param name="bias">The bias (outC floats), or empty for a convolution without bias.</param>
    /// <param name="y">The output, batch×outC×outH×outW (overwritten).</param>
    /// <param name="scratch">Temporary memory, at least <see cref="ScratchSize"/> with one thread.</param>
    public static unsafe void Forward(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch)
    {
        var s = new ConvShape(batch, inChannels, height, width, outChannels, kernel, stride, padding);
        Guard.AtLeast("Conv2D", x.Length, (long)batch * s.InputSize, nameof(x));
        Guard.AtLeast("Conv2D", weights.Length, (long)outChannels * s.K, nameof(weights));
        if (!bias.IsEmpty)
        {
            Guard.AtLeast("Conv2D", bias.Length, outChannels, nameof(bias));
        }

        Guard.AtLeast("Conv2D", y.Length, (long)batch * s.OutputSize, nameof(y));
        Guard.AtLeast("Conv2D", scratch.Length, s.PerSlot, nameof(scratch));
        if (batch == 0)
        {
            return;
        }

        fixed (float* px = x, pw = weights, pb = bias, py = y, ps = scratch)
        {
            var job = new ConvJob
            {
                Shape = s,
                X = px,
                W = pw,
                Bias = bias.IsEmpty ? null : pb,
                Y = py,
                Scratch = ps,
            };
            int slots = Slots(batch, scratch.Length, s.PerSlot);
            if (slots <= 1)
            {
                ForwardPart(&job, 0, 1);
            }
            else
            {
                Compute.For(slots, slots, &ForwardPart, &job);
            }
        }
    }

    /// <summary>
    /// Accumulates the gradients of <see cref="Forward"/>: <c>dW += Σ_b dy_b·col_bᵀ</c>, <c>dBias += Σ_{b, i, j} dy</c> and,
    /// unless <paramref name="dx"/> is empty (the input needs no gradient), <c>dx += col2im(Wᵀ·dy_b)</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel size (k×k).</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="x">The forward input, batch×inC×H×W.</param>
    /// <param name="weights">W, outC×inC×k×k.</param>
    /// <param name="dy">The gradient of the output, batch×outC×outH×outW.</param>
    /// <param name="dx">The gradient of the input (added to), or empty to skip it.</param>
    /// <param name="dWeights">The weight gradient (added to), outC×inC×k×k.</param>
    /// <param name="dBias">The bias gradient (added to), or empty for a convolution without bias.</param>
    /// <param name="scratch">Temporary memory, at least <see cref="ScratchSize"/> with one thread.</param>
    /// <param name="overwriteDx">
    /// Write dx instead of adding to it (generated code passes true where no other layer has written dx yet): each
    /// sample's dx is cleared just before its col2im, while it is in cache, instead of the whole buffer beforehand.
    /// </param>
    public static unsafe void Backward(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias, Span<float> scratch,
        bool overwriteDx = false)
    {
        var s = new ConvShape(batch, inChannels, height, width, outChannels, kernel, stride, padding);
        Guard.AtLeast("Conv2D", x.Length, (long)batch * s.InputSize, nameof(x));
        Guard.AtLeast("Conv2D", weights.Length, (long)outChannels * s.K, nameof(weights));
        Guard.AtLeast("Conv2D", dy.Length, (long)batch * s.OutputSize, nameof(dy));
        if (!dx.IsEmpty)
        {
            Guard.AtLeast("Conv2D", dx.Length, (long)batch * s.InputSize, nameof(dx));
        }

        Guard.AtLeast("Conv2D", dWeights.Length, (long)outChannels * s.K, nameof(dWeights));
        if (!dBias.IsEmpty)
        {
            Guard.AtLeast("Conv2D", dBias.Length, outChannels, nameof(dBias));
        }

        Guard.AtLeast("Conv2D", scratch.Length, s.PerSlot, nameof(scratch));
        if (batch == 0)
        {
            return;
        }

        fixed (float* px = x, pw = weights, pdy = dy, pdx = dx, pdw = dWeights, pdb = dBias, ps = scratch)
        {
            int slots = Slots(batch, scratch.Length, s.PerSlot);
            var job = new ConvJob
            {
                Shape = s,
                X = px,
                W = pw,
                Y = pdy,
                DX = dx.IsEmpty ? null : pdx,
                OverwriteDx = overwriteDx,
                DW = pdw,
                DBias = dBias.IsEmpty ? null : pdb,
                Scratch = ps,
                PrivateGradients = slots > 1,
                TransposedWeightGradient = ConvDirect.AppliesBackward(in s) || Gemm.UseTransposed(outChannels, s.K, s.P),
            };
            if (slots <= 1)
            {
                BackwardPart(&job, 0, 1);
                return;
            }

            Compute.For(slots, slots, &BackwardPart, &job);

            // Add each thread's share of the parameter gradients.
            int weightCount = outChannels * s.K;
            for (int slot = 0; slot < slots; slot++)
            {
                float* share = ps + (nint)slot * s.PerSlot + (nint)s.K * s.P;
                if (job.TransposedWeightGradient)
                {
                    ConvLoops.AddTransposed(share, s.K, outChannels, pdw);
                }
                else
                {
                    ConvLoops.Add(share, pdw, weightCount);
                }

                if (job.DBias != null)
                {
                    ConvLoops.Add(share + weightCount, pdb, outChannels);
                }
            }
        }
    }

    /// <summary>Threads over samples: as many as there are threads, samples and scratch buffers.</summary>
    private static int Slots(int batch, int scratchLength, int perSlot)
    {
        int threads = Compute.ThreadCount;
        if (threads <= 1 || batch <= 1 || perSlot == 0)
        {
            return 1;
        }

        return Math.Min(Math.Min(threads, batch), scratchLength / perSlot);
    }

    /// <summary>Runs the samples of part <paramref name="part"/> of <paramref name="parts"/>, in scratch buffer <paramref name="part"/>.</summary>
    private static unsafe void ForwardPart(void* state, int part, int parts)
    {
        ref readonly ConvJob job = ref *(ConvJob*)state;
        ref readonly ConvShape s = ref job.Shape;
        float* col = job.Scratch + (nint)part * s.PerSlot;
        int b0 = (int)((long)s.Batch * part / parts), b1 = (int)((long)s.Batch * (part + 1) / parts);
        var weights = new ReadOnlySpan<float>(job.W, s.OutChannels * s.K);
        if (ConvDirect.Applies(in s))
        {
            // 16 filters, stride 1, no padding: the direct kernel reads the image itself; its col area holds Wᵀ.
            ConvDirect.TransposeWeights(in s, job.W, col);
            for (int b = b0; b < b1; b++)
            {
                ConvDirect.Forward16(in s, job.X + (nint)b * s.InputSize, col, job.Bias, job.Y + (nint)b * s.OutputSize);
            }

            return;
        }

        if (ConvDirect.Applies8(in s))
        {
            // 8 filters, stride 1, no padding, rows of at least 16 outputs: the direct row kernel.
            for (int b = b0; b < b1; b++)
            {
                ConvDirect.Forward8(in s, job.X + (nint)b * s.InputSize, job.W, job.Bias, job.Y + (nint)b * s.OutputSize);
            }

            return;
        }

        for (int b = b0; b < b1; b++)
        {
            float* x = job.X + (nint)b * s.InputSize;
            float* y = job.Y + (nint)b * s.OutputSize;
            if (s.Pointwise)
            {
                col = x;
            }
            else
            {
                ConvLoops.Im2Col(in s, x, col);
            }

            if (job.Bias != null)
            {
                for (int o = 0; o < s.OutChannels; o++)
                {
                    new Span<float>(y + (nint)o * s.P, s.P).Fill(job.Bias[o]);
                }
            }

            // y_b[outC × P] (+)= W[outC × K] · col[K × P]
            Gemm.MultiplyAB(s.OutChannels, s.P, s.K, weights, new ReadOnlySpan<float>(col, s.K * s.P), new Span<float>(y, s.OutputSize), accumulate: job.Bias != null);
        }
    }

    /// <summary>Runs the backward of the samples of one part, in its scratch buffer.</summary>
    private static unsafe void BackwardPart(void* state, int part, int parts)
    {
        ref readonly ConvJob job = ref *(ConvJob*)state;
        ref readonly ConvShape s = ref job.Shape;
        int kp = s.K * s.P, weightCount = s.OutChannels * s.K;
        float* slot = job.Scratch + (nint)part * s.PerSlot;

        // Where dW += dy·colᵀ would itself be run transposed (Gemm.UseTransposed: it would pack dyᵀ and transpose a
        // K×outC product back into dW for every sample), the weight gradient is accumulated transposed instead,
        // dWᵀ[K × outC] += col·dy_bᵀ, a plain A·B product for the broadcast kernels, in the slot's gradient area, and
        // transposed back into dW once per call. Otherwise (few filters) the dot-product kernels take dy·colᵀ as it is.
        bool transposed = job.TransposedWeightGradient;
        bool direct = ConvDirect.AppliesBackward(in s);
        float* dw = job.DW, db = job.DBias;
        if (transposed || job.PrivateGradients)
        {
            dw = slot + kp;
            new Span<float>(dw, weightCount).Clear();
        }

        if (job.PrivateGradients && db != null)
        {
            db = slot + kp + weightCount;
            new Span<float>(db, s.OutChannels).Clear();
        }

        float* dyt = transposed ? DyTransposeBuffer(s.OutputSize) : null;
        int b0 = (int)((long)s.Batch * part / parts), b1 = (int)((long)s.Batch * (part + 1) / parts);
        var weights = new ReadOnlySpan<float>(job.W, weightCount);
        var dWeights = new Span<float>(dw, weightCount);
        for (int b = b0; b < b1; b++)
        {
            float* x = job.X + (nint)b * s.InputSize;
            float* dy = job.Y + (nint)b * s.OutputSize;
            var dySpan = new ReadOnlySpan<float>(dy, s.OutputSize);
            float* col = slot;
            if (direct)
            {
                // dWᵀ[K × outC] += col · dy_bᵀ (16 or 8 filters), read straight from the image (no im2col).
                Gemm.Transpose(dy, s.OutChannels, s.P, dyt, s.OutChannels);
                if (s.OutChannels == ConvDirect.Lanes)
                {
                    ConvDirect.WeightGradient5<Lanes512>(in s, x, dyt, dw);
                }
                else
                {
                    ConvDirect.WeightGradient5<Lanes256>(in s, x, dyt, dw);
                }
            }
            else
            {
                if (s.Pointwise)
                {
                    col = x;
                }
                else
                {
                    ConvLoops.Im2Col(in s, x, col);
                }

                var colSpan = new ReadOnlySpan<float>(col, kp);
                if (transposed)
                {
                    // dWᵀ[K × outC] += col[K × P] · dy_bᵀ[P × outC]
                    Gemm.Transpose(dy, s.OutChannels, s.P, dyt, s.OutChannels);
                    Gemm.MultiplyAB(s.K, s.OutChannels, s.P, colSpan, new ReadOnlySpan<float>(dyt, s.OutputSize), dWeights, accumulate: true);
                }
                else
                {
                    // dW[outC × K] += dy_b[outC × P] · col[K × P]ᵀ
                    Gemm.MultiplyABt(s.OutChannels, s.K, s.P, dySpan, colSpan, dWeights, accumulate: true);
                }
            }

            if (db != null)
            {
                for (int o = 0; o < s.OutChannels; o++)
                {
                    db[o] += ConvLoops.Sum(dy + (nint)o * s.P, s.P);
                }
            }

            if (job.DX == null)
            {
                continue;
            }

            float* dx = job.DX + (nint)b * s.InputSize;
            if (s.Pointwise)
            {
                // dx_b[inC × P] (+)= Wᵀ · dy_b
                Gemm.MultiplyAtB(s.K, s.P, s.OutChannels, weights, dySpan, new Span<float>(dx, s.InputSize), accumulate: !job.OverwriteDx);
            }
            else
            {
                if (job.OverwriteDx)
                {
                    new Span<float>(dx, s.InputSize).Clear();
                }

                // dcol[K × P] = Wᵀ[K × outC] · dy_b[outC × P], over col (no longer needed), then back to image positions.
                Gemm.MultiplyAtB(s.K, s.P, s.OutChannels, weights, dySpan, new Span<float>(slot, kp), accumulate: false);
                if (ConvDirect.AppliesCol2Im(in s))
                {
                    // Reads up to 15 floats past dcol: the slot's gradient area (outC·K ≥ 25 floats) follows it.
                    ConvDirect.Col2ImAdd5(in s, slot, dx);
                }
                else
                {
                    ConvLoops.Col2ImAdd(in s, slot, dx);
                }
            }
        }

        if (transposed && !job.PrivateGradients)
        {
            ConvLoops.AddTransposed(dw, s.K, s.OutChannels, job.DW);
        }
    }

    /// <summary>The calling thread's buffer for one sample's <c>dyᵀ</c> (grown, never shrunk; pinned).</summary>
    [ThreadStatic]
    private static float[]? t_dyTransposed;

    private static unsafe float* DyTransposeBuffer(int floats)
    {
        float[] buffer = t_dyTransposed is { } existing && existing.Length >= floats
            ? existing
            : t_dyTransposed = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }
}

/// <summary>The shape of one convolution and the sizes derived from it, validated once.</summary>
internal readonly struct ConvShape
{
    public readonly int Batch, InChannels, Height, Width, OutChannels, Kernel, Stride, Padding;
    public readonly int OutHeight, OutWidth;

    /// <summary>Rows of col: <c>inC·k·k</c>.</summary>
    public readonly int K;

    /// <summary>Output pixels per channel: <c>outH·outW</c>.</summary>
    public readonly int P;

    /// <summary>Floats of one input and one output sample.</summary>
    public readonly int InputSize, OutputSize;

    /// <summary>Scratch floats per thread: col (K·P), then private dW (outC·K) and dBias (outC).</summary>
    public readonly int PerSlot;

    /// <summary>1×1 kernel, stride 1, no padding: col is the input itself.</summary>
    public readonly bool Pointwise;

    public ConvShape(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding)
    {
        if (batch < 0 || inChannels < 1 || height < 1 || width < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"Conv2D: invalid shape (batch {batch}, inC {inChannels}, {height}×{width}, outC {outChannels}, kernel {kernel}, stride {stride}, padding {padding}).");
        }

        if (height + 2 * padding < kernel || width + 2 * padding < kernel)
        {
            throw new ArgumentException($"Conv2D: a {kernel}×{kernel} kernel does not fit a {height}×{width} input padded by {padding}.");
        }

        Batch = batch;
        InChannels = inChannels;
        Height = height;
        Width = width;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        OutHeight = Conv2D.OutputSize(height, kernel, stride, padding);
        OutWidth = Conv2D.OutputSize(width, kernel, stride, padding);
        checked
        {
            K = inChannels * kernel * kernel;
            P = OutHeight * OutWidth;
            InputSize = inChannels * height * width;
            OutputSize = outChannels * P;
            PerSlot = K * (P + outChannels) + outChannels;
        }

        Pointwise = kernel == 1 && stride == 1 && padding == 0;
    }
}

/// <summary>Pointers and flags of one forward or backward call, shared by the threads.</summary>
internal unsafe struct ConvJob
{
    public ConvShape Shape;
    public float* X;
    public float* W;
    public float* Bias;

    /// <summary>The output (forward) or its gradient (backward).</summary>
    public float* Y;
    public float* DX;

    /// <summary>Backward: each sample's dx is written (cleared before its col2im) instead of added to.</summary>
    public bool OverwriteDx;
    public float* DW;
    public float* DBias;
    public float* Scratch;

    /// <summary>Each part accumulates dW and dBias in its own scratch buffer (samples run in parallel).</summary>
    public bool PrivateGradients;

    /// <summary>The backward accumulates <c>dWᵀ</c> (K × outC) in the scratch and adds it transposed into dW at the end.</summary>
    public bool TransposedWeightGradient;
}
