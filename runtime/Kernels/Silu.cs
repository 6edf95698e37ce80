using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// SiLU, also called swish (Elfwing et al. 2018; Ramachandran et al. 2017): <c>y = x·σ(x)</c> with
/// <c>σ(x) = 1 / (1 + e⁻ˣ)</c>, like <c>torch.nn.functional.silu</c>. Public only for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Silu
{
    /// <summary>y = x·σ(x).</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => LaneLoop.Map(default(SigmoidGate<Identity>), x, y);

    /// <summary>dx += dy·σ(x)·(1 + x·(1 − σ(x))).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output (unused; σ(x) is recomputed from x).</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        LaneLoop.MapBackward(default(SigmoidGate<Identity>), x, y, dy, dx, overwriteDx);

    /// <summary>SiLU's gate argument: <c>a(x) = x</c>.</summary>
    private readonly struct Identity : IGateArgument
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Value<T>(T x)
            where T : struct, ILanes<T> => x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Slope<T>(T x)
            where T : struct, ILanes<T> => T.One;
    }

    /// <summary>The plain scalar twin of <see cref="Silu"/>, in double precision, for tests to compare against.</summary>
    public static class Reference
    {
        /// <summary>y = x·σ(x).</summary>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double v = x[i];
                y[i] = (float)(v / (1 + Math.Exp(-v)));
            }
        }

        /// <summary>dx += dy·σ(x)·(1 + x·(1 − σ(x))).</summary>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output (unused).</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double v = x[i], s = 1 / (1 + Math.Exp(-v));
                dx[i] = (float)(dx[i] + (dy[i] * s * (1 + (v * (1 - s)))));
            }
        }
    }
}

/// <summary>The argument <c>a(x)</c> of a sigmoid gate and its derivative <c>a′(x)</c>.</summary>
internal interface IGateArgument
{
    /// <summary>a(x).</summary>
    T Value<T>(T x)
        where T : struct, ILanes<T>;

    /// <summary>a′(x).</summary>
    T Slope<T>(T x)
        where T : struct, ILanes<T>;
}

/// <summary>
/// The element function <c>y = x·σ(a(x))</c> that <see cref="Silu"/> (<c>a = x</c>) and <see cref="Gelu"/>'s tanh
/// form (<c>a = 2u</c>, since <c>(1 + tanh u)/2 = σ(2u)</c>) share; the argument <typeparamref name="TArg"/> is the only
/// difference.
/// </summary>
internal readonly struct SigmoidGate<TArg> : IElementFunction
    where TArg : struct, IGateArgument
{
    // e^(−a) overflows to +∞ for a below about −88, where σ correctly becomes 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Forward<T>(T x)
        where T : struct, ILanes<T> => x * (T.One / (T.One + T.Exp(-default(TArg).Value(x))));

    // d/dx x·σ(a) = σ·(1 + x·(1 − σ)·a′) with 1 − σ = e·σ, e = e^(−a), so 1 − σ is not formed by cancellation when σ is
    // near 1. The clamp keeps e finite (σ is then below 1e-34).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Derivative<T>(T x, T y)
        where T : struct, ILanes<T>
    {
        TArg a = default;
        T e = T.Exp(T.Min(-a.Value(x), T.Create(80f)));
        T s = T.One / (T.One + e);
        return s * (T.One + (x * (e * s) * a.Slope(x)));
    }
}
