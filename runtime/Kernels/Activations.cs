using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// The vector loops behind the element-wise activations (<see cref="Relu"/>, <see cref="LeakyRelu"/>, <see cref="Elu"/>,
/// <see cref="Sigmoid"/>, <see cref="Tanh"/>) and a dispatcher for fused kernels. A forward writes <c>y = f(x)</c>; a
/// backward adds <c>dy · f'(x)</c> to <c>dx</c>, using whichever of x and y gives the derivative most cheaply. Loops run on
/// the widest vectors the hardware has (<see cref="LaneLoop"/>).
/// </summary>
/// <remarks>
/// Hand-written rather than <c>TensorPrimitives</c>: the tail goes through a zero-padded whole vector, so an element's
/// result never depends on its position (fused kernels apply an activation to slices), and the speed is on par
/// (bench <c>--elementwise</c>, one short run, hand / TensorPrimitives at 16k then 1M floats: ReLU 2.05/2.28 µs and
/// 184/285 µs, sigmoid 18.4/15.1 µs and 981/1077 µs, tanh 19.9/16.5 µs and 1055/1399 µs). Backwards have no
/// TensorPrimitives counterpart.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    /// <summary>y = f(x) for one of the stateless activations, chosen by <paramref name="function"/>.</summary>
    /// <param name="function">The activation.</param>
    /// <param name="alpha">The slope of <see cref="ActivationFunction.LeakyRelu"/> or scale of <see cref="ActivationFunction.Elu"/>; ignored otherwise.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="function"/> is not a defined value.</exception>
    public static void Forward(ActivationFunction function, float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (function)
        {
            case ActivationFunction.Relu: Map(new ReluFn(), x, y); break;
            case ActivationFunction.LeakyRelu: Map(new LeakyReluFn(alpha), x, y); break;
            case ActivationFunction.Elu: Map(new EluFn(alpha), x, y); break;
            case ActivationFunction.Sigmoid: Map(new SigmoidFn(), x, y); break;
            case ActivationFunction.Tanh: Map(new TanhFn(), x, y); break;
            case ActivationFunction.Silu: Silu.Forward(x, y); break;
            case ActivationFunction.Gelu: Gelu.Forward(GeluApproximation.None, x, y); break;
            case ActivationFunction.GeluTanh: Gelu.Forward(GeluApproximation.Tanh, x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(function), function, "Not an activation function.");
        }
    }

    /// <summary>
    /// Spans of at least this many floats (1 MiB) are split into one contiguous range per compute thread. The range
    /// of a thread is then the same samples the convolution and pooling kernels give it (contiguous halves of the
    /// batch on two threads), so on a multi-core host it reads what its own core just wrote. One thread (the caller
    /// alone, as before) read the other core's half of every such span: on the 2-vCPU Zen 5 the sample CNN's ReLU
    /// after its first convolution (1.6 M floats) took 0.39 + 0.65 ms forward and backward on two threads, no less
    /// than on one. Every element is computed as on one thread (<see cref="LaneLoop.Map"/> gives an element the same
    /// value wherever it sits), so results do not depend on the thread count.
    /// </summary>
    internal const int ParallelMinFloats = 1 << 18;

    /// <summary>y = f(x) through the one width dispatch of <see cref="LaneLoop.Map"/>; long spans split over the threads.</summary>
    internal static unsafe void Map<T>(T f, ReadOnlySpan<float> x, Span<float> y)
        where T : struct, IElementFunction
    {
        int parts = Parts(x.Length);
        if (parts <= 1)
        {
            LaneLoop.Map(f, x, y);
            return;
        }

        Guard.Length("Activation", y.Length, x.Length, nameof(y));
        fixed (float* px = x, py = y)
        {
            var job = new MapJob<T> { F = f, X = px, Y = py, Length = x.Length };
            Compute.For(parts, parts, &MapPart<T>, Unsafe.AsPointer(ref job));
        }
    }

    /// <summary>
    /// dx += dy·f'(x, y) (or dx = dy·f'(x, y)) through <see cref="LaneLoop.MapBackward"/>; long spans split over the
    /// threads as in <see cref="Map"/>.
    /// </summary>
    internal static unsafe void MapBackward<T>(T f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx)
        where T : struct, IElementFunction
    {
        int parts = Parts(x.Length);
        if (parts <= 1)
        {
            LaneLoop.MapBackward(f, x, y, dy, dx, overwriteDx);
            return;
        }

        int n = x.Length;
        Guard.Length("Activation", y.Length, n, nameof(y));
        Guard.Length("Activation", dy.Length, n, nameof(dy));
        Guard.Length("Activation", dx.Length, n, nameof(dx));
        fixed (float* px = x, py = y, pdy = dy, pdx = dx)
        {
            var job = new MapJob<T> { F = f, X = px, Y = py, Dy = pdy, Dx = pdx, Length = n, OverwriteDx = overwriteDx };
            Compute.For(parts, parts, &MapBackwardPart<T>, Unsafe.AsPointer(ref job));
        }
    }

    /// <summary>How many contiguous ranges a span of <paramref name="length"/> floats is split into.</summary>
    private static int Parts(int length) =>
        length < ParallelMinFloats ? 1 : Math.Min(Compute.ThreadCount, Math.Max(1, length / (ParallelMinFloats / 2)));

    /// <summary>Range <paramref name="part"/> of <paramref name="parts"/> over <paramref name="length"/> floats, split on 64-float boundaries.</summary>
    private static (int Start, int End) Range(int length, int part, int parts) =>
        ((int)((long)length * part / parts) & ~63, part == parts - 1 ? length : (int)((long)length * (part + 1) / parts) & ~63);

    private static unsafe void MapPart<T>(void* state, int part, int parts)
        where T : struct, IElementFunction
    {
        ref MapJob<T> job = ref Unsafe.AsRef<MapJob<T>>(state);
        (int start, int end) = Range(job.Length, part, parts);
        LaneLoop.Map(job.F, new ReadOnlySpan<float>(job.X + start, end - start), new Span<float>(job.Y + start, end - start));
    }

    private static unsafe void MapBackwardPart<T>(void* state, int part, int parts)
        where T : struct, IElementFunction
    {
        ref MapJob<T> job = ref Unsafe.AsRef<MapJob<T>>(state);
        (int start, int end) = Range(job.Length, part, parts);
        int count = end - start;
        LaneLoop.MapBackward(
            job.F,
            new ReadOnlySpan<float>(job.X + start, count),
            new ReadOnlySpan<float>(job.Y + start, count),
            new ReadOnlySpan<float>(job.Dy + start, count),
            new Span<float>(job.Dx + start, count),
            job.OverwriteDx);
    }

    /// <summary>A split element-wise map as the threads see it (pointers into the caller's pinned spans).</summary>
    private unsafe struct MapJob<T>
        where T : struct, IElementFunction
    {
        public T F;
        public float* X;
        public float* Y;
        public float* Dy;
        public float* Dx;
        public int Length;
        public bool OverwriteDx;
    }

    /// <summary>The scalar loop of every reference forward: <c>y[i] = f(x[i])</c>.</summary>
    internal static void ReferenceMap(string kernel, ReadOnlySpan<float> x, Span<float> y, Func<float, float> f)
    {
        Guard.Length(kernel, y.Length, x.Length, nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = f(x[i]);
        }
    }

    /// <summary>The scalar loop of every reference backward: <c>dx[i] += dy[i]·f'(x[i], y[i])</c>.</summary>
    internal static void ReferenceMapBackward(string kernel, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, Func<float, float, float> derivative)
    {
        Guard.Length(kernel, y.Length, x.Length, nameof(y));
        Guard.Length(kernel, dy.Length, x.Length, nameof(dy));
        Guard.Length(kernel, dx.Length, x.Length, nameof(dx));
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] += dy[i] * derivative(x[i], y[i]);
        }
    }


    internal readonly struct ReluFn : IElementFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => T.Max(x, T.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> => T.IfGreater(x, T.Zero, T.One, T.Zero);
    }

    internal readonly struct LeakyReluFn(float alpha) : IElementFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => T.IfGreater(x, T.Zero, x, x * alpha);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> => T.IfGreater(x, T.Zero, T.One, T.Create(alpha));
    }

    internal readonly struct EluFn(float alpha) : IElementFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => T.IfGreater(x, T.Zero, x, (T.Exp(T.Min(x, T.Zero)) - T.One) * alpha);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> => T.IfGreater(x, T.Zero, T.One, y + alpha);
    }

    internal readonly struct SigmoidFn : IElementFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => T.One / (T.One + T.Exp(-x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> => y * (T.One - y);
    }

    internal readonly struct TanhFn : IElementFunction
    {
        // tanh(x) = 1 − 2 / (e^(2x) + 1). No clamp: where e^(2x) overflows to +∞ (x above ~44) the quotient is 0 and the
        // result exactly 1, as tanh is in float (±∞ give ±1, NaN stays NaN, at every width). The former clamp
        // T.Min(x + x, 80) compiles through the ILanes wrapper to vrangeps + two vfixupimmps where a direct
        // Vector512.Min(v, 80) gets one vminps; without it the forward at 1M floats (AVX-512) took 496–512 µs against
        // 533–541 µs (median of 100 rounds interleaved in one process, thread CPU time; b2bfee8's kernel: 537–539 µs).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => T.One - (T.Create(2f) / (T.Exp(x + x) + T.One));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> => T.One - (y * y);
    }
}

