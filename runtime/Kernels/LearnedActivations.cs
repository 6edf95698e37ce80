using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using static NetGen.Kernels.LearnedActivations;

namespace NetGen.Kernels;

/// <summary>The PReLU kernels (He et al. 2015): a learned negative slope per channel. Layout [batch, channels, spatial]; the backward adds to dx and dAlpha and skips a gradient passed empty.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class PRelu
{
    private const string Kernel = "PRelu";

    /// <summary>
    /// PReLU (He et al. 2015): <c>y = x &gt; 0 ? x : alpha[c]·x</c> with one learned slope per channel, as
    /// <c>torch.nn.functional.prelu</c>. For PyTorch's single shared slope, pass <c>channels = 1</c> and
    /// <c>spatial = channels·spatial</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels (features for a dense layer).</param>
    /// <param name="spatial">Positions per channel (H·W for images, 1 for dense features).</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="alpha">The slopes, one per channel.</param>
    /// <param name="y">The output, same shape as x (overwritten).</param>
    public static void Forward(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> y)
    {
        int n = CheckPRelu(batch, channels, spatial, x.Length, alpha.Length);
        Guard.Length(Kernel, y.Length, n, nameof(y));
        if (spatial == 1)
        {
            // Dense features: a row of channels meets the slope vector element by element.
            for (int b = 0; b < batch; b++)
            {
                LeakyForward(x.Slice(b * channels, channels), new Elements(alpha), y.Slice(b * channels, channels));
            }

            return;
        }

        for (int bc = 0; bc < batch * channels; bc++)
        {
            LeakyForward(x.Slice(bc * spatial, spatial), new Broadcast(alpha[bc % channels]), y.Slice(bc * spatial, spatial));
        }
    }

    /// <summary>
    /// PReLU backward: <c>dx += dy·(x &gt; 0 ? 1 : alpha[c])</c> and <c>dAlpha[c] += Σ dy·x</c> over the entries of channel c
    /// with <c>x ≤ 0</c> (all samples and positions).
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="alpha">The slopes, one per channel.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="dAlpha">The slope gradient, one per channel (added to), or empty to skip it.</param>
    public static void Backward(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dAlpha)
    {
        int n = CheckPRelu(batch, channels, spatial, x.Length, alpha.Length);
        Guard.Length(Kernel, dy.Length, n, nameof(dy));
        if (!dx.IsEmpty)
        {
            Guard.Length(Kernel, dx.Length, n, nameof(dx));
        }

        if (!dAlpha.IsEmpty)
        {
            Guard.Length(Kernel, dAlpha.Length, channels, nameof(dAlpha));
        }

        if (spatial == 1)
        {
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> xr = x.Slice(b * channels, channels), dyr = dy.Slice(b * channels, channels);
                if (!dx.IsEmpty)
                {
                    LeakyInputGradient(xr, new Elements(alpha), dyr, dx.Slice(b * channels, channels));
                }

                if (!dAlpha.IsEmpty)
                {
                    AddNegativePartProduct(xr, dyr, dAlpha);
                }
            }

            return;
        }

        for (int bc = 0; bc < batch * channels; bc++)
        {
            int c = bc % channels;
            ReadOnlySpan<float> xr = x.Slice(bc * spatial, spatial), dyr = dy.Slice(bc * spatial, spatial);
            if (!dx.IsEmpty)
            {
                LeakyInputGradient(xr, new Broadcast(alpha[c]), dyr, dx.Slice(bc * spatial, spatial));
            }

            if (!dAlpha.IsEmpty)
            {
                dAlpha[c] += SumNegativePartProduct(xr, dyr);
            }
        }
    }
}

