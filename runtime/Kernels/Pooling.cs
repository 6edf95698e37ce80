using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using static NetGen.Kernels.Pooling;

namespace NetGen.Kernels;

/// <summary>
/// Max pooling on NCHW tensors over square windows without padding (<c>out = (in − size) / stride + 1</c>, as PyTorch with <c>ceil_mode = false</c>). The forward overwrites y; the backward adds to dx, recomputing which input was the maximum from x and y (the first in row-major order on ties, as PyTorch), so no index buffer is kept. Planes (a channel of a sample) are pooled on their own; large calls split planes across <see cref="Compute.ThreadCount"/> threads; nothing allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class MaxPool2D
{
    private const string Kernel = "MaxPool2D";

    /// <summary>The output size along one axis: <c>(input − size) / stride + 1</c>.</summary>
    /// <param name="input">The input height or width.</param>
    /// <param name="size">The window size.</param>
    /// <param name="stride">The stride.</param>
    public static int OutputSize(int input, int size, int stride) => Pooling.OutputSize(input, size, stride);

    /// <summary><c>y[b, c, i, j] = max_{u, v &lt; size} x[b, c, i·stride + u, j·stride + v]</c>.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="size">The window size (size×size).</param>
    /// <param name="stride">The stride.</param>
    /// <param name="x">The input, batch×channels×H×W.</param>
    /// <param name="y">The output, batch×channels×outH×outW (overwritten).</param>
    public static void Forward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, Span<float> y) =>
        Pooling.Forward(Kernel, PoolKind.MaxForward, batch, channels, height, width, size, stride, x, y);

    /// <summary>
    /// Adds each <c>dy[b, c, i, j]</c> to <c>dx</c> at the first position (row-major) of its window where x equals the
    /// forward maximum <c>y[b, c, i, j]</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="size">The window size (size×size).</param>
    /// <param name="stride">The stride.</param>
    /// <param name="x">The forward input, batch×channels×H×W.</param>
    /// <param name="y">The forward output, batch×channels×outH×outW.</param>
    /// <param name="dy">The gradient of the output.</param>
    /// <param name="dx">The gradient of the input (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet): each plane of dx is cleared just before its gradients are added.</param>
    public static void Backward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Pooling.Backward(Kernel, PoolKind.MaxBackward, batch, channels, height, width, size, stride, x, y, dy, dx, overwriteDx);
}

/// <summary>
/// Average pooling on NCHW tensors over square windows without padding. The forward overwrites y; the backward adds to dx. Planes (a channel of a sample) are pooled on their own; large calls split planes across <see cref="Compute.ThreadCount"/> threads; nothing allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class AvgPool2D
{
    private const string Kernel = "AvgPool2D";

    /// <summary>The output size along one axis: <c>(input − size) / stride + 1</c>.</summary>
    /// <param name="input">The input height or width.</param>
    /// <param name="size">The window size.</param>
    /// <param name="stride">The stride.</param>
    public static int OutputSize(int input, int size, int stride) => Pooling.OutputSize(input, size, stride);

    /// <summary><c>y[b, c, i, j] = mean_{u, v &lt; size} x[b, c, i·stride + u, j·stride + v]</c> (the divisor is always size²).</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="size">The window size (size×size).</param>
    /// <param name="stride">The stride.</param>
    /// <param name="x">The input, batch×channels×H×W.</param>
    /// <param name="y">The output, batch×channels×outH×outW (overwritten).</param>
    public static void Forward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, Span<float> y) =>
        Pooling.Forward(Kernel, PoolKind.AvgForward, batch, channels, height, width, size, stride, x, y);

    /// <summary>
    /// Adds <c>dy[b, c, i, j] / size²</c> to every position of its window in <c>dx</c>. Takes x and y like the other
    /// backwards, but reads neither (they may be empty).
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="size">The window size (size×size).</param>
    /// <param name="stride">The stride.</param>
    /// <param name="x">The forward input (unused).</param>
    /// <param name="y">The forward output (unused).</param>
    /// <param name="dy">The gradient of the output, batch×channels×outH×outW.</param>
    /// <param name="dx">The gradient of the input (added to), batch×channels×H×W.</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet): each plane of dx is cleared just before its gradients are added.</param>
    public static void Backward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Pooling.Backward(Kernel, PoolKind.AvgBackward, batch, channels, height, width, size, stride, x, y, dy, dx, overwriteDx);
}