/// <summary>The ReLU kernels: <c>y = max(0, x)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Relu
{
    /// <summary>Forward: <c>y = max(0, x)</c>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Activations.Map(new Activations.ReluFn(), x, y);

    /// <summary>Backward: <c>dx += x &gt; 0 ? dy : 0</c>.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Activations.MapBackward(new Activations.ReluFn(), x, y, dy, dx, overwriteDx);

    /// <summary>The plain scalar twin of <see cref="Relu"/>, same signatures: what the vector kernel must equal.</summary>
    public static class Reference
    {
        /// <summary>Forward: <c>y = max(0, x)</c>, one element at a time.</summary>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) =>
            Activations.ReferenceMap("Relu", x, y, v => v > 0f ? v : 0f);

        /// <summary>Backward: <c>dx += x &gt; 0 ? dy : 0</c>, one element at a time.</summary>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            Activations.ReferenceMapBackward("Relu", x, y, dy, dx, (v, fy) => v > 0f ? 1f : 0f);
    }
}

/// <summary>The leaky ReLU kernels: <c>y = x &gt; 0 ? x : alpha·x</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LeakyRelu
{
    /// <summary>Forward: <c>y = x &gt; 0 ? x : alpha·x</c>.</summary>
    /// <param name="alpha">The negative slope.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(float alpha, ReadOnlySpan<float> x, Span<float> y) => Activations.Map(new Activations.LeakyReluFn(alpha), x, y);

    /// <summary>Backward: <c>dx += dy · (x &gt; 0 ? 1 : alpha)</c>.</summary>
    /// <param name="alpha">The negative slope.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Activations.MapBackward(new Activations.LeakyReluFn(alpha), x, y, dy, dx, overwriteDx);

    /// <summary>The plain scalar twin of <see cref="LeakyRelu"/>, same signatures: what the vector kernel must equal.</summary>
    public static class Reference
    {
        /// <summary>Forward: <c>y = x &gt; 0 ? x : alpha·x</c>, one element at a time.</summary>
        /// <param name="alpha">The negative slope.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(float alpha, ReadOnlySpan<float> x, Span<float> y) =>
            Activations.ReferenceMap("LeakyRelu", x, y, v => v > 0f ? v : alpha * v);

        /// <summary>Backward: <c>dx += dy · (x &gt; 0 ? 1 : alpha)</c>, one element at a time.</summary>
        /// <param name="alpha">The negative slope.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            Activations.ReferenceMapBackward("LeakyRelu", x, y, dy, dx, (v, fy) => v > 0f ? 1f : alpha);
    }
}

