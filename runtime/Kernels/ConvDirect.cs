using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// A direct (im2col-free) forward kernel for convolutions with exactly 16 filters, stride 1 and no padding, on AVX-512:
/// the 16 output channels of one pixel fill one 512-bit register, so a tile of 2 output rows × 8 columns keeps 16
/// accumulators, and every step of <c>K = inC·k·k</c> loads one row of the transposed weights and broadcasts 16 input
/// values straight from the image. With so few filters, im2col's copy of K·P floats per sample and a product with only
/// 16 rows cost more than this kernel's arithmetic.
/// </summary>
internal static unsafe class ConvDirect
{
    /// <summary>Output channels per register.</summary>
    internal const int Lanes = 16;

    /// <summary>Whether <see cref="Forward16"/> handles this shape on this host.</summary>
    internal static bool Applies(in ConvShape s) =>
        s.OutChannels == Lanes && s.Stride == 1 && s.Padding == 0 && s.OutWidth >= 8 && s.OutHeight >= 2
        && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>Writes <c>wt[K × 16] = Wᵀ</c> from <c>W[16 × K]</c>.</summary>
    internal static void TransposeWeights(in ConvShape s, float* w, float* wt)
    {
        int k = s.K;
        for (int o = 0; o < Lanes; o++)
        {
            for (int p = 0; p < k; p++)
            {
                wt[(nint)p * Lanes + o] = w[(nint)o * k + p];
            }
        }
    }