/// <summary>
/// Fractional max pooling (Graham 2014) on NCHW tensors over given region boundaries. The forward overwrites y; the backward adds to dx (the first maximum on ties). Planes (a channel of a sample) are pooled on their own; large calls split planes across <see cref="Compute.ThreadCount"/> threads; nothing allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FractionalMaxPool2D
{
    private const string Kernel = "FractionalMaxPool2D";

    /// <summary>
    /// The row offset <c>u</c> <see cref="Regions"/> should get at inference, so that regions are fixed: 0.5,
    /// the middle of the range the training offsets are drawn from.
    /// </summary>
    public const double InferenceOffset = 0.5;

    /// <summary>
    /// Fills the region boundaries of fractional max pooling (Graham 2014) along one axis: with <c>α = input / output</c>,
    /// <c>boundaries[i] = ⌈α·(i + u)⌉ − ⌈α·u⌉</c> for <c>i &lt; output</c> and <c>boundaries[output] = input</c>, so
    /// region i is <c>[boundaries[i], boundaries[i + 1])</c>, 1 or 2 wide, and the regions tile the axis. Draw
    /// <paramref name="u"/> uniformly from [0, 1) for each training batch (and axis); use
    /// <see cref="InferenceOffset"/> at inference, which makes the regions fixed.
    /// </summary>
    /// <param name="input">The input size along the axis.</param>
    /// <param name="output">The output size, from <c>ceil(input / 2)</c> to <c>input</c> (for a ratio r in (1, 2], <c>floor(input / r)</c>).</param>
    /// <param name="u">The offset, in [0, 1).</param>
    /// <param name="boundaries">Receives <paramref name="output"/> + 1 increasing indices from 0 to <paramref name="input"/>.</param>
    public static void Regions(int input, int output, double u, Span<int> boundaries)
    {
        if (output < 1 || output > input || 2L * output < input)
        {
            throw new ArgumentOutOfRangeException(nameof(output), $"Fractional pooling maps {input} to between {(input + 1) / 2} and {input} outputs, not {output}.");
        }

        if (!(u >= 0 && u < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(u), $"The offset u must lie in [0, 1), not {u}.");
        }

        if (boundaries.Length != output + 1)
        {
            throw new ArgumentException($"Fractional pooling to {output} needs {output + 1} boundaries, not {boundaries.Length}.", nameof(boundaries));
        }

        double alpha = (double)input / output;
        double first = Math.Ceiling(alpha * u);
        boundaries[0] = 0;
        for (int i = 1; i < output; i++)
        {
            int b = (int)(Math.Ceiling(alpha * (i + u)) - first);

            // Exact arithmetic keeps every step at 1 or 2 and ends at input; the clamp guards against rounding.
            int lo = Math.Max(boundaries[i - 1] + 1, input - 2 * (output - i));
            int hi = Math.Min(boundaries[i - 1] + 2, input - (output - i));
            boundaries[i] = Math.Clamp(b, lo, hi);
        }

        boundaries[output] = input;
    }

    /// <summary>
    /// <c>y[b, c, i, j] = max x[b, c, r, q]</c> over the region <c>rowBoundaries[i] ≤ r &lt; rowBoundaries[i + 1]</c>,
    /// <c>colBoundaries[j] ≤ q &lt; colBoundaries[j + 1]</c> (see <see cref="Regions"/>; any increasing
    /// boundaries from 0 to H and W work).
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <param name="rowBoundaries">outH + 1 row boundaries, from 0 to H.</param>
    /// <param name="colBoundaries">outW + 1 column boundaries, from 0 to W.</param>
    /// <param name="x">The input, batch×channels×H×W.</param>
    /// <param name="y">The output, batch×channels×outH×outW (overwritten).</param>
    public static unsafe void Forward(int batch, int channels, int height, int width, int outHeight, int outWidth,
        ReadOnlySpan<int> rowBoundaries, ReadOnlySpan<int> colBoundaries, ReadOnlySpan<float> x, Span<float> y)
    {
        var s = RegionShape(batch, channels, height, width, outHeight, outWidth, rowBoundaries, colBoundaries);
        s.CheckInputAndOutput(Kernel, x.Length, y.Length);
        fixed (float* px = x, py = y)
        fixed (int* rows = rowBoundaries, cols = colBoundaries)
        {
            var job = new PoolJob { Shape = s, Kind = PoolKind.FractionalForward, X = px, Y = py, Rows = rows, Cols = cols };
            Run(&job);
        }
    }

    /// <summary>
    /// Adds each <c>dy[b, c, i, j]</c> to <c>dx</c> at the first position (row-major) of its region where x equals the
    /// forward maximum <c>y[b, c, i, j]</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <param name="rowBoundaries">The row boundaries the forward used.</param>
    /// <param name="colBoundaries">The column boundaries the forward used.</param>
    /// <param name="x">The forward input, batch×channels×H×W.</param>
    /// <param name="y">The forward output, batch×channels×outH×outW.</param>
    /// <param name="dy">The gradient of the output.</param>
    /// <param name="dx">The gradient of the input (added to).</param>
    public static unsafe void Backward(int batch, int channels, int height, int width, int outHeight, int outWidth,
        ReadOnlySpan<int> rowBoundaries, ReadOnlySpan<int> colBoundaries, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var s = RegionShape(batch, channels, height, width, outHeight, outWidth, rowBoundaries, colBoundaries);
        s.CheckInputAndOutput(Kernel, x.Length, y.Length);
        s.CheckGradients(Kernel, dy.Length, dx.Length);
        fixed (float* px = x, py = y, pdy = dy, pdx = dx)
        fixed (int* rows = rowBoundaries, cols = colBoundaries)
        {
            var job = new PoolJob { Shape = s, Kind = PoolKind.FractionalBackward, X = px, Y = py, DY = pdy, DX = pdx, Rows = rows, Cols = cols };
            Run(&job);
        }
    }
}

