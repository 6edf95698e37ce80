using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

// The one width abstraction of the runtime's element-wise code (GEMM and convolution loops keep their own, width-tuned
// micro-kernels). A kernel writes its per-element arithmetic once, generically over "a few floats at a time"
// (ILanes<T>); LaneLoop picks the hardware width once — 512-bit vectors, else 256-bit, else Vector<float> — and walks
// the buffers with it, then finishes with narrower lanes. The lane structs are thin wrappers that the JIT erases, so
// each instantiation compiles to the same code as a hand-written loop over Vector512<float> (or Vector256<float>, ...).
// Every Vector512/Vector256.IsHardwareAccelerated test of the element-wise kernels is in this file.

/// <summary>A group of float lanes (a SIMD vector, or one float) with the arithmetic element-wise kernels need.</summary>
/// <typeparam name="TSelf">The implementing lane type.</typeparam>
internal interface ILanes<TSelf>
    where TSelf : struct, ILanes<TSelf>
{
    /// <summary>How many floats one value holds.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane zero.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Every lane one.</summary>
    static abstract TSelf One { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>The <see cref="Count"/> floats from <c>source[index]</c>.</summary>
    static abstract TSelf Load(ref float source, nuint index);

    /// <summary>Writes the lanes to <c>destination[index]</c> onwards.</summary>
    void Store(ref float destination, nuint index);

    /// <summary>The sum of the lanes (in an unspecified order).</summary>
    static abstract float Sum(TSelf x);

    static abstract TSelf Sqrt(TSelf x);

    static abstract TSelf Abs(TSelf x);

    static abstract TSelf Exp(TSelf x);

    static abstract TSelf Max(TSelf x, TSelf y);

    static abstract TSelf Min(TSelf x, TSelf y);

    /// <summary>
    /// <c>a·b + c</c>: fused (one rounding) on 512- and 256-bit lanes, whose hardware always has FMA; multiply then add
    /// on <see cref="Vector{T}"/> and scalar lanes, which may run where FMA would be a slow software fallback.
    /// </summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>
    /// <c>a·b + c</c> with one rounding on every width (emulated in software where the hardware has no FMA), for results
    /// that must not depend on the lane width.
    /// </summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>Lane by lane <c>x &gt; y ? ifTrue : ifFalse</c> (false for NaN).</summary>
    static abstract TSelf IfGreater(TSelf x, TSelf y, TSelf ifTrue, TSelf ifFalse);

    /// <summary>Lane by lane <c>x &lt; y ? ifTrue : ifFalse</c> (false for NaN).</summary>
    static abstract TSelf IfLess(TSelf x, TSelf y, TSelf ifTrue, TSelf ifFalse);

    /// <summary>
    /// Lane by lane <c>draws[index + k] &lt; threshold ? ifBelow : 0</c>, the draws compared as unsigned 32-bit integers
    /// (the keep test of the dropout masks).
    /// </summary>
    static abstract TSelf IfDrawBelow(ref uint draws, nuint index, uint threshold, TSelf ifBelow);

    /// <summary>Lane by lane the top 24 bits of <c>draws[index + k]</c> as a float, exactly (an integer below 2²⁴).</summary>
    static abstract TSelf DrawHigh24(ref uint draws, nuint index);

    static abstract TSelf operator +(TSelf x, TSelf y);

    static abstract TSelf operator -(TSelf x, TSelf y);

    static abstract TSelf operator -(TSelf x);

    static abstract TSelf operator *(TSelf x, TSelf y);

    static abstract TSelf operator /(TSelf x, TSelf y);

    static abstract TSelf operator +(TSelf x, float y);

    static abstract TSelf operator *(TSelf x, float y);

    static abstract TSelf operator /(TSelf x, float y);
}

/// <summary>
/// A loop body for <see cref="LaneLoop"/>: the work on the <c>T.Count</c> elements from one index. A reduction adds its
/// terms to the accumulator and returns it; a map returns the accumulator untouched.
/// </summary>
internal interface ILaneLoop
{
    /// <summary>Processes the elements from <paramref name="i"/>; returns <paramref name="acc"/> plus this step's terms.</summary>
    T Step<T>(nuint i, T acc)
        where T : struct, ILanes<T>;
}

/// <summary>A loop body with two sums (a reduction that needs two totals from one pass over the buffers).</summary>
internal interface ILaneSums
{
    /// <summary>Processes the elements from <paramref name="i"/>, adding its terms to the two accumulators.</summary>
    void Step<T>(nuint i, ref T first, ref T second)
        where T : struct, ILanes<T>;
}

/// <summary>An element-wise function and its derivative, written once for every lane width.</summary>
internal interface IElementFunction
{
    /// <summary>y = f(x), lane by lane.</summary>
    T Forward<T>(T x)
        where T : struct, ILanes<T>;

    /// <summary>f'(x) given x and y = f(x), lane by lane.</summary>
    T Derivative<T>(T x, T y)
        where T : struct, ILanes<T>;
}

/// <summary>A per-element operand of a loop body: one value for every element, or one value per element.</summary>
internal interface ILaneSource
{
    /// <summary>The operand's lanes for the elements from <paramref name="i"/>.</summary>
    T At<T>(nuint i)
        where T : struct, ILanes<T>;
}

/// <summary>One value for every element.</summary>
internal readonly struct Broadcast(float value) : ILaneSource
{
    public T At<T>(nuint i)
        where T : struct, ILanes<T> => T.Create(value);
}

/// <summary>One value per element, from a span aligned with the loop's buffers.</summary>
internal readonly ref struct Elements(ReadOnlySpan<float> values) : ILaneSource
{
    private readonly ref float _first = ref MemoryMarshal.GetReference(values);

    public T At<T>(nuint i)
        where T : struct, ILanes<T> => T.Load(ref _first, i);
}

/// <summary>An element-wise update <c>z = op(x, z)</c>, written once for every lane width.</summary>
internal interface ILaneOp
{
    /// <summary>The new value of z from x and the old z, lane by lane.</summary>
    T Apply<T>(T x, T z)
        where T : struct, ILanes<T>;
}

/// <summary>Runs loop bodies and element functions over flat buffers at the widest vector width the hardware has.</summary>
internal static class LaneLoop
{
    /// <summary>The widest accelerated vector, in floats: the unit of <see cref="Map"/> and <see cref="MapBackward"/>.</summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector<float>.Count;

    /// <summary>
    /// Whether <see cref="ILanes{TSelf}.MultiplyAdd"/> rounds once on the widest lanes (512- and 256-bit lanes fuse;
    /// <see cref="Vector{T}"/> and scalar lanes multiply, then add).
    /// </summary>
    public static bool FusesMultiplyAdd => Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Runs <paramref name="body"/> over indices [0, n): the widest vectors, then <see cref="Vector{T}"/>, then one float
    /// at a time. Returns the sum of the accumulators (zero for a map).
    /// </summary>
    // Fully optimized from the first call: with tiered PGO the optimizer loop was measured 2–4× slower (bench --profile).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Run<TBody>(ref TBody body, nuint n)
        where TBody : ILaneLoop, allows ref struct
    {
        var sums = new OneSum<TBody>(body);
        return Sums(ref sums, 0, n).First;
    }

    /// <summary>Runs <paramref name="body"/> over indices [<paramref name="from"/>, <paramref name="to"/>) like <see cref="Run{TBody}(ref TBody, nuint)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Run<TBody>(ref TBody body, nuint from, nuint to)
        where TBody : ILaneLoop, allows ref struct
    {
        var sums = new OneSum<TBody>(body);
        return Sums(ref sums, from, to).First;
    }

    /// <summary>
    /// Runs a two-sum <paramref name="body"/> over indices [<paramref name="from"/>, <paramref name="to"/>) like
    /// <see cref="Run{TBody}(ref TBody, nuint)"/>; returns both sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float First, float Second) Sums<TBody>(ref TBody body, nuint from, nuint to)
        where TBody : ILaneSums, allows ref struct
    {
        float first = 0f, second = 0f;
        nuint i = Widest(ref body, from, to, ref first, ref second);
        i = Steps<TBody, LanesVector>(ref body, i, to, ref first, ref second);
        Steps<TBody, Lane1>(ref body, i, to, ref first, ref second);
        return (first, second);
    }

    /// <summary>Runs <paramref name="body"/> on whole vectors of <see cref="Width"/> floats; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Widest<TBody>(ref TBody body, nuint i, nuint n, ref float first, ref float second)
        where TBody : ILaneSums, allows ref struct
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Steps<TBody, Lanes512>(ref body, i, n, ref first, ref second);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Steps<TBody, Lanes256>(ref body, i, n, ref first, ref second);
        }

        return Steps<TBody, LanesVector>(ref body, i, n, ref first, ref second);
    }

    /// <summary>
    /// Runs a map on whole vectors of <see cref="Width"/> floats; returns where it stopped. The map bodies are two-sum
    /// bodies that never touch the sums, handed over by reference: wrapped by value in <see cref="OneSum{TBody}"/>, the
    /// Tanh forward at 1M floats (AVX-512) took 570 µs against 533–541 µs this way and 537–539 µs for the hand loop
    /// of b2bfee8 (median of 100 rounds interleaved in one process, thread CPU time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MapWidest<TBody>(ref TBody body, int n)
        where TBody : ILaneSums, allows ref struct
    {
        float unused = 0f, unused2 = 0f;
        return (int)Widest(ref body, 0, (nuint)n, ref unused, ref unused2);
    }

    /// <summary>
    /// y = f(x). The last partial vector goes through a zero-padded copy of one whole vector, so an element's result never
    /// depends on where it sits in the span (fused kernels apply activations to slices and must agree with the whole).
    /// </summary>
    public static void Map<TF>(TF f, ReadOnlySpan<float> x, Span<float> y)
        where TF : struct, IElementFunction
    {
        Guard.Length("Activation", y.Length, x.Length, nameof(y));
        var body = new MapBody<TF>(f, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
        int n = x.Length, i = MapWidest(ref body, n);
        if (i < n)
        {
            int w = Width;
            Span<float> tail = stackalloc float[2 * w];
            tail.Clear();
            Span<float> tx = tail.Slice(0, w), ty = tail.Slice(w);
            x.Slice(i).CopyTo(tx);
            Map(f, tx, ty); // one whole vector
            ty.Slice(0, n - i).CopyTo(y.Slice(i));
        }
    }

    /// <summary>
    /// dx += dy·f'(x) (or dx = dy·f'(x) with <paramref name="overwriteDx"/>), the derivative computed from x and the
    /// forward output y; the tail as in <see cref="Map"/>.
    /// </summary>
    public static void MapBackward<TF>(TF f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false)
        where TF : struct, IElementFunction
    {
        int n = x.Length;
        Guard.Length("Activation", y.Length, n, nameof(y));
        Guard.Length("Activation", dy.Length, n, nameof(dy));
        Guard.Length("Activation", dx.Length, n, nameof(dx));
        int i;
        if (overwriteDx)
        {
            var body = new MapBackwardBody<TF, Overwrite>(f, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(dx));
            i = MapWidest(ref body, n);
        }
        else
        {
            var body = new MapBackwardBody<TF, Accumulate>(f, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(dx));
            i = MapWidest(ref body, n);
        }

        if (i < n)
        {
            int w = Width;
            Span<float> tail = stackalloc float[4 * w];
            tail.Clear();
            Span<float> tx = tail.Slice(0, w), ty = tail.Slice(w, w), tdy = tail.Slice(2 * w, w), tdx = tail.Slice(3 * w, w);
            x.Slice(i).CopyTo(tx);
            y.Slice(i).CopyTo(ty);
            dy.Slice(i).CopyTo(tdy);
            dx.Slice(i).CopyTo(tdx);
            MapBackward(f, tx, ty, tdy, tdx, overwriteDx); // one whole vector
            tdx.Slice(0, n - i).CopyTo(dx.Slice(i));
        }
    }

    /// <summary><c>z[i] = op(x[i], z[i])</c> over the length of <paramref name="x"/> (checked by the caller).</summary>
    public static void Apply<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> z)
        where TOp : struct, ILaneOp
    {
        var body = new ApplyBody<TOp>(op, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(z));
        Run(ref body, (nuint)x.Length);
    }

    /// <summary><c>z[i] = op(z[i], z[i])</c> in place: a unary map.</summary>
    public static void Apply<TOp>(TOp op, Span<float> z)
        where TOp : struct, ILaneOp
    {
        var body = new InPlaceBody<TOp>(op, ref MemoryMarshal.GetReference(z));
        Run(ref body, (nuint)z.Length);
    }

    /// <summary>Applies the body to whole groups of <typeparamref name="T"/> from <paramref name="i"/>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Steps<TBody, T>(ref TBody body, nuint i, nuint n, ref float first, ref float second)
        where TBody : ILaneSums, allows ref struct
        where T : struct, ILanes<T>
    {
        nuint count = (nuint)T.Count;
        if (i + count > n)
        {
            return i;
        }

        T acc = T.Zero, acc2 = T.Zero;
        for (; i + count <= n; i += count)
        {
            body.Step(i, ref acc, ref acc2);
        }

        first += T.Sum(acc);
        second += T.Sum(acc2);
        return i;
    }

    /// <summary>An <see cref="ILaneLoop"/> as a two-sum body whose second sum stays zero.</summary>
    private ref struct OneSum<TBody>(TBody body) : ILaneSums
        where TBody : ILaneLoop, allows ref struct
    {
        private TBody _body = body;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T> => first = _body.Step(i, first);
    }

    private readonly ref struct ApplyBody<TOp> : ILaneLoop
        where TOp : struct, ILaneOp
    {
        private readonly TOp _op;
        private readonly ref float _x;
        private readonly ref float _z;

        public ApplyBody(TOp op, ref float x, ref float z)
        {
            _op = op;
            _x = ref x;
            _z = ref z;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            _op.Apply(T.Load(ref _x, i), T.Load(ref _z, i)).Store(ref _z, i);
            return acc;
        }
    }

    private readonly ref struct InPlaceBody<TOp> : ILaneLoop
        where TOp : struct, ILaneOp
    {
        private readonly TOp _op;
        private readonly ref float _z;

        public InPlaceBody(TOp op, ref float z)
        {
            _op = op;
            _z = ref z;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T z = T.Load(ref _z, i);
            _op.Apply(z, z).Store(ref _z, i);
            return acc;
        }
    }

    private readonly ref struct MapBody<TF> : ILaneSums
        where TF : struct, IElementFunction
    {
        private readonly TF _f;
        private readonly ref float _x;
        private readonly ref float _y;

        public MapBody(TF f, ref float x, ref float y)
        {
            _f = f;
            _x = ref x;
            _y = ref y;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T> => _f.Forward(T.Load(ref _x, i)).Store(ref _y, i);
    }

    /// <summary>How a backward map stores <c>dy·f'</c> into dx at an index: added to it, or overwriting it.</summary>
    private interface IDxStore
    {
        static abstract void Store<T>(T dy, T derivative, ref float dx, nuint i)
            where T : struct, ILanes<T>;
    }

    /// <summary><c>dx += dy·f'</c> (one rounding on the fused widths).</summary>
    private readonly struct Accumulate : IDxStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store<T>(T dy, T derivative, ref float dx, nuint i)
            where T : struct, ILanes<T> => T.MultiplyAdd(dy, derivative, T.Load(ref dx, i)).Store(ref dx, i);
    }

    /// <summary><c>dx = dy·f'</c>: what <see cref="Accumulate"/> gives on a zeroed dx, without reading dx.</summary>
    private readonly struct Overwrite : IDxStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store<T>(T dy, T derivative, ref float dx, nuint i)
            where T : struct, ILanes<T> => (dy * derivative).Store(ref dx, i);
    }

    private readonly ref struct MapBackwardBody<TF, TStore> : ILaneSums
        where TF : struct, IElementFunction
        where TStore : struct, IDxStore
    {
        private readonly TF _f;
        private readonly ref float _x;
        private readonly ref float _y;
        private readonly ref float _dy;
        private readonly ref float _dx;

        public MapBackwardBody(TF f, ref float x, ref float y, ref float dy, ref float dx)
        {
            _f = f;
            _x = ref x;
            _y = ref y;
            _dy = ref dy;
            _dx = ref dx;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<T>(nuint i, ref T first, ref T second)
            where T : struct, ILanes<T>
        {
            T d = _f.Derivative(T.Load(ref _x, i), T.Load(ref _y, i));
            TStore.Store(T.Load(ref _dy, i), d, ref _dx, i);
        }
    }
}

