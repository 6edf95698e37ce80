using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        var body = new SquaredDeviations(ref MemoryMarshal.GetReference(x), mean);
        return SumBlocks(ref body, x.Length).First;
    }

    /// <summary>The two sums a scalar-affine backward needs from one row: Σ dy and Σ dy·(x − mean).</summary>
    internal static (double SumDy, double SumDyXc) SumGradients(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        var body = new GradientSums<StoredGradient>(new StoredGradient(ref MemoryMarshal.GetReference(dy)), ref MemoryMarshal.GetReference(x), mean);
        return SumBlocks(ref body, x.Length);
    }

    /// <summary>Both sums of a body over blocks of <see cref="Block"/> floats, each block's float totals added in double.</summary>
    private static (double First, double Second) SumBlocks<TBody>(ref TBody body, int length)
        where TBody : ILaneSums, allows ref struct
    {
        nuint n = (nuint)length;
        double first = 0, second = 0;
        for (nuint start = 0; start < n; start += Block)
        {
            (float a, float b) = LaneLoop.Sums(ref body, start, Math.Min(start + Block, n));
            first += a;
            second += b;
        }

        return (first, second);
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

    /// <summary>
    /// y = (x − mean)·invStd·gamma + beta and a = max(0, y), one gamma and beta for the row: a batch norm and the ReLU
    /// after it in one pass, each output bit for bit what <see cref="NormalizeRow"/> and the ReLU kernel write.
    /// </summary>
    internal static void NormalizeReluRow(ReadOnlySpan<float> x, float mean, float invStd, float gamma, float beta, Span<float> y, Span<float> a)
    {
        Normalize(x, mean, invStd, new Broadcast(gamma), new Broadcast(beta), new ReluOutputs(ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(a)));
    }

    /// <summary>
    /// <see cref="SumGradients"/> behind a ReLU: Σ g and Σ g·(x − mean) for g = da·(y &gt; 0 ? 1 : 0), the batch norm's
    /// output y recomputed from x exactly as the forward wrote it (so g is the ReLU backward's dx, bit for bit).
    /// </summary>
    internal static (double SumDy, double SumDyXc) SumReluGradients(ReadOnlySpan<float> da, ReadOnlySpan<float> x, float mean, float invStd, float gamma, float beta)
    {
        var body = new GradientSums<ReluGradient>(new ReluGradient(ref MemoryMarshal.GetReference(da), mean, invStd, gamma, beta), ref MemoryMarshal.GetReference(x), mean);
        return SumBlocks(ref body, x.Length);
    }

    /// <summary><see cref="AddInputGradientRow"/> behind a ReLU: dy = da·(y &gt; 0 ? 1 : 0) with y recomputed from x.</summary>
    internal static void AddReluInputGradientRow(
        ReadOnlySpan<float> da, ReadOnlySpan<float> x, float mean, float invStd, float gamma, float beta, float kX, float k0, Span<float> dx)
    {
        var body = new InputGradientBody<Broadcast, ReluGradient>(
            new ReluGradient(ref MemoryMarshal.GetReference(da), mean, invStd, gamma, beta), ref MemoryMarshal.GetReference(x), mean, invStd, new Broadcast(gamma), kX, k0,
            ref MemoryMarshal.GetReference(dx));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>The batch norm's output as the forward computes it: ((x − mean)·invStd)·gamma + beta, no fused multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Normalized<T>(T x, float mean, float invStd, float gamma, float beta)
        where T : struct, ILanes<T> =>
        (((x - T.Create(mean)) * invStd) * T.Create(gamma)) + T.Create(beta);

    /// <summary>Where a normalized row goes: y alone, or y and a ReLU's output.</summary>
    private interface INormalizedOutput
    {
        /// <summary>Stores the normalized lanes <paramref name="y"/> of the elements from <paramref name="i"/>.</summary>
        void Store<T>(nuint i, T y)
            where T : struct, ILanes<T>;
    }

    /// <summary>y.</summary>
    private readonly ref struct RowOutput : INormalizedOutput
    {
        private readonly ref float _y;

        public RowOutput(ref float y) => _y = ref y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store<T>(nuint i, T y)
            where T : struct, ILanes<T> => y.Store(ref _y, i);
    }

    /// <summary>y and a = max(y, 0).</summary>
    private readonly ref struct ReluOutputs : INormalizedOutput
    {
        private readonly ref float _y;
        private readonly ref float _a;

        public ReluOutputs(ref float y, ref float a)
        {
            _y = ref y;
            _a = ref a;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store<T>(nuint i, T y)
            where T : struct, ILanes<T>
        {
            y.Store(ref _y, i);
            T.Max(y, T.Zero).Store(ref _a, i);
        }
    }

    /// <summary>A batch norm's output gradient at each element: stored, or formed from the ReLU after it.</summary>
    private interface IOutputGradient
    {
        /// <summary>The gradient's lanes for the elements from <paramref name="i"/>, whose inputs are <paramref name="x"/>.</summary>
        T At<T>(nuint i, T x)
            where T : struct, ILanes<T>;
    }

    /// <summary>dy as stored.</summary>
    private readonly ref struct StoredGradient : IOutputGradient
    {
        private readonly ref float _dy;

        public StoredGradient(ref float dy) => _dy = ref dy;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T At<T>(nuint i, T x)
            where T : struct, ILanes<T> => T.Load(ref _dy, i);
    }

    /// <summary>da·(y &gt; 0 ? 1 : 0): the ReLU's backward, y recomputed from x as the forward computed it.</summary>
    private readonly ref struct ReluGradient : IOutputGradient
    {
        private readonly ref float _da;
        private readonly float _mean, _invStd, _gamma, _beta;

        public ReluGradient(ref float da, float mean, float invStd, float gamma, float beta)
        {
            _da = ref da;
            _mean = mean;
            _invStd = invStd;
            _gamma = gamma;
            _beta = beta;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T At<T>(nuint i, T x)
            where T : struct, ILanes<T> =>
            T.Load(ref _da, i) * T.IfGreater(Normalized(x, _mean, _invStd, _gamma, _beta), T.Zero, T.One, T.Zero);
    }

    private static void Normalize<TG, TB>(ReadOnlySpan<float> x, float mean, float invStd, TG gamma, TB beta, Span<float> y)
        where TG : ILaneSource, allows ref struct
        where TB : ILaneSource, allows ref struct =>
        Normalize(x, mean, invStd, gamma, beta, new RowOutput(ref MemoryMarshal.GetReference(y)));

    private static void Normalize<TG, TB, TOut>(ReadOnlySpan<float> x, float mean, float invStd, TG gamma, TB beta, TOut output)
        where TG : ILaneSource, allows ref struct
        where TB : ILaneSource, allows ref struct
        where TOut : INormalizedOutput, allows ref struct
    {
        var body = new NormalizeBody<TG, TB, TOut>(ref MemoryMarshal.GetReference(x), mean, invStd, gamma, beta, output);
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    private static void AddInputGradient<TG>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, TG gamma, float kX, float k0, Span<float> dx)
        where TG : ILaneSource, allows ref struct
    {
        var body = new InputGradientBody<TG, StoredGradient>(
            new StoredGradient(ref MemoryMarshal.GetReference(dy)), ref MemoryMarshal.GetReference(x), mean, invStd, gamma, kX, k0, ref MemoryMarshal.GetReference(dx));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>y = ((x − mean)·invStd)·gamma + beta, stored by <typeparamref name="TOut"/>.</summary>
    private readonly ref struct NormalizeBody<TG, TB, TOut> : ILaneLoop
        where TG : ILaneSource, allows ref struct
        where TB : ILaneSource, allows ref struct
        where TOut : INormalizedOutput, allows ref struct
    {
        private readonly ref float _x;
        private readonly float _mean, _invStd;
        private readonly TG _gamma;
        private readonly TB _beta;
        private readonly TOut _output;

        public NormalizeBody(ref float x, float mean, float invStd, TG gamma, TB beta, TOut output)
        {
            _x = ref x;
            _mean = mean;
            _invStd = invStd;
            _gamma = gamma;
            _beta = beta;
            _output = output;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            _output.Store(i, (((T.Load(ref _x, i) - T.Create(_mean)) * _invStd) * _gamma.At<T>(i)) + _beta.At<T>(i));
            return acc;
        }
    }

    /// <summary>dx += (((invStd·gamma)·dy) + kX·(x − mean)) + k0.</summary>
    private readonly ref struct InputGradientBody<TG, TDy> : ILaneLoop
        where TG : ILaneSource, allows ref struct
        where TDy : IOutputGradient, allows ref struct
    {
        private readonly TDy _dy;
        private readonly ref float _x;
        private readonly float _mean, _invStd, _kX, _k0;
        private readonly TG _gamma;
        private readonly ref float _dx;

        public InputGradientBody(TDy dy, ref float x, float mean, float invStd, TG gamma, float kX, float k0, ref float dx)
        {
            _dy = dy;
            _x = ref x;
            _mean = mean;
            _invStd = invStd;
            _gamma = gamma;
            _kX = kX;
            _k0 = k0;
            _dx = ref dx;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T x = T.Load(ref _x, i);
            T term = (((_gamma.At<T>(i) * _invStd) * _dy.At(i, x)) + ((x - T.Create(_mean)) * _kX)) + T.Create(_k0);
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
        var body = new ParameterGradientBody(
            ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(x), mean, invStd, ref MemoryMarshal.GetReference(gamma),
            ref MemoryMarshal.GetReference(dGamma), ref MemoryMarshal.GetReference(dBeta));
        return SumBlocks(ref body, x.Length);
    }

    /// <summary>Σ (x − mean)².</summary>
    private readonly ref struct SquaredDeviations : ILaneSums
    {
        private readonly ref float _x;
        private readonly float _mean;

        public SquaredDeviations(ref float x, float mean)
        {
            _x = ref x;
            _mean = mean;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T>
        {
            T xc = T.Load(ref _x, i) - T.Create(_mean);
            first += xc * xc;
        }
    }

    /// <summary>Σ g and Σ g·(x − mean) for a batch norm's output gradient g.</summary>
    private readonly ref struct GradientSums<TDy> : ILaneSums
        where TDy : IOutputGradient, allows ref struct
    {
        private readonly TDy _dy;
        private readonly ref float _x;
        private readonly float _mean;

        public GradientSums(TDy dy, ref float x, float mean)
        {
            _dy = dy;
            _x = ref x;
            _mean = mean;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T>
        {
            T x = T.Load(ref _x, i);
            T g = _dy.At(i, x);
            first += g;
            second += g * (x - T.Create(_mean));
        }
    }

    /// <summary>dBeta += dy, dGamma += dy·((x − mean)·invStd); sums Σ dy·gamma and Σ dy·gamma·(x − mean).</summary>
    private readonly ref struct ParameterGradientBody : ILaneSums
    {
        private readonly ref float _dy;
        private readonly ref float _x;
        private readonly float _mean, _invStd;
        private readonly ref float _gamma;
        private readonly ref float _dGamma;
        private readonly ref float _dBeta;

        public ParameterGradientBody(ref float dy, ref float x, float mean, float invStd, ref float gamma, ref float dGamma, ref float dBeta)
        {
            _dy = ref dy;
            _x = ref x;
            _mean = mean;
            _invStd = invStd;
            _gamma = ref gamma;
            _dGamma = ref dGamma;
            _dBeta = ref dBeta;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T>
        {
            T d = T.Load(ref _dy, i);
            T xc = T.Load(ref _x, i) - T.Create(_mean);
            T g = d * T.Load(ref _gamma, i);
            (T.Load(ref _dBeta, i) + d).Store(ref _dBeta, i);
            (T.Load(ref _dGamma, i) + (d * (xc * _invStd))).Store(ref _dGamma, i);
            first += g;
            second += g * xc;
        }
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

    /// <summary>
    /// The length checks of a normalization forward: x and y hold <paramref name="size"/> floats, gamma and beta one per
    /// channel (or feature), the saved mean and inverse deviation one per normalized group (<paramref name="statistics"/>).
    /// </summary>
    internal static void CheckForward(string kernel, int size, int channels, int statistics, int x, int gamma, int beta, int y, int saveMean, int saveInvStd)
    {
        Guard.Length(kernel, x, size, nameof(x));
        Guard.Length(kernel, gamma, channels, nameof(gamma));
        Guard.Length(kernel, beta, channels, nameof(beta));
        Guard.Length(kernel, y, size, nameof(y));
        Guard.Length(kernel, saveMean, statistics, nameof(saveMean));
        Guard.Length(kernel, saveInvStd, statistics, nameof(saveInvStd));
    }

    /// <summary>The length checks of batch norm's per-channel vectors: scale, shift, running mean and running variance.</summary>
    internal static void CheckStatistics(string kernel, int channels, int gamma, int beta, int runningMean, int runningVar)
    {
        Guard.Length(kernel, gamma, channels, nameof(gamma));
        Guard.Length(kernel, beta, channels, nameof(beta));
        Guard.Length(kernel, runningMean, channels, nameof(runningMean));
        Guard.Length(kernel, runningVar, channels, nameof(runningVar));
    }

    /// <summary>
    /// The length checks of a normalization backward, with the shapes of <see cref="CheckForward"/>; dx may be empty
    /// (skipped), the parameter gradients hold one float per channel.
    /// </summary>
    internal static void CheckBackward(
        string kernel, int size, int channels, int statistics, int x, int gamma, int saveMean, int saveInvStd, int dy, int dx, int dGamma, int dBeta)
    {
        Guard.Length(kernel, x, size, nameof(x));
        Guard.Length(kernel, gamma, channels, nameof(gamma));
        Guard.Length(kernel, saveMean, statistics, nameof(saveMean));
        Guard.Length(kernel, saveInvStd, statistics, nameof(saveInvStd));
        Guard.Length(kernel, dy, size, nameof(dy));
        Guard.LengthOrEmpty(kernel, dx, size, nameof(dx));
        Guard.Length(kernel, dGamma, channels, nameof(dGamma));
        Guard.Length(kernel, dBeta, channels, nameof(dBeta));
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
