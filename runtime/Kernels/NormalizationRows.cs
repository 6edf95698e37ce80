using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

// The contiguous-row loops the normalization layers are built from. Each normalizes or differentiates one row (a
// channel plane of spatial floats, a group of planes, or a whole sample) with scalars the caller computed.
// Reductions add floats in vector lanes over blocks of Block elements and carry the block totals in a
// double, so a channel of 800k elements sums with float-vector speed and near-double accuracy. Element-wise loops use
// plain multiplies and adds (no fused multiply-add) in the same order at every vector width and in the scalar tail, so
// an element's result does not depend on where it falls in the row: GroupNorm with one group and LayerNorm produce the
// same bits from the same statistics.
internal static class NormalizationRows
{
    /// <summary>Floats added in vector lanes before the block total moves into the double accumulator.</summary>
    private const int Block = 1024;

    /// <summary>Σ (x − mean)², the second pass of a two-pass variance.</summary>
    internal static double SumSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double total = 0;
        while (n - i >= 16 && Vector512.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = Vector512.Create(mean);
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= end; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref rx, i) - m;
                acc += d * d;
            }

            total += Vector512.Sum(acc);
        }

        while (n - i >= 8 && Vector256.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = Vector256.Create(mean);
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= end; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref rx, i) - m;
                acc += d * d;
            }

            total += Vector256.Sum(acc);
        }

        while (n - i >= (nuint)Vector<float>.Count)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = new Vector<float>(mean);
            var acc = Vector<float>.Zero;
            for (; i + (nuint)Vector<float>.Count <= end; i += (nuint)Vector<float>.Count)
            {
                var d = Vector.LoadUnsafe(ref rx, i) - m;
                acc += d * d;
            }

            total += Vector.Sum(acc);
        }

        for (; i < n; i++)
        {
            double d = Unsafe.Add(ref rx, i) - mean;
            total += d * d;
        }

        return total;
    }

    /// <summary>The two sums a scalar-affine backward needs from one row: Σ dy and Σ dy·(x − mean).</summary>
    internal static (double SumDy, double SumDyXc) SumGradients(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rx = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double sumDy = 0, sumDyXc = 0;
        while (n - i >= 16 && Vector512.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = Vector512.Create(mean);
            Vector512<float> accDy = default, accDyXc = default;
            for (; i + 16 <= end; i += 16)
            {
                var g = Vector512.LoadUnsafe(ref rdy, i);
                accDy += g;
                accDyXc += g * (Vector512.LoadUnsafe(ref rx, i) - m);
            }

            sumDy += Vector512.Sum(accDy);
            sumDyXc += Vector512.Sum(accDyXc);
        }

        while (n - i >= 8 && Vector256.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = Vector256.Create(mean);
            Vector256<float> accDy = default, accDyXc = default;
            for (; i + 8 <= end; i += 8)
            {
                var g = Vector256.LoadUnsafe(ref rdy, i);
                accDy += g;
                accDyXc += g * (Vector256.LoadUnsafe(ref rx, i) - m);
            }

            sumDy += Vector256.Sum(accDy);
            sumDyXc += Vector256.Sum(accDyXc);
        }

        while (n - i >= (nuint)Vector<float>.Count)
        {
            nuint end = i + Math.Min(n - i, Block);
            var m = new Vector<float>(mean);
            Vector<float> accDy = default, accDyXc = default;
            for (; i + (nuint)Vector<float>.Count <= end; i += (nuint)Vector<float>.Count)
            {
                var g = Vector.LoadUnsafe(ref rdy, i);
                accDy += g;
                accDyXc += g * (Vector.LoadUnsafe(ref rx, i) - m);
            }

            sumDy += Vector.Sum(accDy);
            sumDyXc += Vector.Sum(accDyXc);
        }

        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref rdy, i);
            sumDy += g;
            sumDyXc += g * (Unsafe.Add(ref rx, i) - mean);
        }

        return (sumDy, sumDyXc);
    }

    /// <summary>y = (x − mean)·invStd·gamma + beta with one gamma and beta for the whole row (a channel plane).</summary>
    internal static void NormalizeRow(ReadOnlySpan<float> x, float mean, float invStd, float gamma, float beta, Span<float> y) =>
        Normalize(x, mean, invStd, new Broadcast(gamma), new Broadcast(beta), y);

    /// <summary>y = (x − mean)·invStd·gamma[i] + beta[i] with an element-wise gamma and beta (LayerNorm).</summary>
    internal static void NormalizeRowElementwise(ReadOnlySpan<float> x, float mean, float invStd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y) =>
        Normalize(x, mean, invStd, new Elements(gamma), new Elements(beta), y);

    /// <summary>dx += (invStd·gamma)·dy + kX·(x − mean) + k0, with one gamma for the whole row.</summary>
    internal static void AddInputGradientRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, float gamma, float kX, float k0, Span<float> dx) =>
        AddInputGradient(dy, x, mean, invStd, new Broadcast(gamma), kX, k0, dx);

    /// <summary>dx += (invStd·gamma[i])·dy + kX·(x − mean) + k0, with an element-wise gamma (LayerNorm).</summary>
    internal static void AddInputGradientRowElementwise(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, ReadOnlySpan<float> gamma, float kX, float k0, Span<float> dx) =>
        AddInputGradient(dy, x, mean, invStd, new Elements(gamma), kX, k0, dx);

    private static void Normalize<TG, TB>(ReadOnlySpan<float> x, float mean, float invStd, TG gamma, TB beta, Span<float> y)
        where TG : ILaneSource, allows ref struct
        where TB : ILaneSource, allows ref struct
    {
        var body = new NormalizeBody<TG, TB>(ref MemoryMarshal.GetReference(x), mean, invStd, gamma, beta, ref MemoryMarshal.GetReference(y));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    private static void AddInputGradient<TG>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, TG gamma, float kX, float k0, Span<float> dx)
        where TG : ILaneSource, allows ref struct
    {
        var body = new InputGradientBody<TG>(ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(x), mean, invStd, gamma, kX, k0, ref MemoryMarshal.GetReference(dx));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>y = ((x − mean)·invStd)·gamma + beta.</summary>
    private readonly ref struct NormalizeBody<TG, TB> : ILaneLoop
        where TG : ILaneSource, allows ref struct
        where TB : ILaneSource, allows ref struct
    {
        private readonly ref float _x;
        private readonly float _mean, _invStd;
        private readonly TG _gamma;
        private readonly TB _beta;
        private readonly ref float _y;

        public NormalizeBody(ref float x, float mean, float invStd, TG gamma, TB beta, ref float y)
        {
            _x = ref x;
            _mean = mean;
            _invStd = invStd;
            _gamma = gamma;
            _beta = beta;
            _y = ref y;
        }

        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            ((((T.Load(ref _x, i) - T.Create(_mean)) * _invStd) * _gamma.At<T>(i)) + _beta.At<T>(i)).Store(ref _y, i);
            return acc;
        }
    }

    /// <summary>dx += (((invStd·gamma)·dy) + kX·(x − mean)) + k0.</summary>
    private readonly ref struct InputGradientBody<TG> : ILaneLoop
        where TG : ILaneSource, allows ref struct
    {
        private readonly ref float _dy;
        private readonly ref float _x;
        private readonly float _mean, _invStd, _kX, _k0;
        private readonly TG _gamma;
        private readonly ref float _dx;

        public InputGradientBody(ref float dy, ref float x, float mean, float invStd, TG gamma, float kX, float k0, ref float dx)
        {
            _dy = ref dy;
            _x = ref x;
            _mean = mean;
            _invStd = invStd;
            _gamma = gamma;
            _kX = kX;
            _k0 = k0;
            _dx = ref dx;
        }

        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T term = ((((_gamma.At<T>(i) * _invStd) * T.Load(ref _dy, i)) + ((T.Load(ref _x, i) - T.Create(_mean)) * _kX)) + T.Create(_k0));
            (T.Load(ref _dx, i) + term).Store(ref _dx, i);
            return acc;
        }
    }

    /// <summary>
    /// The LayerNorm parameter gradients of one sample, dBeta[i] += dy and dGamma[i] += dy·(x − mean)·invStd, and the
    /// two sums its input gradient needs: Σ dy·gamma and Σ dy·gamma·(x − mean).
    /// </summary>
    internal static (double SumG, double SumGXc) AccumulateParameterGradientsElementwise(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, ReadOnlySpan<float> gamma, Span<float> dGamma, Span<float> dBeta)
    {
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rg = ref MemoryMarshal.GetReference(gamma);
        ref float rdg = ref MemoryMarshal.GetReference(dGamma);
        ref float rdb = ref MemoryMarshal.GetReference(dBeta);
        nuint n = (nuint)x.Length, i = 0;
        double sumG = 0, sumGXc = 0;
        while (n - i >= 16 && Vector512.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            Vector512<float> m = Vector512.Create(mean), r = Vector512.Create(invStd), accG = default, accGXc = default;
            for (; i + 16 <= end; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref rdy, i);
                var xc = Vector512.LoadUnsafe(ref rx, i) - m;
                var g = d * Vector512.LoadUnsafe(ref rg, i);
                (Vector512.LoadUnsafe(ref rdb, i) + d).StoreUnsafe(ref rdb, i);
                (Vector512.LoadUnsafe(ref rdg, i) + (d * (xc * r))).StoreUnsafe(ref rdg, i);
                accG += g;
                accGXc += g * xc;
            }

            sumG += Vector512.Sum(accG);
            sumGXc += Vector512.Sum(accGXc);
        }

        while (n - i >= 8 && Vector256.IsHardwareAccelerated)
        {
            nuint end = i + Math.Min(n - i, Block);
            Vector256<float> m = Vector256.Create(mean), r = Vector256.Create(invStd), accG = default, accGXc = default;
            for (; i + 8 <= end; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref rdy, i);
                var xc = Vector256.LoadUnsafe(ref rx, i) - m;
                var g = d * Vector256.LoadUnsafe(ref rg, i);
                (Vector256.LoadUnsafe(ref rdb, i) + d).StoreUnsafe(ref rdb, i);
                (Vector256.LoadUnsafe(ref rdg, i) + (d * (xc * r))).StoreUnsafe(ref rdg, i);
                accG += g;
                accGXc += g * xc;
            }

            sumG += Vector256.Sum(accG);
            sumGXc += Vector256.Sum(accGXc);
        }

        while (n - i >= (nuint)Vector<float>.Count)
        {
            nuint end = i + Math.Min(n - i, Block);
            Vector<float> m = new(mean), r = new(invStd), accG = default, accGXc = default;
            for (; i + (nuint)Vector<float>.Count <= end; i += (nuint)Vector<float>.Count)
            {
                var d = Vector.LoadUnsafe(ref rdy, i);
                var xc = Vector.LoadUnsafe(ref rx, i) - m;
                var g = d * Vector.LoadUnsafe(ref rg, i);
                (Vector.LoadUnsafe(ref rdb, i) + d).StoreUnsafe(ref rdb, i);
                (Vector.LoadUnsafe(ref rdg, i) + (d * (xc * r))).StoreUnsafe(ref rdg, i);
                accG += g;
                accGXc += g * xc;
            }

            sumG += Vector.Sum(accG);
            sumGXc += Vector.Sum(accGXc);
        }

        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref rdy, i);
            float xc = Unsafe.Add(ref rx, i) - mean;
            float g = d * Unsafe.Add(ref rg, i);
            Unsafe.Add(ref rdb, i) += d;
            Unsafe.Add(ref rdg, i) += d * (xc * invStd);
            sumG += g;
            sumGXc += g * xc;
        }

        return (sumG, sumGXc);
    }

    internal static int TensorSize(int batch, int channels, int spatial)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spatial);
        long size = (long)batch * channels * spatial;
        if (size > Array.MaxLength)
        {
            throw new ArgumentException($"A {batch}×{channels}×{spatial} tensor does not fit in one span.");
        }

        return (int)size;
    }

    internal static int ChannelsPerGroup(int channels, int groups)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (channels % groups != 0)
        {
            throw new ArgumentException($"{channels} channels cannot be split into {groups} equal groups.", nameof(groups));
        }

        return channels / groups;
    }
}
