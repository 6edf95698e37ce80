using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

// The one loop every optimizer runs. An optimizer writes its update rule once, generically over "a few floats at a
// time" (IFloatLanes<T>); UpdateLoop.Run instantiates that rule at 512-bit, 256-bit, Vector<float> and scalar width
// and walks the flat buffers with it: widest vectors first, then the narrower ones, then a scalar tail. The lane
// structs are thin wrappers that the JIT erases, so each instantiation compiles to the same code as a hand-written
// loop over Vector512<float> (or Vector256<float>, ...).

/// <summary>A group of float lanes (a SIMD vector, or one float for the tail) with the arithmetic update rules need.</summary>
internal interface IFloatLanes<TSelf>
    where TSelf : struct, IFloatLanes<TSelf>
{
    /// <summary>How many floats one value holds.</summary>
    static abstract int Count { get; }

    static abstract TSelf Load(ref float source, nuint index);

    void Store(ref float destination, nuint index);

    static abstract TSelf Sqrt(TSelf x);

    static abstract TSelf Max(TSelf x, TSelf y);

    static abstract TSelf operator +(TSelf x, TSelf y);

    static abstract TSelf operator -(TSelf x, TSelf y);

    static abstract TSelf operator *(TSelf x, TSelf y);

    static abstract TSelf operator /(TSelf x, TSelf y);

    static abstract TSelf operator +(TSelf x, float y);

    static abstract TSelf operator *(TSelf x, float y);

    static abstract TSelf operator /(TSelf x, float y);
}

/// <summary>An element-wise optimizer update: new parameter values from the old ones and the gradients.</summary>
internal interface IUpdateRule
{
    /// <summary>
    /// Returns the updated parameters at <paramref name="index"/>; reads and writes the rule's own state buffers at the
    /// same index.
    /// </summary>
    T Update<T>(T param, T grad, nuint index)
        where T : struct, IFloatLanes<T>;
}

/// <summary>Runs an <see cref="IUpdateRule"/> over flat buffers at the widest vector width the hardware has.</summary>
internal static class UpdateLoop
{
    /// <summary><c>parameters[i] = rule.Update(parameters[i], gradients[i], i)</c> for every i; lengths are checked by the caller.</summary>
    // Fully optimized from the first call: with tiered PGO the loop was measured 2–4× slower (bench --profile).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TRule>(ref TRule rule, Span<float> parameters, ReadOnlySpan<float> gradients)
        where TRule : struct, IUpdateRule
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = RunAt<TRule, Lanes512>(ref rule, ref p, ref g, i, n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = RunAt<TRule, Lanes256>(ref rule, ref p, ref g, i, n);
        }

        i = RunAt<TRule, LanesVector>(ref rule, ref p, ref g, i, n);
        RunAt<TRule, Lane1>(ref rule, ref p, ref g, i, n);
    }

    /// <summary>Applies the rule to whole groups of <typeparamref name="T"/> from <paramref name="i"/>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint RunAt<TRule, T>(ref TRule rule, ref float p, ref float g, nuint i, nuint n)
        where TRule : struct, IUpdateRule
        where T : struct, IFloatLanes<T>
    {
        nuint count = (nuint)T.Count;
        for (; i + count <= n; i += count)
        {
            rule.Update(T.Load(ref p, i), T.Load(ref g, i), i).Store(ref p, i);
        }

        return i;
    }
}

/// <summary>Sixteen floats in a <see cref="Vector512{T}"/>.</summary>
internal readonly struct Lanes512(Vector512<float> v) : IFloatLanes<Lanes512>
{
    private readonly Vector512<float> _v = v;

    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 x, Lanes512 y) => new(Vector512.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 x, Lanes512 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 x, Lanes512 y) => new(x._v - y._v);

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
internal readonly struct Lanes256(Vector256<float> v) : IFloatLanes<Lanes256>
{
    private readonly Vector256<float> _v = v;

    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 x, Lanes256 y) => new(Vector256.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 x, Lanes256 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 x, Lanes256 y) => new(x._v - y._v);

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

/// <summary><see cref="Vector{T}.Count"/> floats in a <see cref="Vector{T}"/>: the portable fallback.</summary>
internal readonly struct LanesVector(Vector<float> v) : IFloatLanes<LanesVector>
{
    private readonly Vector<float> _v = v;

    public static int Count => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Load(ref float source, nuint index) => new(Vector.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Sqrt(LanesVector x) => new(Vector.SquareRoot(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector Max(LanesVector x, LanesVector y) => new(Vector.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator +(LanesVector x, LanesVector y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesVector operator -(LanesVector x, LanesVector y) => new(x._v - y._v);

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

/// <summary>One float: the scalar tail. Same IEEE operations as the vector lanes, so the tail rounds identically.</summary>
internal readonly struct Lane1(float v) : IFloatLanes<Lane1>
{
    private readonly float _v = v;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = _v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Sqrt(Lane1 x) => new(MathF.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Max(Lane1 x, Lane1 y) => new(MathF.Max(x._v, y._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator +(Lane1 x, Lane1 y) => new(x._v + y._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 operator -(Lane1 x, Lane1 y) => new(x._v - y._v);

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
