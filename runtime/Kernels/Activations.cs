using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Element-wise activation functions. Each <c>XxxForward(x, y)</c> writes <c>y = f(x)</c>; each
/// <c>XxxBackward(x, y, dy, dx)</c> adds <c>dy · f'(x)</c> to <c>dx</c>, using whichever of x and y gives the derivative
/// most cheaply. Loops run on 512-bit vectors where the hardware has them, then 256-bit, then <see cref="Vector{T}"/>.
/// </summary>
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
            case ActivationFunction.Relu: Map(new Relu(), x, y); break;
            case ActivationFunction.LeakyRelu: Map(new LeakyRelu(alpha), x, y); break;
            case ActivationFunction.Elu: Map(new Elu(alpha), x, y); break;
            case ActivationFunction.Sigmoid: Map(new Sigmoid(), x, y); break;
            case ActivationFunction.Tanh: Map(new Tanh(), x, y); break;
            case ActivationFunction.Silu: Silu.Forward(x, y); break;
            case ActivationFunction.Gelu: Gelu.Forward(GeluApproximation.None, x, y); break;
            case ActivationFunction.GeluTanh: Gelu.Forward(GeluApproximation.Tanh, x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(function), function, "Not an activation function.");
        }
    }

    /// <summary>y = max(0, x).</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    public static void ReluForward(ReadOnlySpan<float> x, Span<float> y) => Map(new Relu(), x, y);

    /// <summary>dx += x &gt; 0 ? dy : 0.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MapBackward(new Relu(), x, y, dy, dx);

    /// <summary>y = x &gt; 0 ? x : alpha·x.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    /// <param name="alpha">The negative slope.</param>
    public static void LeakyReluForward(ReadOnlySpan<float> x, Span<float> y, float alpha) => Map(new LeakyRelu(alpha), x, y);

    /// <summary>dx += dy · (x &gt; 0 ? 1 : alpha).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="alpha">The negative slope.</param>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha) => MapBackward(new LeakyRelu(alpha), x, y, dy, dx);

    /// <summary>y = x &gt; 0 ? x : alpha·(eˣ − 1).</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    /// <param name="alpha">The scale of the negative part.</param>
    public static void EluForward(ReadOnlySpan<float> x, Span<float> y, float alpha) => Map(new Elu(alpha), x, y);

    /// <summary>dx += dy · (x &gt; 0 ? 1 : y + alpha).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="alpha">The scale of the negative part.</param>
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha) => MapBackward(new Elu(alpha), x, y, dy, dx);

    /// <summary>y = 1 / (1 + e⁻ˣ).</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    public static void SigmoidForward(ReadOnlySpan<float> x, Span<float> y) => Map(new Sigmoid(), x, y);

    /// <summary>dx += dy · y·(1 − y).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    public static void SigmoidBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MapBackward(new Sigmoid(), x, y, dy, dx);

    /// <summary>y = tanh(x).</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length.</param>
    public static void TanhForward(ReadOnlySpan<float> x, Span<float> y) => Map(new Tanh(), x, y);

    /// <summary>dx += dy · (1 − y²).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    public static void TanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MapBackward(new Tanh(), x, y, dy, dx);

    /// <summary>y = x &gt; 0 ? x : slope[i]·x, with one slope per element (randomized leaky ReLU with given slopes).</summary>
    /// <param name="x">The input.</param>
    /// <param name="slopes">The negative slope of each element.</param>
    /// <param name="y">The output, same length.</param>
    public static void SlopedReluForward(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, Span<float> y)
    {
        if (slopes.Length != x.Length || y.Length != x.Length)
        {
            throw new ArgumentException($"Sloped ReLU needs equal lengths: x {x.Length}, slopes {slopes.Length}, y {y.Length}.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v : slopes[i] * v;
        }
    }

    /// <summary>dx += dy · (x &gt; 0 ? 1 : slope[i]).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="slopes">The slopes the forward pass used.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to); empty to skip.</param>
    public static void SlopedReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty)
        {
            return;
        }

        if (slopes.Length != x.Length || dy.Length != x.Length || dx.Length != x.Length)
        {
            throw new ArgumentException($"Sloped ReLU backward needs equal lengths: x {x.Length}, slopes {slopes.Length}, dy {dy.Length}, dx {dx.Length}.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            dx[i] += x[i] > 0f ? dy[i] : slopes[i] * dy[i];
        }
    }

    /// <summary>An element-wise function with its derivative, at every vector width.</summary>
    private interface IActivation
    {
        /// <summary>y = f(x), lane by lane.</summary>
        Vector512<float> Forward(Vector512<float> x);

        Vector256<float> Forward(Vector256<float> x);

        Vector<float> Forward(Vector<float> x);

        /// <summary>f'(x) given x and y = f(x), lane by lane.</summary>
        Vector512<float> Derivative(Vector512<float> x, Vector512<float> y);

        Vector256<float> Derivative(Vector256<float> x, Vector256<float> y);

        Vector<float> Derivative(Vector<float> x, Vector<float> y);
    }

    /// <summary>The widest accelerated vector, in floats: the unit of <see cref="Map"/> and <see cref="MapBackward"/>.</summary>
    private static int Width => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector<float>.Count;

    // Every element goes through the same vector function; the last partial vector goes through a zero-padded copy of
    // one vector, so an element's result never depends on where it sits in the span (a fused kernel applies the
    // activation to slices).
    private static void Map<T>(T f, ReadOnlySpan<float> x, Span<float> y)
        where T : struct, IActivation
    {
        if (y.Length != x.Length)
        {
            throw new ArgumentException($"The output holds {y.Length} floats but the input has {x.Length}.", nameof(y));
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                f.Forward(Vector512.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                f.Forward(Vector256.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                f.Forward(Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        if (i < n)
        {
            Span<float> tail = stackalloc float[2 * Width];
            tail.Clear();
            Span<float> tx = tail.Slice(0, Width), ty = tail.Slice(Width);
            x.Slice(i).CopyTo(tx);
            Map(f, tx, ty); // one whole vector
            ty.Slice(0, n - i).CopyTo(y.Slice(i));
        }
    }

    private static void MapBackward<T>(T f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        where T : struct, IActivation
    {
        int n = x.Length, i = 0;
        if (y.Length != n || dy.Length != n || dx.Length != n)
        {
            throw new ArgumentException($"Activation backward needs equal lengths: x {n}, y {y.Length}, dy {dy.Length}, dx {dx.Length}.");
        }

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rdx = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var d = f.Derivative(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rdy, (nuint)i), d, Vector512.LoadUnsafe(ref rdx, (nuint)i)).StoreUnsafe(ref rdx, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                var d = f.Derivative(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rdy, (nuint)i), d, Vector256.LoadUnsafe(ref rdx, (nuint)i)).StoreUnsafe(ref rdx, (nuint)i);
            }
        }
        else
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                var d = f.Derivative(Vector.LoadUnsafe(ref rx, (nuint)i), Vector.LoadUnsafe(ref ry, (nuint)i));
                (Vector.LoadUnsafe(ref rdx, (nuint)i) + (Vector.LoadUnsafe(ref rdy, (nuint)i) * d)).StoreUnsafe(ref rdx, (nuint)i);
            }
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
            MapBackward(f, tx, ty, tdy, tdx); // one whole vector
            tdx.Slice(0, n - i).CopyTo(dx.Slice(i));
        }
    }

    private readonly struct Relu : IActivation
    {
        public Vector512<float> Forward(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);

        public Vector256<float> Forward(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);

        public Vector<float> Forward(Vector<float> x) => Vector.Max(x, Vector<float>.Zero);

        public Vector512<float> Derivative(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThan(x, Vector512<float>.Zero) & Vector512<float>.One;

        public Vector256<float> Derivative(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, Vector256<float>.Zero) & Vector256<float>.One;

        public Vector<float> Derivative(Vector<float> x, Vector<float> y) => Vector.AsVectorSingle(Vector.GreaterThan(x, Vector<float>.Zero)) & Vector<float>.One;
    }

    private readonly struct LeakyRelu(float alpha) : IActivation
    {
        public Vector512<float> Forward(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * alpha);

        public Vector256<float> Forward(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * alpha);

        public Vector<float> Forward(Vector<float> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * alpha);

        public Vector512<float> Derivative(Vector512<float> x, Vector512<float> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(alpha));

        public Vector256<float> Derivative(Vector256<float> x, Vector256<float> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(alpha));

        public Vector<float> Derivative(Vector<float> x, Vector<float> y) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), Vector<float>.One, new Vector<float>(alpha));
    }

    private readonly struct Elu(float alpha) : IActivation
    {
        public Vector512<float> Forward(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, (Vector512.Exp(Vector512.Min(x, Vector512<float>.Zero)) - Vector512<float>.One) * alpha);

        public Vector256<float> Forward(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, (Vector256.Exp(Vector256.Min(x, Vector256<float>.Zero)) - Vector256<float>.One) * alpha);

        public Vector<float> Forward(Vector<float> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, (Vector.Exp(Vector.Min(x, Vector<float>.Zero)) - Vector<float>.One) * alpha);

        public Vector512<float> Derivative(Vector512<float> x, Vector512<float> y) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, y + Vector512.Create(alpha));

        public Vector256<float> Derivative(Vector256<float> x, Vector256<float> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, y + Vector256.Create(alpha));

        public Vector<float> Derivative(Vector<float> x, Vector<float> y) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), Vector<float>.One, y + new Vector<float>(alpha));
    }

    private readonly struct Sigmoid : IActivation
    {
        public Vector512<float> Forward(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

        public Vector256<float> Forward(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

        public Vector<float> Forward(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));

        public Vector512<float> Derivative(Vector512<float> x, Vector512<float> y) => y * (Vector512<float>.One - y);

        public Vector256<float> Derivative(Vector256<float> x, Vector256<float> y) => y * (Vector256<float>.One - y);

        public Vector<float> Derivative(Vector<float> x, Vector<float> y) => y * (Vector<float>.One - y);
    }

    private readonly struct Tanh : IActivation
    {
        // tanh(x) = 1 - 2 / (e^(2x) + 1); the clamp keeps e^(2x) finite, where tanh is ±1 in float anyway.
        public Vector512<float> Forward(Vector512<float> x)
        {
            var e = Vector512.Exp(Vector512.Min(x + x, Vector512.Create(80f)));
            return Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        }

        public Vector256<float> Forward(Vector256<float> x)
        {
            var e = Vector256.Exp(Vector256.Min(x + x, Vector256.Create(80f)));
            return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        }

        public Vector<float> Forward(Vector<float> x)
        {
            var e = Vector.Exp(Vector.Min(x + x, new Vector<float>(80f)));
            return Vector<float>.One - new Vector<float>(2f) / (e + Vector<float>.One);
        }

        public Vector512<float> Derivative(Vector512<float> x, Vector512<float> y) => Vector512<float>.One - (y * y);

        public Vector256<float> Derivative(Vector256<float> x, Vector256<float> y) => Vector256<float>.One - (y * y);

        public Vector<float> Derivative(Vector<float> x, Vector<float> y) => Vector<float>.One - (y * y);
    }
}