/// <summary>The shape checks and thread split shared by the pooling kernels.</summary>
internal static class Pooling
{
    /// <summary>Below this many input floats per thread a call stays on fewer threads.</summary>
    internal const long MinFloatsPerThread = 32 * 1024;

    /// <summary>The output size along one axis: <c>(input − size) / stride + 1</c>.</summary>
    /// <param name="input">The input height or width.</param>
    /// <param name="size">The window size.</param>
    /// <param name="stride">The stride.</param>
    internal static int OutputSize(int input, int size, int stride) => (input - size) / stride + 1;

    // ---- shapes and threading ---------------------------------------------------------------------------------------

    /// <summary>The forward of <see cref="MaxPool2D"/> or <see cref="AvgPool2D"/>: checks the lengths and runs the job.</summary>
    internal static unsafe void Forward(string kernel, PoolKind kind, int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, Span<float> y)
    {
        var s = WindowShape(batch, channels, height, width, size, stride);
        s.CheckInputAndOutput(kernel, x.Length, y.Length);
        fixed (float* px = x, py = y)
        {
            var job = new PoolJob { Shape = s, Kind = kind, X = px, Y = py };
            Run(&job);
        }
    }

    /// <summary>The backward of <see cref="MaxPool2D"/> or <see cref="AvgPool2D"/>; x and y are checked only where the kind reads them.</summary>
    internal static unsafe void Backward(string kernel, PoolKind kind, int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx)
    {
        var s = WindowShape(batch, channels, height, width, size, stride);
        if (kind == PoolKind.MaxBackward)
        {
            s.CheckInputAndOutput(kernel, x.Length, y.Length);
        }

        s.CheckGradients(kernel, dy.Length, dx.Length);
        fixed (float* px = x, py = y, pdy = dy, pdx = dx)
        {
            var job = new PoolJob { Shape = s, Kind = kind, X = px, Y = py, DY = pdy, DX = pdx, OverwriteDx = overwriteDx };
            Run(&job);
        }
    }

    internal static PoolShape WindowShape(int batch, int channels, int height, int width, int size, int stride)
    {
        if (batch < 0 || channels < 1 || size < 1 || stride < 1 || height < size || width < size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"Pooling: invalid shape (batch {batch}, channels {channels}, {height}×{width}, window {size}, stride {stride}).");
        }

        return new PoolShape(batch, channels, height, width, OutputSize(height, size, stride), OutputSize(width, size, stride), size, stride);
    }

    internal static PoolShape RegionShape(int batch, int channels, int height, int width, int outHeight, int outWidth, ReadOnlySpan<int> rows, ReadOnlySpan<int> cols)
    {
        if (batch < 0 || channels < 1 || outHeight < 1 || outWidth < 1 || outHeight > height || outWidth > width)
        {
            throw new ArgumentOutOfRangeException(nameof(outHeight), $"Fractional pooling: invalid shape (batch {batch}, channels {channels}, {height}×{width} to {outHeight}×{outWidth}).");
        }

        CheckBoundaries(rows, height, outHeight, nameof(rows));
        CheckBoundaries(cols, width, outWidth, nameof(cols));
        return new PoolShape(batch, channels, height, width, outHeight, outWidth, 0, 0);
    }

    internal static void CheckBoundaries(ReadOnlySpan<int> b, int input, int output, string name)
    {
        if (b.Length != output + 1)
        {
            throw new ArgumentException($"Fractional pooling to {output} needs {output + 1} boundaries, not {b.Length}.", name);
        }

        if (b[0] != 0 || b[output] != input)
        {
            throw new ArgumentException($"Fractional pooling boundaries must run from 0 to {input}, not {b[0]} to {b[output]}.", name);
        }

        for (int i = 0; i < output; i++)
        {
            if (b[i + 1] <= b[i])
            {
                throw new ArgumentException($"Fractional pooling boundaries must increase: [{i}] = {b[i]}, [{i + 1}] = {b[i + 1]}.", name);
            }
        }
    }

    /// <summary>Runs a job over all planes, split into contiguous ranges of planes across threads when large enough.</summary>
    internal static unsafe void Run(PoolJob* job)
    {
        long planes = job->Shape.Planes;
        if (planes == 0)
        {
            return;
        }

        long work = planes * job->Shape.InPlane;
        int threads = (int)Math.Clamp(work / MinFloatsPerThread, 1, Math.Min(Compute.ThreadCount, planes));
        if (threads <= 1)
        {
            RunPart(job, 0, 1);
            return;
        }

        // One contiguous range of planes per thread: the same samples the convolution before it gave that thread (and
        // the split element-wise activations), so on a multi-core host each thread pools what its own core wrote.
        // Four dynamically claimed chunks per thread mixed the planes between the cores: on the 2-vCPU Zen 5 the
        // sample CNN's first max pool took longer on two threads than on one.
        Compute.For(threads, threads, &RunPart, job);
    }

    internal static unsafe void RunPart(void* state, int part, int parts)
    {
        ref readonly PoolJob job = ref *(PoolJob*)state;
        ref readonly PoolShape s = ref job.Shape;
        long p0 = s.Planes * part / parts, p1 = s.Planes * (part + 1) / parts;
        for (long p = p0; p < p1; p++)
        {
            nint inOffset = (nint)(p * s.InPlane), outOffset = (nint)(p * s.OutPlane);
            if (job.OverwriteDx)
            {
                new Span<float>(job.DX + inOffset, (int)s.InPlane).Clear();
            }

            switch (job.Kind)
            {
                case PoolKind.MaxForward:
                    PoolPlanes.WindowForward<MaxOp>(in s, job.X + inOffset, job.Y + outOffset);
                    break;
                case PoolKind.AvgForward:
                    PoolPlanes.WindowForward<SumOp>(in s, job.X + inOffset, job.Y + outOffset);
                    break;
                case PoolKind.MaxBackward:
                    PoolPlanes.MaxBackward(in s, job.X + inOffset, job.Y + outOffset, job.DY + outOffset, job.DX + inOffset);
                    break;
                case PoolKind.AvgBackward:
                    PoolPlanes.AvgBackward(in s, job.DY + outOffset, job.DX + inOffset);
                    break;
                case PoolKind.FractionalForward:
                    PoolPlanes.FractionalForward(in s, job.Rows, job.Cols, job.X + inOffset, job.Y + outOffset);
                    break;
                default:
                    PoolPlanes.FractionalBackward(in s, job.Rows, job.Cols, job.X + inOffset, job.Y + outOffset, job.DY + outOffset, job.DX + inOffset);
                    break;
            }
        }
    }
}