/// <summary>The RReLU kernels (Xu et al. 2015): a random negative slope per element while training, the mean slope at inference. The backwards add to dx and skip it when empty.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class RRelu
{
    private const string Kernel = "RRelu";

    /// <summary>
    /// RReLU (Xu et al. 2015) while training: draws a slope <c>a ~ U(lower, upper)</c> per element into
    /// <paramref name="slopes"/> (two 24-bit uniforms per <see cref="Rng.NextUInt64"/>, drawn in vectorized blocks) and writes
    /// <c>y = x &gt; 0 ? x : a·x</c>, as <c>torch.nn.functional.rrelu(training=True)</c>. Slopes are drawn for every element
    /// (those of positive inputs are unused), so the mask does not depend on x.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="slopes">The sampled slopes, same length (overwritten; keep them for <see cref="Backward"/>).</param>
    /// <param name="y">The output, same length (overwritten).</param>
    /// <param name="lower">The lower bound of the slope (PyTorch's default is 1/8).</param>
    /// <param name="upper">The upper bound of the slope (PyTorch's default is 1/3).</param>
    /// <param name="rng">The seeded generator the slopes are drawn from.</param>
    public static void ForwardTraining(float lower, float upper, ReadOnlySpan<float> x, Span<float> y, Span<float> slopes, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckBounds(lower, upper);
        Guard.Length(Kernel, slopes.Length, x.Length, nameof(slopes));
        Guard.Length(Kernel, y.Length, x.Length, nameof(y));
        MaskSampler.FillUniform(slopes, lower, upper, rng);
        LeakyForward(x, new Elements(slopes), y);
    }

    /// <summary>RReLU at inference: <c>y = x &gt; 0 ? x : ((lower + upper)/2)·x</c>, the expected slope.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    /// <param name="lower">The lower bound of the slope.</param>
    /// <param name="upper">The upper bound of the slope.</param>
    public static void ForwardInference(float lower, float upper, ReadOnlySpan<float> x, Span<float> y)
    {
        CheckBounds(lower, upper);
        Guard.Length(Kernel, y.Length, x.Length, nameof(y));
        LeakyForward(x, new Broadcast((lower + upper) / 2f), y);
    }

    /// <summary>RReLU backward in training: <c>dx += dy·(x &gt; 0 ? 1 : slopes)</c> with the forward's stored slopes.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="slopes">The slopes <see cref="ForwardTraining"/> drew.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty)
        {
            return;
        }

        Guard.Length(Kernel, slopes.Length, x.Length, nameof(slopes));
        Guard.Length(Kernel, dy.Length, x.Length, nameof(dy));
        Guard.Length(Kernel, dx.Length, x.Length, nameof(dx));
        LeakyInputGradient(x, new Elements(slopes), dy, dx);
    }

    /// <summary>RReLU backward in inference mode: <c>dx += dy·(x &gt; 0 ? 1 : (lower + upper)/2)</c>.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="lower">The lower bound of the slope.</param>
    /// <param name="upper">The upper bound of the slope.</param>
    public static void BackwardInference(float lower, float upper, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBounds(lower, upper);
        if (dx.IsEmpty)
        {
            return;
        }

        Guard.Length(Kernel, dy.Length, x.Length, nameof(dy));
        Guard.Length(Kernel, dx.Length, x.Length, nameof(dx));
        LeakyInputGradient(x, new Broadcast((lower + upper) / 2f), dy, dx);
    }

    /// <summary>RReLU with given slopes: <c>y = x &gt; 0 ? x : slopes[i]·x</c> (replays the slopes a training forward drew).</summary>
    /// <param name="x">The input.</param>
    /// <param name="slopes">The negative slope of each element.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void ForwardWithSlopes(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, Span<float> y)
    {
        Guard.Length(Kernel, slopes.Length, x.Length, nameof(slopes));
        Guard.Length(Kernel, y.Length, x.Length, nameof(y));
        LeakyForward(x, new Elements(slopes), y);
    }
}

