using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Global average pooling: each channel's height×width plane becomes its mean, so [channels, height, width] becomes a
/// vector of channels, like <c>torch.nn.AdaptiveAvgPool2d(1)</c> followed by <c>flatten</c>. Public only for generated code.
/// </summary>
/// <remarks>
/// One pass over x with no reuse, so the kernel is bound by memory bandwidth and runs on the calling thread: a
/// 64-channel 8×8 map is 16 KiB, less than the cost of waking workers.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GlobalAvgPool2D
{
    /// <summary>y[b, c] = the mean of x[b, c, ·, ·].</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="x">The input, batch×channels×height×width.</param>
    /// <param name="y">The output, batch×channels (overwritten).</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> x, Span<float> y)
    {
        int planes = Check(batch, channels, height, width, x.Length, y.Length, nameof(x), nameof(y));
        int plane = height * width;
        float scale = 1f / plane;
        for (int p = 0; p < planes; p++)
        {
            y[p] = Sum(x.Slice(p * plane, plane)) * scale;
        }
    }

    /// <summary>dx[b, c, i, j] += dy[b, c] / (height·width): every position of a plane shares its mean's gradient.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="dy">The output gradient, batch×channels.</param>
    /// <param name="dx">The input gradient, batch×channels×height×width (added to).</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static void Backward(int batch, int channels, int height, int width, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int planes = Check(batch, channels, height, width, dx.Length, dy.Length, nameof(dx), nameof(dy));
        int plane = height * width;
        float scale = 1f / plane;
        for (int p = 0; p < planes; p++)
        {
            AddScalar(dy[p] * scale, dx.Slice(p * plane, plane));
        }
    }

    // The sum of one plane in float: one vector accumulator, then the lanes, then the tail (planes are a few hundred
    // floats; the error is a few ulp of the sum of magnitudes, as in libtorch's float mean).
    private static float Sum(ReadOnlySpan<float> values)
    {
        ref float r = ref MemoryMarshal.GetReference(values);
        int n = values.Length, w = Vector<float>.Count, i = 0;
        var acc = Vector<float>.Zero;
        for (; i + w <= n; i += w)
        {
            acc += Vector.LoadUnsafe(ref r, (nuint)i);
        }

        float sum = Vector.Sum(acc);
        for (; i < n; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    private static void AddScalar(float value, Span<float> target)
    {
        ref float r = ref MemoryMarshal.GetReference(target);
        int n = target.Length, w = Vector<float>.Count, i = 0;
        var v = new Vector<float>(value);
        for (; i + w <= n; i += w)
        {
            (Vector.LoadUnsafe(ref r, (nuint)i) + v).StoreUnsafe(ref r, (nuint)i);
        }

        for (; i < n; i++)
        {
            target[i] += value;
        }
    }

    /// <summary>Validates the shape and span lengths; returns batch × channels.</summary>
    private static int Check(int batch, int channels, int height, int width, int mapLength, int vectorLength, string mapName, string vectorName)
    {
        if (batch < 0 || channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"Global average pooling needs a non-negative batch and positive channels, height and width; got {batch}, {channels}, {height}, {width}.");
        }

        long planes = (long)batch * channels;
        if (mapLength < planes * height * width)
        {
            throw new ArgumentException($"{mapName} holds {mapLength} floats but {batch}×{channels}×{height}×{width} needs {planes * height * width}.", mapName);
        }

        if (vectorLength < planes)
        {
            throw new ArgumentException($"{vectorName} holds {vectorLength} floats but {batch}×{channels} needs {planes}.", vectorName);
        }

        return (int)planes;
    }

    /// <summary>The plain scalar twin of <see cref="GlobalAvgPool2D"/> (double accumulation), for tests to compare against.</summary>
    public static class Reference
    {
        /// <summary>y[b, c] = the mean of x[b, c, ·, ·].</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="x">The input, batch×channels×height×width.</param>
        /// <param name="y">The output, batch×channels (overwritten).</param>
        public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> x, Span<float> y)
        {
            int plane = height * width;
            for (int p = 0; p < batch * channels; p++)
            {
                double sum = 0;
                for (int i = 0; i < plane; i++)
                {
                    sum += x[(p * plane) + i];
                }

                y[p] = (float)(sum / plane);
            }
        }

        /// <summary>dx[b, c, i, j] += dy[b, c] / (height·width).</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="dy">The output gradient, batch×channels.</param>
        /// <param name="dx">The input gradient, batch×channels×height×width (added to).</param>
        public static void Backward(int batch, int channels, int height, int width, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int plane = height * width;
            for (int p = 0; p < batch * channels; p++)
            {
                for (int i = 0; i < plane; i++)
                {
                    dx[(p * plane) + i] = (float)(dx[(p * plane) + i] + ((double)dy[p] / plane));
                }
            }
        }
    }
}
