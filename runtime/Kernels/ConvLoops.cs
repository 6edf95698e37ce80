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
                            Unsafe.CopyBlockUnaligned(col + j0, src, (uint)(j1 - j0) * sizeof(float));
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
                            Add(dcol + j0, dst, j1 - j0);
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

    /// <summary>The output columns <c>[j0, j1)</c> whose input column <c>j·stride − pad + v</c> lies in <c>[0, w)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int J0, int J1) ValidRange(int v, int pad, int stride, int w, int outW)
    {
        int j0 = pad - v <= 0 ? 0 : (pad - v + stride - 1) / stride;
        int last = w - 1 + pad - v; // j·stride ≤ last
        int j1 = last < 0 ? 0 : Math.Min(outW, last / stride + 1);
        return (Math.Min(j0, outW), j1);
    }

    /// <summary><c>dst[i] += src[i]</c> for i in [0, n).</summary>
    internal static void Add(float* src, float* dst, int n)
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