/// <summary>The Maxout kernels (Goodfellow et al. 2013): the maximum over groups of pieces. The backward adds to dx and skips it when empty.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Maxout
{
    private const string Kernel = "Maxout";

    /// <summary>
    /// Maxout (Goodfellow et al. 2013): <c>y[b, u] = max_k x[b, u, k]</c>. The preceding dense layer produces units·pieces
    /// features laid out [batch, units, pieces], the piece index fastest.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="units">Output units per sample.</param>
    /// <param name="pieces">Pieces per unit (k ≥ 1).</param>
    /// <param name="x">The input, batch×units×pieces.</param>
    /// <param name="y">The output, batch×units (overwritten).</param>
    public static void Forward(int batch, int units, int pieces, ReadOnlySpan<float> x, Span<float> y)
    {
        int rows = CheckMaxout(batch, units, pieces, x.Length, y.Length);
        for (int j = 0; j < rows; j++)
        {
            ReadOnlySpan<float> group = x.Slice(j * pieces, pieces);
            float max = group[0];
            for (int k = 1; k < group.Length; k++)
            {
                // Strict comparison: the first maximum wins, as in the backward.
                if (group[k] > max)
                {
                    max = group[k];
                }
            }

            y[j] = max;
        }
    }

    /// <summary>Maxout backward: <c>dx[b, u, k*] += dy[b, u]</c> for the first piece k* equal to the forward's maximum (piece 0 if none is, e.g. NaN).</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="units">Output units per sample.</param>
    /// <param name="pieces">Pieces per unit.</param>
    /// <param name="x">The forward input, batch×units×pieces.</param>
    /// <param name="y">The forward output, batch×units.</param>
    /// <param name="dy">The output gradient, batch×units.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    public static void Backward(int batch, int units, int pieces, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int rows = CheckMaxout(batch, units, pieces, x.Length, y.Length);
        if (dx.IsEmpty)
        {
            return;
        }

        Guard.Length(Kernel, dy.Length, rows, nameof(dy));
        Guard.Length(Kernel, dx.Length, x.Length, nameof(dx));
        for (int j = 0; j < rows; j++)
        {
            ReadOnlySpan<float> group = x.Slice(j * pieces, pieces);
            int winner = group.IndexOf(y[j]);
            dx[(j * pieces) + (winner < 0 ? 0 : winner)] += dy[j];
        }
    }
}