/// <summary>The ELU kernels: <c>y = x &gt; 0 ? x : alpha·(eˣ − 1)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Elu
{
    /// <summary>Forward: <c>y = x &gt; 0 ? x : alpha·(eˣ − 1)</c>.</summary>
    /// <param name="alpha">The scale of the negative part.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(float alpha, ReadOnlySpan<float> x, Span<float> y) => Activations.Map(new Activations.EluFn(alpha), x, y);

    /// <summary>Backward: <c>dx += dy · (x &gt; 0 ? 1 : y + alpha)</c>.</summary>
    /// <param name="alpha">The scale of the negative part.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Activations.MapBackward(new Activations.EluFn(alpha), x, y, dy, dx, overwriteDx);

    /// <summary>The plain scalar twin of <see cref="Elu"/>, same signatures: what the vector kernel must equal.</summary>
    public static class Reference
    {
        /// <summary>Forward: <c>y = x &gt; 0 ? x : alpha·(eˣ − 1)</c>, one element at a time.</summary>
        /// <param name="alpha">The scale of the negative part.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(float alpha, ReadOnlySpan<float> x, Span<float> y) =>
            Activations.ReferenceMap("Elu", x, y, v => v > 0f ? v : alpha * (MathF.Exp(v) - 1f));

        /// <summary>Backward: <c>dx += dy · (x &gt; 0 ? 1 : y + alpha)</c>, one element at a time.</summary>
        /// <param name="alpha">The scale of the negative part.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            Activations.ReferenceMapBackward("Elu", x, y, dy, dx, (v, fy) => v > 0f ? 1f : fy + alpha);
    }
}