/// <summary>The shape of a pooling call: planes (batch·channels), their input and output sizes, the window.</summary>
internal readonly struct PoolShape(int batch, int channels, int height, int width, int outHeight, int outWidth, int size, int stride)
{
    public readonly long Planes = (long)batch * channels;
    public readonly int Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth;

    /// <summary>The window size and stride (0 for fractional pooling).</summary>
    public readonly int Size = size, Stride = stride;
    public readonly long InPlane = (long)height * width, OutPlane = (long)outHeight * outWidth;

    /// <summary>Throws unless x holds the input planes and y the output planes (longer buffers are accepted).</summary>
    public void CheckInputAndOutput(string kernel, int x, int y)
    {
        Guard.AtLeast(kernel, x, Planes * InPlane, nameof(x));
        Guard.AtLeast(kernel, y, Planes * OutPlane, nameof(y));
    }

    /// <summary>Throws unless dy holds the output planes and dx the input planes (longer buffers are accepted).</summary>
    public void CheckGradients(string kernel, int dy, int dx)
    {
        Guard.AtLeast(kernel, dy, Planes * OutPlane, nameof(dy));
        Guard.AtLeast(kernel, dx, Planes * InPlane, nameof(dx));
    }
}

/// <summary>Which loop a <see cref="PoolJob"/> runs.</summary>
internal enum PoolKind
{
    MaxForward,
    MaxBackward,
    AvgForward,
    AvgBackward,
    FractionalForward,
    FractionalBackward,
}

/// <summary>Pointers and shape of one pooling call, shared by the threads.</summary>
internal unsafe struct PoolJob
{
    public PoolShape Shape;
    public PoolKind Kind;
    public float* X;
    public float* Y;
    public float* DY;
    public float* DX;

    /// <summary>Backward: each plane of dx is cleared before its gradients are added (dx is written, not added to).</summary>
    public bool OverwriteDx;
    public int* Rows;
    public int* Cols;
}

/// <summary>A window reduction (max or sum) at every vector width, with its final scaling.</summary>
internal interface IPoolOp
{
    static abstract float Combine(float a, float b);

    static abstract Vector512<float> Combine(Vector512<float> a, Vector512<float> b);

    static abstract Vector256<float> Combine(Vector256<float> a, Vector256<float> b);

    /// <summary>Whether results are multiplied by 1/size² (average).</summary>
    static abstract bool Average { get; }
}