/// <summary>The softmax kernels, row-wise and stable: the layer, and the head of the softmax cross-entropy loss. The backward adds to dx and skips it when empty.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Softmax
{
    private const string Kernel = "Softmax";

    /// <summary>Softmax as a layer (not fused with a loss): row-wise and stable, <c>y = exp(x − max) / Σ exp(x − max)</c>.</summary>
    /// <param name="batch">The number of rows.</param>
    /// <param name="classes">The row length.</param>
    /// <param name="x">The input, batch×classes.</param>
    /// <param name="y">The output, batch×classes (overwritten).</param>
    public static void Forward(int batch, int classes, ReadOnlySpan<float> x, Span<float> y)
    {
        int n = CheckSoftmax(batch, classes, x.Length);
        Guard.Length(Kernel, y.Length, n, nameof(y));
        if (classes is >= 8 and <= 16 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            ForwardRows512(batch, classes, x, y);
            return;
        }

        // Each row shifted by its maximum, then one vector exp over the whole block, then each row scaled by 1/Σ. A row
        // of 10 classes is shorter than a vector: with MathF.Exp row by row the 256 rows of a batch took 9.7 µs, with
        // the block's vector exp 4.4 µs (Zen 5, tools/ab kern 256 1; TensorPrimitives.Exp took 19.7 µs). x may be y.
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> z = x.Slice(b * classes, classes);
            Span<float> p = y.Slice(b * classes, classes);
            float max = Losses.Max(z);
            for (int c = 0; c < classes; c++)
            {
                p[c] = z[c] - max;
            }
        }

        var exp = new ExpBody(ref MemoryMarshal.GetReference(y));
        LaneLoop.Run(ref exp, (nuint)n);
        for (int b = 0; b < batch; b++)
        {
            Span<float> p = y.Slice(b * classes, classes);
            float sum = 0f;
            for (int c = 0; c < classes; c++)
            {
                sum += p[c];
            }

            float inv = 1f / sum;
            for (int c = 0; c < classes; c++)
            {
                p[c] *= inv;
            }
        }
    }

    /// <summary>
    /// Rows of 8 to 16 classes, one row per 512-bit vector: a masked load (the lanes past the row read −∞), the
    /// maximum and the sum across lanes, one vector exp, a masked store. The block path above spends its time in
    /// scalar loops over 10-float rows (256 rows of 10 classes: 4.6 µs on Zen 5); here every step is a vector
    /// instruction. x may be y: each row is read whole before it is written.
    /// </summary>
    private static unsafe void ForwardRows512(int batch, int classes, ReadOnlySpan<float> x, Span<float> y)
    {
        Vector512<float> mask = GemmDot.TailMask512(classes & 15);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        fixed (float* px = x, py = y)
        {
            // Each row is loaded two rows ahead of the store that ends its predecessor's predecessor: in place (x = y),
            // a load that overlaps the 64 bytes of a masked store still in flight waits for it (9.6 µs for 256 rows of
            // 10 instead of 2.1). Two rows of at least 8 classes span 64 bytes; shorter rows take the block path.
            Vector512<float> next = Avx512F.MaskLoad(px, mask, lowest);
            Vector512<float> afterNext = batch > 1 ? Avx512F.MaskLoad(px + classes, mask, lowest) : lowest;
            for (int b = 0; b < batch; b++)
            {
                nint row = (nint)b * classes;
                Vector512<float> z = next;
                next = afterNext;
                if (b + 2 < batch)
                {
                    afterNext = Avx512F.MaskLoad(px + row + (2 * classes), mask, lowest);
                }

                // The lanes past the row go into the exp as 0 (−∞ there sends every row down the exp's slow path for
                // out-of-range lanes: 36 µs instead of ~1 for 256 rows) and come out cleared.
                Vector512<float> e = ExpNonPositive512((z - Vector512.Create(LaneMax(z))) & mask) & mask;
                Avx512F.MaskStore(py + row, mask, e * Vector512.Create(1f / LaneSum(e)));
            }
        }
    }

    /// <summary>The largest of the 16 lanes (x86 <c>maxps</c>: a NaN lane may or may not win).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float LaneMax(Vector512<float> z)
    {
        Vector256<float> half = Avx.Max(z.GetLower(), z.GetUpper());
        Vector128<float> quarter = Sse.Max(half.GetLower(), half.GetUpper());
        quarter = Sse.Max(quarter, Sse.Shuffle(quarter, quarter, 0b01_00_11_10));
        return Sse.Max(quarter, Sse.Shuffle(quarter, quarter, 0b10_11_00_01)).ToScalar();
    }

    /// <summary>The sum of the 16 lanes, halves first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float LaneSum(Vector512<float> e)
    {
        Vector256<float> half = Avx.Add(e.GetLower(), e.GetUpper());
        Vector128<float> quarter = Sse.Add(half.GetLower(), half.GetUpper());
        quarter = Sse.Add(quarter, Sse.Shuffle(quarter, quarter, 0b01_00_11_10));
        return Sse.Add(quarter, Sse.Shuffle(quarter, quarter, 0b10_11_00_01)).ToScalar();
    }

    /// <summary>
    /// <c>exp(x)</c> for the shifted logits <c>x ≤ 0</c> of a softmax, in single precision (within 2 ulp of the exact
    /// value, checked in the tests): <c>x = n·ln 2 + r</c> with n the nearest integer to <c>x·log₂e</c> and
    /// <c>|r| ≤ ln 2 / 2</c> (ln 2 in two parts, so that n·ln 2 is exact in its high part), <c>exp(r)</c> by its Taylor
    /// series to r⁷ (the next term is below 6·10⁻⁹ relative), and the product with 2ⁿ by <c>vscalefps</c>. x is clamped
    /// at −104, below which exp underflows past the smallest subnormal (−∞ gives 0 instead of NaN); NaN stays NaN.
    /// <see cref="Vector512.Exp(Vector512{float})"/> computes in double and took ~3.4 µs for the 256 rows of a batch,
    /// this ~1.2 µs (Zen 5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpNonPositive512(Vector512<float> x)
    {
        // maxps returns its second operand when either is NaN, so a NaN x passes through.
        x = Avx512F.Max(Vector512.Create(-104f), x);
        Vector512<float> n = Avx512F.RoundScale(x * Vector512.Create(1.44269504088896341f), 0); // to nearest, ties to even
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693145751953125f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.428606820309417232e-6f), r);
        Vector512<float> p = Vector512.Create(1f / 5040f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        return Avx512F.Scale(p, n);
    }

    /// <summary>The scalar twin of <see cref="Softmax.Forward"/>: each row as the formula reads, exp and sum in double.</summary>
    public static class Reference
    {
        /// <summary><c>y = exp(x − max) / Σ exp(x − max)</c>, row by row.</summary>
        /// <param name="batch">The number of rows.</param>
        /// <param name="classes">The row length.</param>
        /// <param name="x">The input, batch×classes.</param>
        /// <param name="y">The output, batch×classes (overwritten).</param>
        public static void Forward(int batch, int classes, ReadOnlySpan<float> x, Span<float> y)
        {
            for (int b = 0; b < batch; b++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    max = Math.Max(max, x[(b * classes) + c]);
                }

                for (int c = 0; c < classes; c++)
                {
                    sum += Math.Exp(x[(b * classes) + c] - max);
                }

                for (int c = 0; c < classes; c++)
                {
                    y[(b * classes) + c] = (float)(Math.Exp(x[(b * classes) + c] - max) / sum);
                }
            }
        }
    }

    /// <summary>Softmax layer backward: <c>dx += y ⊙ (dy − Σ_c dy·y)</c> per row (the Jacobian-vector product of softmax).</summary>
    /// <param name="batch">The number of rows.</param>
    /// <param name="classes">The row length.</param>
    /// <param name="y">The forward output, batch×classes.</param>
    /// <param name="dy">The output gradient, batch×classes.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = CheckSoftmax(batch, classes, y.Length);
        if (dx.IsEmpty)
        {
            return;
        }

        Guard.Length(Kernel, dy.Length, n, nameof(dy));
        Guard.Length(Kernel, dx.Length, n, nameof(dx));
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> yr = y.Slice(b * classes, classes), dyr = dy.Slice(b * classes, classes);
            Span<float> dxr = dx.Slice(b * classes, classes);
            float dot = 0f;
            for (int c = 0; c < classes; c++)
            {
                dot += dyr[c] * yr[c];
            }

            for (int c = 0; c < classes; c++)
            {
                dxr[c] += yr[c] * (dyr[c] - dot);
            }
        }
    }
}