/// <summary>The logistic sigmoid kernels: <c>y = 1 / (1 + e⁻ˣ)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Sigmoid
{
    /// <summary>Forward: <c>y = 1 / (1 + e⁻ˣ)</c>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Activations.Map(new Activations.SigmoidFn(), x, y);

    /// <summary>Backward: <c>dx += dy · y·(1 − y)</c>.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Activations.MapBackward(new Activations.SigmoidFn(), x, y, dy, dx, overwriteDx);

    /// <summary>The plain scalar twin of <see cref="Sigmoid"/>, same signatures: what the vector kernel must equal.</summary>
    public static class Reference
    {
        /// <summary>Forward: <c>y = 1 / (1 + e⁻ˣ)</c>, one element at a time.</summary>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) =>
            Activations.ReferenceMap("Sigmoid", x, y, v => 1f / (1f + MathF.Exp(-v)));

        /// <summary>Backward: <c>dx += dy · y·(1 − y)</c>, one element at a time.</summary>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            Activations.ReferenceMapBackward("Sigmoid", x, y, dy, dx, (v, fy) => fy * (1f - fy));
    }
}

/// <summary>The hyperbolic tangent kernels: <c>y = tanh(x)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Tanh
{
    /// <summary>Forward: <c>y = tanh(x)</c>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Activations.Map(new Activations.TanhFn(), x, y);

    /// <summary>Backward: <c>dx += dy · (1 − y²)</c>.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false) =>
        Activations.MapBackward(new Activations.TanhFn(), x, y, dy, dx, overwriteDx);

    /// <summary>The plain scalar twin of <see cref="Tanh"/>, same signatures: what the vector kernel must equal.</summary>
    public static class Reference
    {
        /// <summary>Forward: <c>y = tanh(x)</c>, one element at a time.</summary>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) =>
            Activations.ReferenceMap("Tanh", x, y, v => MathF.Tanh(v));

        /// <summary>Backward: <c>dx += dy · (1 − y²)</c>, one element at a time.</summary>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            Activations.ReferenceMapBackward("Tanh", x, y, dy, dx, (v, fy) => 1f - (fy * fy));
    }
}
