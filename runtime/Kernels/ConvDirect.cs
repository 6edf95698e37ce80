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
    /// Whether <see cref="WeightGradient5{TLanes}"/> (16 filters on 512-bit, 8 on 256-bit registers) handles this
    /// shape on this host: stride 1, no padding, a 5×5 kernel, on AVX-512.
    /// </summary>
    internal static bool AppliesBackward(in ConvShape s) =>
        s.Kernel == 5 && (s.OutChannels == Lanes || s.OutChannels == 8) && s.Stride == 1 && s.Padding == 0
        && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// One sample's weight gradient, accumulated transposed: <c>dwt[(c, u, v), o] += Σ_(i, j) x[c, i + u, j + v]·dyt[(i, j), o]</c>
    /// for a 5×5 kernel and as many filters as <typeparamref name="TLanes"/> has lanes (16 on 512-bit, 8 on 256-bit
    /// registers). For each input channel the 25 taps' gradients stay in 25 registers while the pixels stream past: per
    /// pixel one load of <c>dyt</c> (all filters) and 25 broadcasts from the image, no im2col.
    /// </summary>
    /// <typeparam name="TLanes">The register width: <see cref="Lanes512"/> for 16 filters, <see cref="Lanes256"/> for 8.</typeparam>
    /// <param name="s">The shape (<see cref="AppliesBackward"/> holds, <c>OutChannels == TLanes.Count</c>).</param>
    /// <param name="x">One input sample, inC × H × W.</param>
    /// <param name="dyt">The sample's output gradient transposed, P × filters.</param>
    /// <param name="dwt">The transposed weight gradient, K × filters (added to).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WeightGradient5<TLanes>(in ConvShape s, float* x, float* dyt, float* dwt)
        where TLanes : struct, ILanes<TLanes>
    {
        int w = s.Width, outW = s.OutWidth, outH = s.OutHeight, plane = s.Height * s.Width;
        int n = TLanes.Count;
        for (int c = 0; c < s.InChannels; c++)
        {
            ref float d = ref dwt[(nint)c * 25 * n];
            TLanes g00 = TLanes.Load(ref d, (nuint)(0 * n));
            TLanes g01 = TLanes.Load(ref d, (nuint)(1 * n));
            TLanes g02 = TLanes.Load(ref d, (nuint)(2 * n));
            TLanes g03 = TLanes.Load(ref d, (nuint)(3 * n));
            TLanes g04 = TLanes.Load(ref d, (nuint)(4 * n));
            TLanes g10 = TLanes.Load(ref d, (nuint)(5 * n));
            TLanes g11 = TLanes.Load(ref d, (nuint)(6 * n));
            TLanes g12 = TLanes.Load(ref d, (nuint)(7 * n));
            TLanes g13 = TLanes.Load(ref d, (nuint)(8 * n));
            TLanes g14 = TLanes.Load(ref d, (nuint)(9 * n));
            TLanes g20 = TLanes.Load(ref d, (nuint)(10 * n));
            TLanes g21 = TLanes.Load(ref d, (nuint)(11 * n));
            TLanes g22 = TLanes.Load(ref d, (nuint)(12 * n));
            TLanes g23 = TLanes.Load(ref d, (nuint)(13 * n));
            TLanes g24 = TLanes.Load(ref d, (nuint)(14 * n));
            TLanes g30 = TLanes.Load(ref d, (nuint)(15 * n));
            TLanes g31 = TLanes.Load(ref d, (nuint)(16 * n));
            TLanes g32 = TLanes.Load(ref d, (nuint)(17 * n));
            TLanes g33 = TLanes.Load(ref d, (nuint)(18 * n));
            TLanes g34 = TLanes.Load(ref d, (nuint)(19 * n));
            TLanes g40 = TLanes.Load(ref d, (nuint)(20 * n));
            TLanes g41 = TLanes.Load(ref d, (nuint)(21 * n));
            TLanes g42 = TLanes.Load(ref d, (nuint)(22 * n));
            TLanes g43 = TLanes.Load(ref d, (nuint)(23 * n));
            TLanes g44 = TLanes.Load(ref d, (nuint)(24 * n));
            float* e0 = dyt;
            for (int i = 0; i < outH; i++)
            {
                float* r0 = x + (nint)c * plane + (nint)i * w;
                float* r1 = r0 + w;
                float* r2 = r1 + w;
                float* r3 = r2 + w;
                float* r4 = r3 + w;
                for (int j = 0; j < outW; j++, r0++, r1++, r2++, r3++, r4++, e0 += n)
                {
                    TLanes e = TLanes.Load(ref *e0, 0);
                    g00 = TLanes.FusedMultiplyAdd(TLanes.Create(r0[0]), e, g00);
                    g01 = TLanes.FusedMultiplyAdd(TLanes.Create(r0[1]), e, g01);
                    g02 = TLanes.FusedMultiplyAdd(TLanes.Create(r0[2]), e, g02);
                    g03 = TLanes.FusedMultiplyAdd(TLanes.Create(r0[3]), e, g03);
                    g04 = TLanes.FusedMultiplyAdd(TLanes.Create(r0[4]), e, g04);
                    g10 = TLanes.FusedMultiplyAdd(TLanes.Create(r1[0]), e, g10);
                    g11 = TLanes.FusedMultiplyAdd(TLanes.Create(r1[1]), e, g11);
                    g12 = TLanes.FusedMultiplyAdd(TLanes.Create(r1[2]), e, g12);
                    g13 = TLanes.FusedMultiplyAdd(TLanes.Create(r1[3]), e, g13);
                    g14 = TLanes.FusedMultiplyAdd(TLanes.Create(r1[4]), e, g14);
                    g20 = TLanes.FusedMultiplyAdd(TLanes.Create(r2[0]), e, g20);
                    g21 = TLanes.FusedMultiplyAdd(TLanes.Create(r2[1]), e, g21);
                    g22 = TLanes.FusedMultiplyAdd(TLanes.Create(r2[2]), e, g22);
                    g23 = TLanes.FusedMultiplyAdd(TLanes.Create(r2[3]), e, g23);
                    g24 = TLanes.FusedMultiplyAdd(TLanes.Create(r2[4]), e, g24);
                    g30 = TLanes.FusedMultiplyAdd(TLanes.Create(r3[0]), e, g30);
                    g31 = TLanes.FusedMultiplyAdd(TLanes.Create(r3[1]), e, g31);
                    g32 = TLanes.FusedMultiplyAdd(TLanes.Create(r3[2]), e, g32);
                    g33 = TLanes.FusedMultiplyAdd(TLanes.Create(r3[3]), e, g33);
                    g34 = TLanes.FusedMultiplyAdd(TLanes.Create(r3[4]), e, g34);
                    g40 = TLanes.FusedMultiplyAdd(TLanes.Create(r4[0]), e, g40);
                    g41 = TLanes.FusedMultiplyAdd(TLanes.Create(r4[1]), e, g41);
                    g42 = TLanes.FusedMultiplyAdd(TLanes.Create(r4[2]), e, g42);
                    g43 = TLanes.FusedMultiplyAdd(TLanes.Create(r4[3]), e, g43);
                    g44 = TLanes.FusedMultiplyAdd(TLanes.Create(r4[4]), e, g44);
                }
            }

            g00.Store(ref d, (nuint)(0 * n));
            g01.Store(ref d, (nuint)(1 * n));
            g02.Store(ref d, (nuint)(2 * n));
            g03.Store(ref d, (nuint)(3 * n));
            g04.Store(ref d, (nuint)(4 * n));
            g10.Store(ref d, (nuint)(5 * n));
            g11.Store(ref d, (nuint)(6 * n));
            g12.Store(ref d, (nuint)(7 * n));
            g13.Store(ref d, (nuint)(8 * n));
            g14.Store(ref d, (nuint)(9 * n));
            g20.Store(ref d, (nuint)(10 * n));
            g21.Store(ref d, (nuint)(11 * n));
            g22.Store(ref d, (nuint)(12 * n));
            g23.Store(ref d, (nuint)(13 * n));
            g24.Store(ref d, (nuint)(14 * n));
            g30.Store(ref d, (nuint)(15 * n));
            g31.Store(ref d, (nuint)(16 * n));
            g32.Store(ref d, (nuint)(17 * n));
            g33.Store(ref d, (nuint)(18 * n));
            g34.Store(ref d, (nuint)(19 * n));
            g40.Store(ref d, (nuint)(20 * n));
            g41.Store(ref d, (nuint)(21 * n));
            g42.Store(ref d, (nuint)(22 * n));
            g43.Store(ref d, (nuint)(23 * n));
            g44.Store(ref d, (nuint)(24 * n));
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