/// <summary>The vector loops and shape checks shared by <see cref="PRelu"/>, <see cref="RRelu"/>, <see cref="Maxout"/> and <see cref="Softmax"/>.</summary>
internal static class LearnedActivations
{
    /// <summary>y = x &gt; 0 ? x : s·x (lengths checked by the caller).</summary>
    internal static void LeakyForward<TS>(ReadOnlySpan<float> x, TS s, Span<float> y)
        where TS : ILaneSource, allows ref struct
    {
        var body = new LeakyForwardBody<TS>(ref MemoryMarshal.GetReference(x), s, ref MemoryMarshal.GetReference(y));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>dx += dy·(x &gt; 0 ? 1 : s) (lengths checked by the caller).</summary>
    internal static void LeakyInputGradient<TS>(ReadOnlySpan<float> x, TS s, ReadOnlySpan<float> dy, Span<float> dx)
        where TS : ILaneSource, allows ref struct
    {
        var body = new LeakyGradientBody<TS>(ref MemoryMarshal.GetReference(x), s, ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(dx));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>Σ dy·min(x, 0): the slope gradient of one channel's row (equal lengths checked by the caller).</summary>
    internal static float SumNegativePartProduct(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
    {
        var body = new NegativePartSum(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(dy));
        return LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>acc += dy·min(x, 0) element-wise: the slope gradients of a dense row (equal lengths checked by the caller).</summary>
    internal static void AddNegativePartProduct(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> acc)
    {
        var body = new NegativePartAdd(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(acc));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    internal static int CheckPRelu(int batch, int channels, int spatial, int xLength, int alphaLength)
    {
        if (batch < 0 || channels < 1 || spatial < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"PReLU needs batch ≥ 0, channels ≥ 1 and spatial ≥ 1; got {batch}, {channels}, {spatial}.");
        }

        long n = (long)batch * channels * spatial;
        Guard.Length("PRelu", xLength, n, "x");
        Guard.Length("PRelu", alphaLength, channels, "alpha");
        return (int)n;
    }

    internal static int CheckMaxout(int batch, int units, int pieces, int xLength, int yLength)
    {
        if (batch < 0 || units < 0 || pieces < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(pieces), $"Maxout needs batch ≥ 0, units ≥ 0 and pieces ≥ 1; got {batch}, {units}, {pieces}.");
        }

        long rows = (long)batch * units;
        Guard.Length("Maxout", xLength, rows * pieces, "x");
        Guard.Length("Maxout", yLength, rows, "y");
        return (int)rows;
    }

    internal static int CheckSoftmax(int batch, int classes, int length)
    {
        if (batch < 0 || classes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), $"Softmax needs batch ≥ 0 and classes ≥ 1; got {batch}, {classes}.");
        }

        long n = (long)batch * classes;
        Guard.Length("Softmax", length, n, "x");
        return (int)n;
    }

    internal static void CheckBounds(float lower, float upper)
    {
        if (!(float.IsFinite(lower) && float.IsFinite(upper) && lower <= upper))
        {
            throw new ArgumentOutOfRangeException(nameof(lower), $"RReLU needs finite bounds with lower ≤ upper; got lower {lower}, upper {upper}.");
        }
    }

    /// <summary>y = exp(y) in place.</summary>
    internal readonly ref struct ExpBody : ILaneLoop
    {
        private readonly ref float _y;

        public ExpBody(ref float y) => _y = ref y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T.Exp(T.Load(ref _y, i)).Store(ref _y, i);
            return acc;
        }
    }