/// <summary>Sixteen floats in a <see cref="Vector512{T}"/>.</summary>
internal readonly struct Lanes512(Vector512<float> v) : ILanes<Lanes512>
{
    private readonly Vector512<float> _v = v;

    public static int Count => Vector512<float>.Count;

    public static Lanes512 Zero => new(Vector512<float>.Zero);

    public static Lanes512 One => new(Vector512<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 x) => Vector512.Sum(x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Abs(Lanes512 x) => new(Vector512.Abs(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Exp(Lanes512 x) => new(Vector512.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 x, Lanes512 y) => new(Vector512.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Min(Lanes512 x, Lanes512 y) => new(Vector512.Min(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 FusedMultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 IfGreater(Lanes512 x, Lanes512 y, Lanes512 ifTrue, Lanes512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 IfLess(Lanes512 x, Lanes512 y, Lanes512 ifTrue, Lanes512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 IfDrawBelow(ref uint draws, nuint index, uint threshold, Lanes512 ifBelow) =>
        new(Vector512.LessThan(Vector512.LoadUnsafe(ref draws, index), Vector512.Create(threshold)).AsSingle() & ifBelow._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 DrawHigh24(ref uint draws, nuint index) =>
        new(Vector512.ConvertToSingle(Vector512.ShiftRightLogical(Vector512.LoadUnsafe(ref draws, index), 8).AsInt32()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 x, Lanes512 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 x, Lanes512 y) => new(x._v - y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 x) => new(-x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 x, Lanes512 y) => new(x._v * y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 x, Lanes512 y) => new(x._v / y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 x, float y) => new(x._v + Vector512.Create(y));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 x, float y) => new(x._v * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 x, float y) => new(x._v / y);
}

/// <summary>Eight floats in a <see cref="Vector256{T}"/>.</summary>
internal readonly struct Lanes256(Vector256<float> v) : ILanes<Lanes256>
{
    private readonly Vector256<float> _v = v;

    public static int Count => Vector256<float>.Count;

    public static Lanes256 Zero => new(Vector256<float>.Zero);

    public static Lanes256 One => new(Vector256<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes256 x) => Vector256.Sum(x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Abs(Lanes256 x) => new(Vector256.Abs(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Exp(Lanes256 x) => new(Vector256.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 x, Lanes256 y) => new(Vector256.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Min(Lanes256 x, Lanes256 y) => new(Vector256.Min(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 FusedMultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 IfGreater(Lanes256 x, Lanes256 y, Lanes256 ifTrue, Lanes256 ifFalse) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 IfLess(Lanes256 x, Lanes256 y, Lanes256 ifTrue, Lanes256 ifFalse) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 IfDrawBelow(ref uint draws, nuint index, uint threshold, Lanes256 ifBelow) =>
        new(Vector256.LessThan(Vector256.LoadUnsafe(ref draws, index), Vector256.Create(threshold)).AsSingle() & ifBelow._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 DrawHigh24(ref uint draws, nuint index) =>
        new(Vector256.ConvertToSingle(Vector256.ShiftRightLogical(Vector256.LoadUnsafe(ref draws, index), 8).AsInt32()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 x, Lanes256 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 x, Lanes256 y) => new(x._v - y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 x) => new(-x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 x, Lanes256 y) => new(x._v * y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 x, Lanes256 y) => new(x._v / y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 x, float y) => new(x._v + Vector256.Create(y));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 x, float y) => new(x._v * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 x, float y) => new(x._v / y);
}

/// <summary><see cref="Vector{T}.Count"/> floats in a <see cref="Vector{T}"/>: the portable width.</summary>
internal readonly struct LanesVector(Vector<float> v) : ILanes<LanesVector>
{
    private readonly Vector<float> _v = v;

    public static int Count => Vector<float>.Count;

    public static LanesVector Zero => new(Vector<float>.Zero);

    public static LanesVector One => new(Vector<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Create(float value) => new(new Vector<float>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Load(ref float source, nuint index) => new(Vector.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(LanesVector x) => Vector.Sum(x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Sqrt(LanesVector x) => new(Vector.SquareRoot(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Abs(LanesVector x) => new(Vector.Abs(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Exp(LanesVector x) => new(Vector.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Max(LanesVector x, LanesVector y) => new(Vector.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Min(LanesVector x, LanesVector y) => new(Vector.Min(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector MultiplyAdd(LanesVector a, LanesVector b, LanesVector c) => new((a._v * b._v) + c._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector FusedMultiplyAdd(LanesVector a, LanesVector b, LanesVector c) => new(Vector.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector IfGreater(LanesVector x, LanesVector y, LanesVector ifTrue, LanesVector ifFalse) =>
        new(Vector.ConditionalSelect(Vector.GreaterThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector IfLess(LanesVector x, LanesVector y, LanesVector ifTrue, LanesVector ifFalse) =>
        new(Vector.ConditionalSelect(Vector.LessThan(x._v, y._v), ifTrue._v, ifFalse._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector IfDrawBelow(ref uint draws, nuint index, uint threshold, LanesVector ifBelow) =>
        new(Vector.AsVectorSingle(Vector.LessThan(Vector.LoadUnsafe(ref draws, index), new Vector<uint>(threshold))) & ifBelow._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector DrawHigh24(ref uint draws, nuint index) =>
        new(Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.ShiftRightLogical(Vector.LoadUnsafe(ref draws, index), 8))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator +(LanesVector x, LanesVector y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator -(LanesVector x, LanesVector y) => new(x._v - y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator -(LanesVector x) => new(-x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator *(LanesVector x, LanesVector y) => new(x._v * y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator /(LanesVector x, LanesVector y) => new(x._v / y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator +(LanesVector x, float y) => new(x._v + new Vector<float>(y));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator *(LanesVector x, float y) => new(x._v * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator /(LanesVector x, float y) => new(x._v / y);
}

/// <summary>One float: the scalar tail. Same IEEE operations as the vector lanes, so the tail rounds identically (except <see cref="Exp"/>).</summary>
internal readonly struct Lane1(float v) : ILanes<Lane1>
{
    private readonly float _v = v;

    public static int Count => 1;

    public static Lane1 Zero => new(0f);

    public static Lane1 One => new(1f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = _v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lane1 x) => x._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Sqrt(Lane1 x) => new(MathF.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Abs(Lane1 x) => new(MathF.Abs(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Exp(Lane1 x) => new(MathF.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Max(Lane1 x, Lane1 y) => new(MathF.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Min(Lane1 x, Lane1 y) => new(MathF.Min(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 MultiplyAdd(Lane1 a, Lane1 b, Lane1 c) => new((a._v * b._v) + c._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 FusedMultiplyAdd(Lane1 a, Lane1 b, Lane1 c) => new(MathF.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 IfGreater(Lane1 x, Lane1 y, Lane1 ifTrue, Lane1 ifFalse) => x._v > y._v ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 IfLess(Lane1 x, Lane1 y, Lane1 ifTrue, Lane1 ifFalse) => x._v < y._v ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 IfDrawBelow(ref uint draws, nuint index, uint threshold, Lane1 ifBelow) =>
        Unsafe.Add(ref draws, index) < threshold ? ifBelow : Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 DrawHigh24(ref uint draws, nuint index) => new((int)(Unsafe.Add(ref draws, index) >> 8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator +(Lane1 x, Lane1 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator -(Lane1 x, Lane1 y) => new(x._v - y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator -(Lane1 x) => new(-x._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator *(Lane1 x, Lane1 y) => new(x._v * y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator /(Lane1 x, Lane1 y) => new(x._v / y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator +(Lane1 x, float y) => new(x._v + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator *(Lane1 x, float y) => new(x._v * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator /(Lane1 x, float y) => new(x._v / y);
}