    /// <summary>
    /// One sample: <c>y[o, i, j] = bias[o] + Σ_{c, u, v} wt[(c, u, v), o]·x[c, i + u, j + v]</c>. Tiles of 2 rows × 8
    /// columns cover the output; the last tile of a row or column is moved back to end at the edge (it recomputes a few
    /// outputs, with the same result).
    /// </summary>
    /// <param name="s">The shape (<see cref="Applies"/> holds).</param>
    /// <param name="x">One input sample, inC × H × W.</param>
    /// <param name="wt">The transposed weights from <see cref="TransposeWeights"/>.</param>
    /// <param name="bias">The bias (16 floats), or null.</param>
    /// <param name="y">One output sample, 16 × outH × outW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward16(in ConvShape s, float* x, float* wt, float* bias, float* y)
    {
        int w = s.Width, outW = s.OutWidth, outH = s.OutHeight, kernel = s.Kernel, plane = s.Height * s.Width, p = s.P;
        int inC = s.InChannels;
        Vector512<float> start = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
        float* tile = stackalloc float[16 * Lanes];
        for (int i = 0; i < outH; i += 2)
        {
            int i0 = Math.Min(i, outH - 2);
            for (int j = 0; j < outW; j += 8)
            {
                int j0 = Math.Min(j, outW - 8);
                Vector512<float> a0 = start, a1 = start, a2 = start, a3 = start, a4 = start, a5 = start, a6 = start, a7 = start;
                Vector512<float> b0 = start, b1 = start, b2 = start, b3 = start, b4 = start, b5 = start, b6 = start, b7 = start;
                float* wp = wt;
                for (int c = 0; c < inC; c++)
                {
                    float* r = x + (nint)c * plane + (nint)i0 * w + j0;
                    for (int u = 0; u < kernel; u++, r += w)
                    {
                        float* q = r;
                        float* q1 = r + w;
                        for (int v = 0; v < kernel; v++, q++, q1++, wp += Lanes)
                        {
                            Vector512<float> f = Vector512.Load(wp);
                            a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[0]), f, a0);
                            a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[1]), f, a1);
                            a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[2]), f, a2);
                            a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[3]), f, a3);
                            a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[4]), f, a4);
                            a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[5]), f, a5);
                            a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[6]), f, a6);
                            a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[7]), f, a7);
                            b0 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[0]), f, b0);
                            b1 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[1]), f, b1);
                            b2 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[2]), f, b2);
                            b3 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[3]), f, b3);
                            b4 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[4]), f, b4);
                            b5 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[5]), f, b5);
                            b6 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[6]), f, b6);
                            b7 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[7]), f, b7);
                        }
                    }
                }

                a0.Store(tile);
                a1.Store(tile + 16);
                a2.Store(tile + 32);
                a3.Store(tile + 48);
                a4.Store(tile + 64);
                a5.Store(tile + 80);
                a6.Store(tile + 96);
                a7.Store(tile + 112);
                b0.Store(tile + 128);
                b1.Store(tile + 144);
                b2.Store(tile + 160);
                b3.Store(tile + 176);
                b4.Store(tile + 192);
                b5.Store(tile + 208);
                b6.Store(tile + 224);
                b7.Store(tile + 240);
                StoreTile(tile, y + (nint)i0 * outW + j0, outW, p);
            }
        }
    }

    /// <summary>
    /// Whether <see cref="WeightGradient5"/> (16 filters) or <see cref="WeightGradient5x8"/> (8 filters) handles this
    /// shape on this host: stride 1, no padding, a 5×5 kernel, on AVX-512.
    /// </summary>
    internal static bool AppliesBackward(in ConvShape s) =>
        s.Kernel == 5 && (s.OutChannels == Lanes || s.OutChannels == 8) && s.Stride == 1 && s.Padding == 0
        && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// One sample's weight gradient, accumulated transposed: <c>dwt[(c, u, v), o] += Σ_(i, j) x[c, i + u, j + v]·dyt[(i, j), o]</c>
    /// for a 5×5 kernel. For each input channel the 25 taps' gradients stay in 25 registers while the pixels stream
    /// past: per pixel one load of <c>dyt</c> (16 channels) and 25 broadcasts from the image, no im2col.
    /// </summary>
    /// <param name="s">The shape (<see cref="AppliesBackward"/> holds).</param>
    /// <param name="x">One input sample, inC × H × W.</param>
    /// <param name="dyt">The sample's output gradient transposed, P × 16.</param>
    /// <param name="dwt">The transposed weight gradient, K × 16 (added to).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WeightGradient5(in ConvShape s, float* x, float* dyt, float* dwt)
    {
        int w = s.Width, outW = s.OutWidth, outH = s.OutHeight, plane = s.Height * s.Width;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* d = dwt + (nint)c * 25 * Lanes;
                Vector512<float> g00 = Vector512.Load(d + 0);
                Vector512<float> g01 = Vector512.Load(d + 16);
                Vector512<float> g02 = Vector512.Load(d + 32);
                Vector512<float> g03 = Vector512.Load(d + 48);
                Vector512<float> g04 = Vector512.Load(d + 64);
                Vector512<float> g10 = Vector512.Load(d + 80);
                Vector512<float> g11 = Vector512.Load(d + 96);
                Vector512<float> g12 = Vector512.Load(d + 112);
                Vector512<float> g13 = Vector512.Load(d + 128);
                Vector512<float> g14 = Vector512.Load(d + 144);
                Vector512<float> g20 = Vector512.Load(d + 160);
                Vector512<float> g21 = Vector512.Load(d + 176);
                Vector512<float> g22 = Vector512.Load(d + 192);
                Vector512<float> g23 = Vector512.Load(d + 208);
                Vector512<float> g24 = Vector512.Load(d + 224);
                Vector512<float> g30 = Vector512.Load(d + 240);
                Vector512<float> g31 = Vector512.Load(d + 256);
                Vector512<float> g32 = Vector512.Load(d + 272);
                Vector512<float> g33 = Vector512.Load(d + 288);
                Vector512<float> g34 = Vector512.Load(d + 304);
                Vector512<float> g40 = Vector512.Load(d + 320);
                Vector512<float> g41 = Vector512.Load(d + 336);
                Vector512<float> g42 = Vector512.Load(d + 352);
                Vector512<float> g43 = Vector512.Load(d + 368);
                Vector512<float> g44 = Vector512.Load(d + 384);
            float* e0 = dyt;
            for (int i = 0; i < outH; i++)
            {
                float* r0 = x + (nint)c * plane + (nint)i * w;
                float* r1 = r0 + w;
                float* r2 = r1 + w;
                float* r3 = r2 + w;
                float* r4 = r3 + w;
                for (int j = 0; j < outW; j++, r0++, r1++, r2++, r3++, r4++, e0 += Lanes)
                {
                    Vector512<float> e = Vector512.Load(e0);
                        g00 = Avx512F.FusedMultiplyAdd(Vector512.Create(r0[0]), e, g00);
                        g01 = Avx512F.FusedMultiplyAdd(Vector512.Create(r0[1]), e, g01);
                        g02 = Avx512F.FusedMultiplyAdd(Vector512.Create(r0[2]), e, g02);
                        g03 = Avx512F.FusedMultiplyAdd(Vector512.Create(r0[3]), e, g03);
                        g04 = Avx512F.FusedMultiplyAdd(Vector512.Create(r0[4]), e, g04);
                        g10 = Avx512F.FusedMultiplyAdd(Vector512.Create(r1[0]), e, g10);
                        g11 = Avx512F.FusedMultiplyAdd(Vector512.Create(r1[1]), e, g11);
                        g12 = Avx512F.FusedMultiplyAdd(Vector512.Create(r1[2]), e, g12);
                        g13 = Avx512F.FusedMultiplyAdd(Vector512.Create(r1[3]), e, g13);
                        g14 = Avx512F.FusedMultiplyAdd(Vector512.Create(r1[4]), e, g14);
                        g20 = Avx512F.FusedMultiplyAdd(Vector512.Create(r2[0]), e, g20);
                        g21 = Avx512F.FusedMultiplyAdd(Vector512.Create(r2[1]), e, g21);
                        g22 = Avx512F.FusedMultiplyAdd(Vector512.Create(r2[2]), e, g22);
                        g23 = Avx512F.FusedMultiplyAdd(Vector512.Create(r2[3]), e, g23);
                        g24 = Avx512F.FusedMultiplyAdd(Vector512.Create(r2[4]), e, g24);
                        g30 = Avx512F.FusedMultiplyAdd(Vector512.Create(r3[0]), e, g30);
                        g31 = Avx512F.FusedMultiplyAdd(Vector512.Create(r3[1]), e, g31);
                        g32 = Avx512F.FusedMultiplyAdd(Vector512.Create(r3[2]), e, g32);
                        g33 = Avx512F.FusedMultiplyAdd(Vector512.Create(r3[3]), e, g33);
                        g34 = Avx512F.FusedMultiplyAdd(Vector512.Create(r3[4]), e, g34);
                        g40 = Avx512F.FusedMultiplyAdd(Vector512.Create(r4[0]), e, g40);
                        g41 = Avx512F.FusedMultiplyAdd(Vector512.Create(r4[1]), e, g41);
                        g42 = Avx512F.FusedMultiplyAdd(Vector512.Create(r4[2]), e, g42);
                        g43 = Avx512F.FusedMultiplyAdd(Vector512.Create(r4[3]), e, g43);
                        g44 = Avx512F.FusedMultiplyAdd(Vector512.Create(r4[4]), e, g44);
                }
            }

                g00.Store(d + 0);
                g01.Store(d + 16);
                g02.Store(d + 32);
                g03.Store(d + 48);
                g04.Store(d + 64);
                g10.Store(d + 80);
                g11.Store(d + 96);
                g12.Store(d + 112);
                g13.Store(d + 128);
                g14.Store(d + 144);
                g20.Store(d + 160);
                g21.Store(d + 176);
                g22.Store(d + 192);
                g23.Store(d + 208);
                g24.Store(d + 224);
                g30.Store(d + 240);
                g31.Store(d + 256);
                g32.Store(d + 272);
                g33.Store(d + 288);
                g34.Store(d + 304);
                g40.Store(d + 320);
                g41.Store(d + 336);
                g42.Store(d + 352);
                g43.Store(d + 368);
                g44.Store(d + 384);
        }
    }

    /// <summary>
    /// Whether <see cref="Col2ImAdd5"/> handles this shape on this host: stride 1, no padding, a 5×5 kernel and input
    /// rows of at most 16 floats (one register), on AVX-512.
    /// </summary>
    internal static bool AppliesCol2Im(in ConvShape s) =>
        s.Kernel == 5 && s.Stride == 1 && s.Padding == 0 && s.Width <= 16 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// col2im for <see cref="AppliesCol2Im"/> shapes, one input row at a time: <c>dx[c, y, x] += Σ_{u, v} dcol[(c, u, v), (y − u, x − v)]</c>.
    /// Each col row segment is loaded whole and moved v lanes to the right by a two-source permute (lanes that fall
    /// outside the segment take zeros), so the row's sum is built in a register and added to dx once; the plain col2im
    /// instead adds 25 overlapping short segments into every row, each waiting for the store before it.
    /// </summary>
    /// <param name="s">The shape.</param>
    /// <param name="dcol">One sample's col gradient, K × P; the 16 floats after its last row must be readable.</param>
    /// <param name="dx">One sample's input gradient, inC × H × W (added to).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Col2ImAdd5(in ConvShape s, float* dcol, float* dx)
    {
        int w = s.Width, h = s.Height, outW = s.OutWidth, outH = s.OutHeight, p = s.P;
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<int> zeroLane = Vector512.Create(16);

        // Lane x of shift v takes segment lane x − v when that is in [0, outW), else lane 16 (the zero source).
        Vector512<int> idx0 = Shift(lane, 0, outW, zeroLane), idx1 = Shift(lane, 1, outW, zeroLane), idx2 = Shift(lane, 2, outW, zeroLane);
        Vector512<int> idx3 = Shift(lane, 3, outW, zeroLane), idx4 = Shift(lane, 4, outW, zeroLane);
        Vector512<float> zero = Vector512<float>.Zero;
        float* sum = stackalloc float[16];
        for (int c = 0; c < s.InChannels; c++)
        {
            float* plane = dx + (nint)c * h * w;
            for (int y = 0; y < h; y++)
            {
                Vector512<float> acc = zero;
                int u0 = Math.Max(0, y - outH + 1), u1 = Math.Min(4, y);
                for (int u = u0; u <= u1; u++)
                {
                    float* seg = dcol + ((nint)(c * 25 + u * 5) * p) + (nint)(y - u) * outW;
                    acc += Avx512F.PermuteVar16x32x2(Vector512.Load(seg), idx0, zero);
                    acc += Avx512F.PermuteVar16x32x2(Vector512.Load(seg + p), idx1, zero);
                    acc += Avx512F.PermuteVar16x32x2(Vector512.Load(seg + 2 * p), idx2, zero);
                    acc += Avx512F.PermuteVar16x32x2(Vector512.Load(seg + 3 * p), idx3, zero);
                    acc += Avx512F.PermuteVar16x32x2(Vector512.Load(seg + 4 * p), idx4, zero);
                }

                float* row = plane + (nint)y * w;
                int x = 0;
                if (w >= 8)
                {
                    (Vector256.Load(row) + acc.GetLower()).Store(row);
                    x = 8;
                }

                if (x < w)
                {
                    acc.Store(sum);
                    for (; x < w; x++)
                    {
                        row[x] += sum[x];
                    }
                }
            }
        }
    }

    private static Vector512<int> Shift(Vector512<int> lane, int v, int width, Vector512<int> zeroLane)
    {
        Vector512<int> source = lane - Vector512.Create(v);
        Vector512<int> inside = Vector512.GreaterThanOrEqual(source, Vector512<int>.Zero) & Vector512.LessThan(source, Vector512.Create(width));
        return Vector512.ConditionalSelect(inside, source, zeroLane);
    }


    /// <summary>
    /// <see cref="WeightGradient5"/> for 8 filters: the same loop on 256-bit registers (8 channels of one pixel).
    /// </summary>
    /// <param name="s">The shape (<see cref="AppliesBackward"/> holds, 8 filters).</param>
    /// <param name="x">One input sample, inC × H × W.</param>
    /// <param name="dyt">The sample's output gradient transposed, P × 8.</param>
    /// <param name="dwt">The transposed weight gradient, K × 8 (added to).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WeightGradient5x8(in ConvShape s, float* x, float* dyt, float* dwt)
    {
        int w = s.Width, outW = s.OutWidth, outH = s.OutHeight, plane = s.Height * s.Width;
        for (int c = 0; c < s.InChannels; c++)
        {
            float* d = dwt + (nint)c * 25 * 8;
            Vector256<float> g00 = Vector256.Load(d + 0);
            Vector256<float> g01 = Vector256.Load(d + 8);
            Vector256<float> g02 = Vector256.Load(d + 16);
            Vector256<float> g03 = Vector256.Load(d + 24);
            Vector256<float> g04 = Vector256.Load(d + 32);
            Vector256<float> g10 = Vector256.Load(d + 40);
            Vector256<float> g11 = Vector256.Load(d + 48);
            Vector256<float> g12 = Vector256.Load(d + 56);
            Vector256<float> g13 = Vector256.Load(d + 64);
            Vector256<float> g14 = Vector256.Load(d + 72);
            Vector256<float> g20 = Vector256.Load(d + 80);
            Vector256<float> g21 = Vector256.Load(d + 88);
            Vector256<float> g22 = Vector256.Load(d + 96);
            Vector256<float> g23 = Vector256.Load(d + 104);
            Vector256<float> g24 = Vector256.Load(d + 112);
            Vector256<float> g30 = Vector256.Load(d + 120);
            Vector256<float> g31 = Vector256.Load(d + 128);
            Vector256<float> g32 = Vector256.Load(d + 136);
            Vector256<float> g33 = Vector256.Load(d + 144);
            Vector256<float> g34 = Vector256.Load(d + 152);
            Vector256<float> g40 = Vector256.Load(d + 160);
            Vector256<float> g41 = Vector256.Load(d + 168);
            Vector256<float> g42 = Vector256.Load(d + 176);
            Vector256<float> g43 = Vector256.Load(d + 184);
            Vector256<float> g44 = Vector256.Load(d + 192);
            float* e0 = dyt;
            for (int i = 0; i < outH; i++)
            {
                float* r0 = x + (nint)c * plane + (nint)i * w;
                float* r1 = r0 + w;
                float* r2 = r1 + w;
                float* r3 = r2 + w;
                float* r4 = r3 + w;
                for (int j = 0; j < outW; j++, r0++, r1++, r2++, r3++, r4++, e0 += 8)
                {
                    Vector256<float> e = Vector256.Load(e0);
                    g00 = Fma.MultiplyAdd(Vector256.Create(r0[0]), e, g00);
                    g01 = Fma.MultiplyAdd(Vector256.Create(r0[1]), e, g01);
                    g02 = Fma.MultiplyAdd(Vector256.Create(r0[2]), e, g02);
                    g03 = Fma.MultiplyAdd(Vector256.Create(r0[3]), e, g03);
                    g04 = Fma.MultiplyAdd(Vector256.Create(r0[4]), e, g04);
                    g10 = Fma.MultiplyAdd(Vector256.Create(r1[0]), e, g10);
                    g11 = Fma.MultiplyAdd(Vector256.Create(r1[1]), e, g11);
                    g12 = Fma.MultiplyAdd(Vector256.Create(r1[2]), e, g12);
                    g13 = Fma.MultiplyAdd(Vector256.Create(r1[3]), e, g13);
                    g14 = Fma.MultiplyAdd(Vector256.Create(r1[4]), e, g14);
                    g20 = Fma.MultiplyAdd(Vector256.Create(r2[0]), e, g20);
                    g21 = Fma.MultiplyAdd(Vector256.Create(r2[1]), e, g21);
                    g22 = Fma.MultiplyAdd(Vector256.Create(r2[2]), e, g22);
                    g23 = Fma.MultiplyAdd(Vector256.Create(r2[3]), e, g23);
                    g24 = Fma.MultiplyAdd(Vector256.Create(r2[4]), e, g24);
                    g30 = Fma.MultiplyAdd(Vector256.Create(r3[0]), e, g30);
                    g31 = Fma.MultiplyAdd(Vector256.Create(r3[1]), e, g31);
                    g32 = Fma.MultiplyAdd(Vector256.Create(r3[2]), e, g32);
                    g33 = Fma.MultiplyAdd(Vector256.Create(r3[3]), e, g33);
                    g34 = Fma.MultiplyAdd(Vector256.Create(r3[4]), e, g34);
                    g40 = Fma.MultiplyAdd(Vector256.Create(r4[0]), e, g40);
                    g41 = Fma.MultiplyAdd(Vector256.Create(r4[1]), e, g41);
                    g42 = Fma.MultiplyAdd(Vector256.Create(r4[2]), e, g42);
                    g43 = Fma.MultiplyAdd(Vector256.Create(r4[3]), e, g43);
                    g44 = Fma.MultiplyAdd(Vector256.Create(r4[4]), e, g44);
                }
            }

            g00.Store(d + 0);
            g01.Store(d + 8);
            g02.Store(d + 16);
            g03.Store(d + 24);
            g04.Store(d + 32);
            g10.Store(d + 40);
            g11.Store(d + 48);
            g12.Store(d + 56);
            g13.Store(d + 64);
            g14.Store(d + 72);
            g20.Store(d + 80);
            g21.Store(d + 88);
            g22.Store(d + 96);
            g23.Store(d + 104);
            g24.Store(d + 112);
            g30.Store(d + 120);
            g31.Store(d + 128);
            g32.Store(d + 136);
            g33.Store(d + 144);
            g34.Store(d + 152);
            g40.Store(d + 160);
            g41.Store(d + 168);
            g42.Store(d + 176);
            g43.Store(d + 184);
            g44.Store(d + 192);
        }
    }

    /// <summary>Whether <see cref="Forward8"/> handles this shape on this host: 8 filters, stride 1, no padding, output rows of at least 16.</summary>
    internal static bool Applies8(in ConvShape s) =>
        s.OutChannels == 8 && s.Stride == 1 && s.Padding == 0 && s.OutWidth >= 16
        && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// One sample of a convolution with 8 filters, one output row at a time, 16 pixels per register: two 16-column
    /// chunks of the row (the second moved back to end at the edge) for all 8 filters are 16 accumulators; each tap
    /// loads the two input segments and broadcasts the 8 filters' weights. The output rows are written in place (NCHW),
    /// with no im2col and no bias pass.
    /// </summary>
    /// <param name="s">The shape (<see cref="Applies8"/> holds).</param>
    /// <param name="x">One input sample, inC × H × W.</param>
    /// <param name="weights">W, 8 × K.</param>
    /// <param name="bias">The bias (8 floats), or null.</param>
    /// <param name="y">One output sample, 8 × outH × outW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward8(in ConvShape s, float* x, float* weights, float* bias, float* y)
    {
        int w = s.Width, outW = s.OutWidth, outH = s.OutHeight, kernel = s.Kernel, plane = s.Height * s.Width, p = s.P, k = s.K;
        for (int i = 0; i < outH; i++)
        {
            float* yr = y + (nint)i * outW;
            for (int j = 0; j < outW; j += 32)
            {
                int ja = Math.Min(j, outW - 16), jb = Math.Min(j + 16, outW - 16);
                Vector512<float> a0 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[0]);
                Vector512<float> a1 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[1]);
                Vector512<float> a2 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[2]);
                Vector512<float> a3 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[3]);
                Vector512<float> a4 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[4]);
                Vector512<float> a5 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[5]);
                Vector512<float> a6 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[6]);
                Vector512<float> a7 = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[7]);
                Vector512<float> b0 = a0;
                Vector512<float> b1 = a1;
                Vector512<float> b2 = a2;
                Vector512<float> b3 = a3;
                Vector512<float> b4 = a4;
                Vector512<float> b5 = a5;
                Vector512<float> b6 = a6;
                Vector512<float> b7 = a7;
                float* wq = weights;
                for (int c = 0; c < s.InChannels; c++)
                {
                    float* r = x + (nint)c * plane + (nint)i * w;
                    for (int u = 0; u < kernel; u++, r += w)
                    {
                        for (int v = 0; v < kernel; v++, wq++)
                        {
                            Vector512<float> xa = Vector512.Load(r + ja + v), xb = Vector512.Load(r + jb + v);
                            Vector512<float> w0 = Vector512.Create(wq[0 * k]);
                            Vector512<float> w1 = Vector512.Create(wq[1 * k]);
                            Vector512<float> w2 = Vector512.Create(wq[2 * k]);
                            Vector512<float> w3 = Vector512.Create(wq[3 * k]);
                            Vector512<float> w4 = Vector512.Create(wq[4 * k]);
                            Vector512<float> w5 = Vector512.Create(wq[5 * k]);
                            Vector512<float> w6 = Vector512.Create(wq[6 * k]);
                            Vector512<float> w7 = Vector512.Create(wq[7 * k]);
                            a0 = Avx512F.FusedMultiplyAdd(xa, w0, a0);
                            b0 = Avx512F.FusedMultiplyAdd(xb, w0, b0);
                            a1 = Avx512F.FusedMultiplyAdd(xa, w1, a1);
                            b1 = Avx512F.FusedMultiplyAdd(xb, w1, b1);
                            a2 = Avx512F.FusedMultiplyAdd(xa, w2, a2);
                            b2 = Avx512F.FusedMultiplyAdd(xb, w2, b2);
                            a3 = Avx512F.FusedMultiplyAdd(xa, w3, a3);
                            b3 = Avx512F.FusedMultiplyAdd(xb, w3, b3);
                            a4 = Avx512F.FusedMultiplyAdd(xa, w4, a4);
                            b4 = Avx512F.FusedMultiplyAdd(xb, w4, b4);
                            a5 = Avx512F.FusedMultiplyAdd(xa, w5, a5);
                            b5 = Avx512F.FusedMultiplyAdd(xb, w5, b5);
                            a6 = Avx512F.FusedMultiplyAdd(xa, w6, a6);
                            b6 = Avx512F.FusedMultiplyAdd(xb, w6, b6);
                            a7 = Avx512F.FusedMultiplyAdd(xa, w7, a7);
                            b7 = Avx512F.FusedMultiplyAdd(xb, w7, b7);
                        }
                    }
                }

                a0.Store(yr + 0 * (nint)p + ja);
                b0.Store(yr + 0 * (nint)p + jb);
                a1.Store(yr + 1 * (nint)p + ja);
                b1.Store(yr + 1 * (nint)p + jb);
                a2.Store(yr + 2 * (nint)p + ja);
                b2.Store(yr + 2 * (nint)p + jb);
                a3.Store(yr + 3 * (nint)p + ja);
                b3.Store(yr + 3 * (nint)p + jb);
                a4.Store(yr + 4 * (nint)p + ja);
                b4.Store(yr + 4 * (nint)p + jb);
                a5.Store(yr + 5 * (nint)p + ja);
                b5.Store(yr + 5 * (nint)p + jb);
                a6.Store(yr + 6 * (nint)p + ja);
                b6.Store(yr + 6 * (nint)p + jb);
                a7.Store(yr + 7 * (nint)p + ja);
                b7.Store(yr + 7 * (nint)p + jb);
            }
        }
    }

    /// <summary>Scatters a tile (16 pixels × 16 channels: 2 rows of 8) into the NCHW output at its top-left pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(float* tile, float* y, int outW, int p)
    {
        for (int o = 0; o < Lanes; o++, y += p)
        {
            float* t = tile + o;
            for (int jj = 0; jj < 8; jj++)
            {
                y[jj] = t[jj * Lanes];
                y[outW + jj] = t[(8 + jj) * Lanes];
            }
        }
    }
}
