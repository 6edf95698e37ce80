using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>The data movement around the convolution's matrix products: im2col, col2im and two small vector loops.</summary>
internal static unsafe class ConvLoops
{
    /// <summary>
    /// Unrolls one sample <c>x[inC × H × W]</c> into <c>col[K × P]</c>: row <c>(c, u, v)</c>, column <c>(i, j)</c> holds
    /// <c>x[c, i·stride − padding + u, j·stride − padding + v]</c>, or 0 in the padding.
    /// </summary>
    internal static void Im2Col(in ConvShape s, float* x, float* col)
    {
        if (s.Stride == 1 && s.OutWidth == s.Width)
        {
            Im2ColSame(in s, x, col);
            return;
        }

        int k = s.Kernel, stride = s.Stride, pad = s.Padding, h = s.Height, w = s.Width, outH = s.OutHeight, outW = s.OutWidth;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* plane = x + (nint)c * h * w;
            for (int u = 0; u < k; u++)
            {
                for (int v = 0; v < k; v++)
                {
                    // Output columns j whose input column j·stride − pad + v lies inside the image: [j0, j1).
                    (int j0, int j1) = ValidRange(v, pad, stride, w, outW);
                    for (int i = 0; i < outH; i++, col += outW)
                    {
                        int row = i * stride - pad + u;
                        if ((uint)row >= (uint)h || j0 >= j1)
                        {
                            new Span<float>(col, outW).Clear();
                            continue;
                        }

                        for (int j = 0; j < j0; j++)
                        {
                            col[j] = 0f;
                        }

                        for (int j = j1; j < outW; j++)
                        {
                            col[j] = 0f;
                        }

                        float* src = plane + (nint)row * w + (j0 * stride - pad + v);
                        if (stride == 1)
                        {
                            CopyShort(src, col + j0, j1 - j0);
                        }
                        else
                        {
                            for (int j = j0; j < j1; j++, src += stride)
                            {
                                col[j] = *src;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The reverse of <see cref="Im2Col"/>, adding: <c>dx[c, i·stride − padding + u, j·stride − padding + v] += dcol[(c, u, v), (i, j)]</c>.</summary>
    internal static void Col2ImAdd(in ConvShape s, float* dcol, float* dx)
    {
        if (s.Stride == 1 && s.OutWidth == s.Width)
        {
            Col2ImAddSame(in s, dcol, dx);
            return;
        }

        int k = s.Kernel, stride = s.Stride, pad = s.Padding, h = s.Height, w = s.Width, outH = s.OutHeight, outW = s.OutWidth;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* plane = dx + (nint)c * h * w;
            for (int u = 0; u < k; u++)
            {
                for (int v = 0; v < k; v++)
                {
                    (int j0, int j1) = ValidRange(v, pad, stride, w, outW);
                    for (int i = 0; i < outH; i++, dcol += outW)
                    {
                        int row = i * stride - pad + u;
                        if ((uint)row >= (uint)h || j0 >= j1)
                        {
                            continue;
                        }

                        float* dst = plane + (nint)row * w + (j0 * stride - pad + v);
                        if (stride == 1)
                        {
                            AddShort(dcol + j0, dst, j1 - j0);
                        }
                        else
                        {
                            for (int j = j0; j < j1; j++, dst += stride)
                            {
                                *dst += dcol[j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Im2Col"/> when the stride is 1 and the output is as wide as the input ("same" padding): then col row
    /// <c>(c, u, v)</c> is the flat plane <c>c</c> shifted by <c>(u − pad)·W + v − pad</c>, so the rows inside the image
    /// are one contiguous copy, after which the columns that fell into the padding (and picked up the neighbouring
    /// image row) are zeroed.
    /// </summary>
    private static void Im2ColSame(in ConvShape s, float* x, float* col)
    {
        int k = s.Kernel, pad = s.Padding, h = s.Height, w = s.Width, outH = s.OutHeight, p = s.P;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* plane = x + (nint)c * h * w;
            for (int u = 0; u < k; u++)
            {
                // Output rows i whose input row i − pad + u lies inside the image: [i0, i1).
                int i0 = Math.Max(0, pad - u), i1 = Math.Min(outH, h + pad - u);
                for (int v = 0; v < k; v++, col += p)
                {
                    if (i0 >= i1)
                    {
                        new Span<float>(col, p).Clear();
                        continue;
                    }

                    // col[q] = plane[q + shift] for q in [i0·W, i1·W), clipped to the plane.
                    int shift = (u - pad) * w + v - pad;
                    int q0 = Math.Max(i0 * w, -shift), q1 = Math.Min(i1 * w, h * w - shift);
                    new Span<float>(col, q0).Clear();
                    Unsafe.CopyBlockUnaligned(col + q0, plane + q0 + shift, (uint)(q1 - q0) * sizeof(float));
                    new Span<float>(col + q1, p - q1).Clear();
                    ZeroPaddingColumns(col, v - pad, w, i0, i1);
                }
            }
        }
    }

    /// <summary>The reverse of <see cref="Im2ColSame"/>, adding; zeroes the padding columns of dcol first.</summary>
    private static void Col2ImAddSame(in ConvShape s, float* dcol, float* dx)
    {
        int k = s.Kernel, pad = s.Padding, h = s.Height, w = s.Width, outH = s.OutHeight, p = s.P;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* plane = dx + (nint)c * h * w;
            for (int u = 0; u < k; u++)
            {
                int i0 = Math.Max(0, pad - u), i1 = Math.Min(outH, h + pad - u);
                for (int v = 0; v < k; v++, dcol += p)
                {
                    if (i0 >= i1)
                    {
                        continue;
                    }

                    int shift = (u - pad) * w + v - pad;
                    int q0 = Math.Max(i0 * w, -shift), q1 = Math.Min(i1 * w, h * w - shift);
                    ZeroPaddingColumns(dcol, v - pad, w, i0, i1);
                    Add(dcol + q0, plane + q0 + shift, q1 - q0);
                }
            }
        }
    }

    /// <summary>
    /// In rows <c>[i0, i1)</c> of a col row (width <paramref name="w"/>), zeroes the columns j whose input column
    /// <c>j + offset</c> is outside <c>[0, w)</c>.
    /// </summary>
    /// <remarks>
    /// The padding is a column or two per image row (one for a 3×3 kernel with padding 1), so this is plain stores: a
    /// <c>Span.Clear</c> per row cost more than the store it made (~5,000 calls per sample for the Fashion CNN's conv4,
    /// 32→64 channels on 14×14). On the AVX2-only Zen 3, conv4's im2col measured 16.3 → 8.8 µs per sample and col2im
    /// 14.3 → 7.9 µs (min of 400 calls, full JIT, runs alternated); conv4's batch-64 backward 14.3 → 13.9 ms on one
    /// thread and 10.0 → 9.7 ms on two (min of 40 interleaved samples).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroPaddingColumns(float* col, int offset, int w, int i0, int i1)
    {
        if (offset == 0)
        {
            return;
        }

        // Columns [first, first + count) of every row: the leading ones for a negative offset, else the trailing ones.
        int count = Math.Min(w, Math.Abs(offset));
        int first = offset < 0 ? 0 : w - count;
        float* row = col + (nint)i0 * w + first;
        for (int i = i0; i < i1; i++, row += w)
        {
            for (int t = 0; t < count; t++)
            {
                row[t] = 0f;
            }
        }
    }

    /// <summary>The output columns <c>[j0, j1)</c> whose input column <c>j·stride − pad + v</c> lies in <c>[0, w)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int J0, int J1) ValidRange(int v, int pad, int stride, int w, int outW)
    {
        int j0 = pad - v <= 0 ? 0 : (pad - v + stride - 1) / stride;
        int last = w - 1 + pad - v; // j·stride ≤ last
        int j1 = last < 0 ? 0 : Math.Min(outW, last / stride + 1);
        return (Math.Min(j0, outW), j1);
    }

    /// <summary>
    /// <c>dst[i] = src[i]</c> for i in [0, n), inlined into the im2col loops: their rows are one output row long (8 to
    /// 32 floats for small images), where a call to a general block copy costs more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector512.Store(Vector512.Load(src + i), dst + i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(Vector256.Load(src + i), dst + i);
            }
        }

        for (; i <= n - 4; i += 4)
        {
            Vector128.Store(Vector128.Load(src + i), dst + i);
        }

        for (; i < n; i++)
        {
            dst[i] = src[i];
        }
    }

    /// <summary><c>dst[i] += src[i]</c> for i in [0, n), inlined into the col2im loops (see <see cref="CopyShort"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShort(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                (Vector512.Load(dst + i) + Vector512.Load(src + i)).Store(dst + i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector256.Load(dst + i) + Vector256.Load(src + i)).Store(dst + i);
            }
        }

        for (; i <= n - 4; i += 4)
        {
            (Vector128.Load(dst + i) + Vector128.Load(src + i)).Store(dst + i);
        }

        for (; i < n; i++)
        {
            dst[i] += src[i];
        }
    }

    /// <summary>Adds the transpose of <c>srcᵀ[rows × cols]</c> into <c>dst[cols × rows]</c>: <c>dst[j, i] += srcᵀ[i, j]</c>.</summary>
    internal static void AddTransposed(float* srcT, int rows, int cols, float* dst)
    {
        for (int j = 0; j < cols; j++)
        {
            float* d = dst + (nint)j * rows;
            for (int i = 0; i < rows; i++)
            {
                d[i] += srcT[(nint)i * cols + j];
            }
        }
    }

    /// <summary><c>dst[i] += src[i]</c> for i in [0, n).</summary>
    internal static void Add(float* src, float* dst, int n) => AddShort(src, dst, n);

    /// <summary>The sum of <c>p[0..n)</c>.</summary>
    internal static float Sum(float* p, int n)
    {
        int i = 0;
        float total = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.Load(p + i);
            }

            total = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.Load(p + i);
            }

            total = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            total += p[i];
        }

        return total;
    }
}