internal readonly struct MaxOp : IPoolOp
{
    public static float Combine(float a, float b) => Math.Max(a, b);

    public static Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    public static Vector256<float> Combine(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

    public static bool Average => false;
}

internal readonly struct SumOp : IPoolOp
{
    public static float Combine(float a, float b) => a + b;

    public static Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => a + b;

    public static Vector256<float> Combine(Vector256<float> a, Vector256<float> b) => a + b;

    public static bool Average => true;
}

/// <summary>The per-plane loops of <see cref="Pooling"/>.</summary>
internal static unsafe class PoolPlanes
{
    // The permute indices are properties, not static readonly fields: constant vectors need no class-initialization
    // check, which a method compiled before the class is initialized would otherwise run on every use.

    /// <summary>Even lanes of two concatenated 512-bit vectors (indices 0..31 into lower ++ upper).</summary>
    internal static Vector512<int> Evens
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    }

    /// <summary>Odd lanes of two concatenated 512-bit vectors.</summary>
    internal static Vector512<int> Odds
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    }

    /// <summary>Interleaves lanes 0..7 of two vectors: a0 b0 a1 b1 … a7 b7.</summary>
    internal static Vector512<int> InterleaveLow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    }

    /// <summary>Interleaves lanes 8..15 of two vectors: a8 b8 … a15 b15.</summary>
    internal static Vector512<int> InterleaveHigh
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    }

    /// <summary>Lanes [0, n) set, for n in [0, 16] (n may be out of range: it is clamped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Mask(int n) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();

    /// <summary>
    /// One plane of 2×2, stride-2 pooling (AVX-512): per output row, 32 inputs of each of the two input rows give 16
    /// outputs: the rows are combined lane by lane, then even and odd lanes are split by two-source permutes and
    /// combined. Masked loads and stores cover row ends, so narrow planes (14 or 7 outputs wide) stay vectorized.
    /// </summary>
    internal static void Forward2x2<TOp>(in PoolShape s, float* x, float* y)
        where TOp : struct, IPoolOp
    {
        int w = s.Width, outW = s.OutWidth, inputs = 2 * outW;
        Vector512<float> zero = Vector512<float>.Zero;
        for (int i = 0; i < s.OutHeight; i++, y += outW)
        {
            float* r0 = x + (nint)2 * i * w, r1 = r0 + w;
            for (int j = 0; j < outW; j += 16)
            {
                int left = inputs - 2 * j;
                Vector512<float> mLow = Mask(left), mHigh = Mask(left - 16);
                float* a = r0 + 2 * j, b = r1 + 2 * j;
                Vector512<float> lo = TOp.Combine(Avx512F.MaskLoad(a, mLow, zero), Avx512F.MaskLoad(b, mLow, zero));
                Vector512<float> hi = TOp.Combine(Avx512F.MaskLoad(a + 16, mHigh, zero), Avx512F.MaskLoad(b + 16, mHigh, zero));
                Vector512<float> acc = TOp.Combine(Avx512F.PermuteVar16x32x2(lo, Evens, hi), Avx512F.PermuteVar16x32x2(lo, Odds, hi));
                Avx512F.MaskStore(y + j, Mask(outW - j), TOp.Average ? acc * 0.25f : acc);
            }
        }
    }

    /// <summary>
    /// One plane of the 2×2, stride-2 backward (AVX-512): splits each pair of input rows into the four window positions
    /// (as <see cref="Forward2x2"/>), picks per output the first position equal to y (max) or all four with dy/4
    /// (average), and interleaves the gradients back into the two rows of dx.
    /// </summary>
    internal static void Backward2x2(in PoolShape s, bool max, float* x, float* y, float* dy, float* dx)
    {
        int w = s.Width, outW = s.OutWidth, inputs = 2 * outW;
        Vector512<float> zero = Vector512<float>.Zero;
        for (int i = 0; i < s.OutHeight; i++, y += outW, dy += outW)
        {
            nint r0 = (nint)2 * i * w, r1 = r0 + w;
            for (int j = 0; j < outW; j += 16)
            {
                int left = inputs - 2 * j;
                Vector512<float> mLow = Mask(left), mHigh = Mask(left - 16), mOut = Mask(outW - j);
                Vector512<float> g = Avx512F.MaskLoad(dy + j, mOut, zero);
                Vector512<float> g00, g01, g10, g11;
                if (max)
                {
                    float* a = x + r0 + 2 * j, b = x + r1 + 2 * j;
                    Vector512<float> top0 = Avx512F.MaskLoad(a, mLow, zero), top1 = Avx512F.MaskLoad(a + 16, mHigh, zero);
                    Vector512<float> bottom0 = Avx512F.MaskLoad(b, mLow, zero), bottom1 = Avx512F.MaskLoad(b + 16, mHigh, zero);
                    Vector512<float> m = Avx512F.MaskLoad(y + j, mOut, zero);

                    // The first of the four (row-major) equal to the maximum (or NaN, which only a NaN maximum has)
                    // takes the gradient; if none of the first three is, the fourth is.
                    Vector512<float> e00 = Matches(Avx512F.PermuteVar16x32x2(top0, Evens, top1), m);
                    Vector512<float> e01 = Vector512.AndNot(Matches(Avx512F.PermuteVar16x32x2(top0, Odds, top1), m), e00);
                    Vector512<float> taken = e00 | e01;
                    Vector512<float> e10 = Vector512.AndNot(Matches(Avx512F.PermuteVar16x32x2(bottom0, Evens, bottom1), m), taken);
                    taken |= e10;
                    g00 = g & e00;
                    g01 = g & e01;
                    g10 = g & e10;
                    g11 = Vector512.AndNot(g, taken);
                }
                else
                {
                    g00 = g01 = g10 = g11 = g * 0.25f;
                }

                float* d0 = dx + r0 + 2 * j, d1 = dx + r1 + 2 * j;
                Avx512F.MaskStore(d0, mLow, Avx512F.MaskLoad(d0, mLow, zero) + Avx512F.PermuteVar16x32x2(g00, InterleaveLow, g01));
                Avx512F.MaskStore(d0 + 16, mHigh, Avx512F.MaskLoad(d0 + 16, mHigh, zero) + Avx512F.PermuteVar16x32x2(g00, InterleaveHigh, g01));
                Avx512F.MaskStore(d1, mLow, Avx512F.MaskLoad(d1, mLow, zero) + Avx512F.PermuteVar16x32x2(g10, InterleaveLow, g11));
                Avx512F.MaskStore(d1 + 16, mHigh, Avx512F.MaskLoad(d1 + 16, mHigh, zero) + Avx512F.PermuteVar16x32x2(g10, InterleaveHigh, g11));
            }
        }
    }

    /// <summary>Lanes [0, n) set, for n in [0, 8] (n may be out of range: it is clamped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Mask8(int n) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n)).AsSingle();

    /// <summary>
    /// One plane of 2×2, stride-2 pooling with 256-bit vectors (AVX2 without AVX-512): per output row, 16 inputs of each
    /// of the two input rows give 8 outputs. The rows are combined lane by lane, the even and odd lanes are split by two
    /// in-lane shuffles (leaving the outputs in the order 0 1 4 5 2 3 6 7) and combined, and one 64-bit permute puts
    /// the outputs in order. Masked loads and a masked store cover the row's last, partial vector.
    /// </summary>
    internal static void Forward2x2Avx2<TOp>(in PoolShape s, float* x, float* y)
        where TOp : struct, IPoolOp
    {
        int w = s.Width, outW = s.OutWidth, inputs = 2 * outW;
        for (int i = 0; i < s.OutHeight; i++, y += outW)
        {
            float* r0 = x + (nint)2 * i * w, r1 = r0 + w;
            int j = 0;
            for (; j + 8 <= outW; j += 8)
            {
                float* a = r0 + 2 * j, b = r1 + 2 * j;
                Vector256<float> lo = TOp.Combine(Avx.LoadVector256(a), Avx.LoadVector256(b));
                Vector256<float> hi = TOp.Combine(Avx.LoadVector256(a + 8), Avx.LoadVector256(b + 8));
                Vector256<float> acc = Ordered(TOp.Combine(Avx.Shuffle(lo, hi, 0b10_00_10_00), Avx.Shuffle(lo, hi, 0b11_01_11_01)));
                Avx.Store(y + j, TOp.Average ? acc * 0.25f : acc);
            }

            if (j < outW)
            {
                int left = inputs - 2 * j;
                Vector256<float> mLow = Mask8(left), mHigh = Mask8(left - 8);
                float* a = r0 + 2 * j, b = r1 + 2 * j;
                Vector256<float> lo = TOp.Combine(Avx.MaskLoad(a, mLow), Avx.MaskLoad(b, mLow));
                Vector256<float> hi = TOp.Combine(Avx.MaskLoad(a + 8, mHigh), Avx.MaskLoad(b + 8, mHigh));
                Vector256<float> acc = Ordered(TOp.Combine(Avx.Shuffle(lo, hi, 0b10_00_10_00), Avx.Shuffle(lo, hi, 0b11_01_11_01)));
                Avx.MaskStore(y + j, Mask8(outW - j), TOp.Average ? acc * 0.25f : acc);
            }
        }
    }

    /// <summary>Puts 8 floats in the order 0 1 4 5 2 3 6 7 back in order (or the other way round: the permute is its own inverse).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Ordered(Vector256<float> v) => Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>
    /// One plane of the 2×2, stride-2 backward with 256-bit vectors (AVX2 without AVX-512): splits each pair of input
    /// rows into the four window positions as <see cref="Forward2x2Avx2"/> does, with y and dy permuted into the same
    /// order 0 1 4 5 2 3 6 7; picks per output the first position equal to y, or the first NaN for a NaN maximum (max),
    /// or all four with dy/4 (average). In that order the in-lane unpacks of two positions' gradients are the 16 floats
    /// of an input row in order, so no permute is needed on the way back.
    /// </summary>
    internal static void Backward2x2Avx2(in PoolShape s, bool max, float* x, float* y, float* dy, float* dx)
    {
        int w = s.Width, outW = s.OutWidth, inputs = 2 * outW;
        for (int i = 0; i < s.OutHeight; i++, y += outW, dy += outW)
        {
            nint r0 = (nint)2 * i * w, r1 = r0 + w;
            for (int j = 0; j < outW; j += 8)
            {
                int left = inputs - 2 * j;
                bool full = left >= 16;
                Vector256<float> mLow = Mask8(left), mHigh = Mask8(left - 8), mOut = Mask8(outW - j);
                Vector256<float> g = Ordered(full ? Avx.LoadVector256(dy + j) : Avx.MaskLoad(dy + j, mOut));
                Vector256<float> g00, g01, g10, g11;
                if (max)
                {
                    float* a = x + r0 + 2 * j, b = x + r1 + 2 * j;
                    Vector256<float> top0 = full ? Avx.LoadVector256(a) : Avx.MaskLoad(a, mLow);
                    Vector256<float> top1 = full ? Avx.LoadVector256(a + 8) : Avx.MaskLoad(a + 8, mHigh);
                    Vector256<float> bottom0 = full ? Avx.LoadVector256(b) : Avx.MaskLoad(b, mLow);
                    Vector256<float> bottom1 = full ? Avx.LoadVector256(b + 8) : Avx.MaskLoad(b + 8, mHigh);
                    Vector256<float> m = Ordered(full ? Avx.LoadVector256(y + j) : Avx.MaskLoad(y + j, mOut));

                    // The first of the four (row-major) equal to the maximum (or NaN, which only a NaN maximum has)
                    // takes the gradient; if none of the first three is, the fourth is.
                    Vector256<float> e00 = Matches(Avx.Shuffle(top0, top1, 0b10_00_10_00), m);
                    Vector256<float> e01 = Vector256.AndNot(Matches(Avx.Shuffle(top0, top1, 0b11_01_11_01), m), e00);
                    Vector256<float> taken = e00 | e01;
                    Vector256<float> e10 = Vector256.AndNot(Matches(Avx.Shuffle(bottom0, bottom1, 0b10_00_10_00), m), taken);
                    taken |= e10;
                    g00 = g & e00;
                    g01 = g & e01;
                    g10 = g & e10;
                    g11 = Vector256.AndNot(g, taken);
                }
                else
                {
                    g00 = g01 = g10 = g11 = g * 0.25f;
                }

                float* d0 = dx + r0 + 2 * j, d1 = dx + r1 + 2 * j;
                if (full)
                {
                    Avx.Store(d0, Avx.LoadVector256(d0) + Avx.UnpackLow(g00, g01));
                    Avx.Store(d0 + 8, Avx.LoadVector256(d0 + 8) + Avx.UnpackHigh(g00, g01));
                    Avx.Store(d1, Avx.LoadVector256(d1) + Avx.UnpackLow(g10, g11));
                    Avx.Store(d1 + 8, Avx.LoadVector256(d1 + 8) + Avx.UnpackHigh(g10, g11));
                }
                else
                {
                    Avx.MaskStore(d0, mLow, Avx.MaskLoad(d0, mLow) + Avx.UnpackLow(g00, g01));
                    Avx.MaskStore(d0 + 8, mHigh, Avx.MaskLoad(d0 + 8, mHigh) + Avx.UnpackHigh(g00, g01));
                    Avx.MaskStore(d1, mLow, Avx.MaskLoad(d1, mLow) + Avx.UnpackLow(g10, g11));
                    Avx.MaskStore(d1 + 8, mHigh, Avx.MaskLoad(d1 + 8, mHigh) + Avx.UnpackHigh(g10, g11));
                }
            }
        }
    }

    /// <summary>Lanes where <paramref name="v"/> equals the window maximum <paramref name="m"/> or is NaN (NaN inputs make a NaN maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Matches(Vector512<float> v, Vector512<float> m) =>
        Vector512.Equals(v, m) | ~Vector512.Equals(v, v);

    /// <summary>Lanes where <paramref name="v"/> equals the window maximum <paramref name="m"/> or is NaN (NaN inputs make a NaN maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Matches(Vector256<float> v, Vector256<float> m) =>
        Vector256.Equals(v, m) | ~Vector256.Equals(v, v);

    /// <summary>
    /// One plane of max or average pooling. Stride 1 reduces shifted rows 16 (or 8) outputs at a time; 2×2 windows with
    /// stride 2 go to <see cref="Forward2x2"/> (AVX-512) or <see cref="Forward2x2Avx2"/>; the rest is scalar.
    /// </summary>
    internal static void WindowForward<TOp>(in PoolShape s, float* x, float* y)
        where TOp : struct, IPoolOp
    {
        int w = s.Width, size = s.Size, stride = s.Stride, outW = s.OutWidth;
        if (size == 2 && stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Forward2x2<TOp>(in s, x, y);
            return;
        }

        if (size == 2 && stride == 2 && Avx2.IsSupported)
        {
            Forward2x2Avx2<TOp>(in s, x, y);
            return;
        }

        float scale = 1f / (size * size);
        for (int i = 0; i < s.OutHeight; i++, y += outW)
        {
            float* row = x + (nint)i * stride * w;
            int j = 0;
            if (stride == 1)
            {
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + 16 <= outW; j += 16)
                    {
                        Vector512<float> acc = Vector512.Load(row + j);
                        for (int u = 0; u < size; u++)
                        {
                            float* r = row + (nint)u * w + j;
                            for (int v = u == 0 ? 1 : 0; v < size; v++)
                            {
                                acc = TOp.Combine(acc, Vector512.Load(r + v));
                            }
                        }

                        (TOp.Average ? acc * scale : acc).Store(y + j);
                    }
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    for (; j + 8 <= outW; j += 8)
                    {
                        Vector256<float> acc = Vector256.Load(row + j);
                        for (int u = 0; u < size; u++)
                        {
                            float* r = row + (nint)u * w + j;
                            for (int v = u == 0 ? 1 : 0; v < size; v++)
                            {
                                acc = TOp.Combine(acc, Vector256.Load(r + v));
                            }
                        }

                        (TOp.Average ? acc * scale : acc).Store(y + j);
                    }
                }
            }
            for (; j < outW; j++)
            {
                float* r = row + (nint)j * stride;
                float acc = r[0];
                for (int u = 0; u < size; u++, r += w)
                {
                    for (int v = u == 0 ? 1 : 0; v < size; v++)
                    {
                        acc = TOp.Combine(acc, r[v]);
                    }
                }

                y[j] = TOp.Average ? acc * scale : acc;
            }
        }
    }

    /// <summary>One plane of the max-pool backward: each dy goes to the first input of its window equal to y.</summary>
    internal static void MaxBackward(in PoolShape s, float* x, float* y, float* dy, float* dx)
    {
        if (s.Size == 2 && s.Stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Backward2x2(in s, max: true, x, y, dy, dx);
            return;
        }

        if (s.Size == 2 && s.Stride == 2 && Avx2.IsSupported)
        {
            Backward2x2Avx2(in s, max: true, x, y, dy, dx);
            return;
        }

        int w = s.Width, size = s.Size, stride = s.Stride, outW = s.OutWidth;
        for (int i = 0; i < s.OutHeight; i++, y += outW, dy += outW)
        {
            nint rowStart = (nint)i * stride * w;
            for (int j = 0; j < outW; j++)
            {
                nint start = rowStart + (nint)j * stride;
                dx[ArgMax(x, start, y[j], w, size, size)] += dy[j];
            }
        }
    }

    /// <summary>One plane of the average-pool backward: each dy/size² goes to every input of its window.</summary>
    internal static void AvgBackward(in PoolShape s, float* dy, float* dx)
    {
        if (s.Size == 2 && s.Stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Backward2x2(in s, max: false, null, null, dy, dx);
            return;
        }

        if (s.Size == 2 && s.Stride == 2 && Avx2.IsSupported)
        {
            Backward2x2Avx2(in s, max: false, null, null, dy, dx);
            return;
        }

        int w = s.Width, size = s.Size, stride = s.Stride, outW = s.OutWidth;
        float scale = 1f / (size * size);
        for (int i = 0; i < s.OutHeight; i++, dy += outW)
        {
            float* row = dx + (nint)i * stride * w;
            if (stride == size)
            {
                // Windows do not overlap: write each input row of the window band in order.
                for (int u = 0; u < size; u++)
                {
                    float* r = row + (nint)u * w;
                    for (int j = 0; j < outW; j++)
                    {
                        float g = dy[j] * scale;
                        for (int v = 0; v < size; v++)
                        {
                            r[j * size + v] += g;
                        }
                    }
                }

                continue;
            }

            for (int j = 0; j < outW; j++)
            {
                float g = dy[j] * scale;
                float* r = row + (nint)j * stride;
                for (int u = 0; u < size; u++, r += w)
                {
                    for (int v = 0; v < size; v++)
                    {
                        r[v] += g;
                    }
                }
            }
        }
    }

    /// <summary>One plane of fractional max pooling.</summary>
    internal static void FractionalForward(in PoolShape s, int* rows, int* cols, float* x, float* y)
    {
        int w = s.Width;
        for (int i = 0; i < s.OutHeight; i++)
        {
            int r0 = rows[i], r1 = rows[i + 1];
            for (int j = 0; j < s.OutWidth; j++, y++)
            {
                int c0 = cols[j], c1 = cols[j + 1];
                float* r = x + (nint)r0 * w;
                float m = r[c0];
                for (int u = r0; u < r1; u++, r += w)
                {
                    for (int v = c0; v < c1; v++)
                    {
                        m = Math.Max(m, r[v]);
                    }
                }

                *y = m;
            }
        }
    }

    /// <summary>One plane of the fractional max-pool backward.</summary>
    internal static void FractionalBackward(in PoolShape s, int* rows, int* cols, float* x, float* y, float* dy, float* dx)
    {
        int w = s.Width;
        for (int i = 0; i < s.OutHeight; i++)
        {
            int r0 = rows[i], r1 = rows[i + 1];
            for (int j = 0; j < s.OutWidth; j++, y++, dy++)
            {
                int c0 = cols[j], c1 = cols[j + 1];
                dx[ArgMax(x, (nint)r0 * w + c0, *y, w, r1 - r0, c1 - c0)] += *dy;
            }
        }
    }

    /// <summary>
    /// The offset of the first element (row-major) of the <paramref name="rows"/>×<paramref name="cols"/> window at
    /// <paramref name="start"/> equal to its maximum <paramref name="max"/>; for a NaN maximum, the first NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint ArgMax(float* x, nint start, float max, int w, int rows, int cols)
    {
        bool nan = float.IsNaN(max);
        nint r = start;
        for (int u = 0; u < rows; u++, r += w)
        {
            for (int v = 0; v < cols; v++)
            {
                float value = x[r + v];
                if (value == max || (nan && float.IsNaN(value)))
                {
                    return r + v;
                }
            }
        }

        return start; // unreachable when y is the forward of x
    }
}