    private readonly ref struct LeakyForwardBody<TS> : ILaneLoop
        where TS : ILaneSource, allows ref struct
    {
        private readonly ref float _x;
        private readonly TS _s;
        private readonly ref float _y;

        public LeakyForwardBody(ref float x, TS s, ref float y)
        {
            _x = ref x;
            _s = s;
            _y = ref y;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T v = T.Load(ref _x, i);
            T.IfGreater(v, T.Zero, v, v * _s.At<T>(i)).Store(ref _y, i);
            return acc;
        }
    }

    private readonly ref struct LeakyGradientBody<TS> : ILaneLoop
        where TS : ILaneSource, allows ref struct
    {
        private readonly ref float _x;
        private readonly TS _s;
        private readonly ref float _dy;
        private readonly ref float _dx;

        public LeakyGradientBody(ref float x, TS s, ref float dy, ref float dx)
        {
            _x = ref x;
            _s = s;
            _dy = ref dy;
            _dx = ref dx;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T d = T.IfGreater(T.Load(ref _x, i), T.Zero, T.One, _s.At<T>(i));
            T.MultiplyAdd(T.Load(ref _dy, i), d, T.Load(ref _dx, i)).Store(ref _dx, i);
            return acc;
        }
    }

    private readonly ref struct NegativePartSum : ILaneLoop
    {
        private readonly ref float _x;
        private readonly ref float _dy;

        public NegativePartSum(ref float x, ref float dy)
        {
            _x = ref x;
            _dy = ref dy;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T> => T.MultiplyAdd(T.Load(ref _dy, i), T.Min(T.Load(ref _x, i), T.Zero), acc);
    }

    private readonly ref struct NegativePartAdd : ILaneLoop
    {
        private readonly ref float _x;
        private readonly ref float _dy;
        private readonly ref float _acc;

        public NegativePartAdd(ref float x, ref float dy, ref float acc)
        {
            _x = ref x;
            _dy = ref dy;
            _acc = ref acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T.MultiplyAdd(T.Load(ref _dy, i), T.Min(T.Load(ref _x, i), T.Zero), T.Load(ref _acc, i)).Store(ref _acc, i);
            return acc;
        }
    }
}
