using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels;

/// <summary>
/// GELU (Hendrycks &amp; Gimpel 2016): <c>y = x·Φ(x)</c> with Φ the standard normal distribution function, exactly
/// (through erfc) or with the tanh approximation, like <c>torch.nn.functional.gelu</c> with <c>approximate='none'</c> or
/// <c>'tanh'</c>. Public only for generated code.
/// </summary>
/// <remarks>
/// .NET has no erf, so Φ uses the complementary error function of Numerical Recipes (Press, Teukolsky, Vetterling &amp;
/// Flannery, <i>Numerical Recipes in C</i>, 2nd ed., 1992, §6.2, <c>erfcc</c>): a Chebyshev fit
/// <c>erfc(z) ≈ t·exp(−z² + P(t))</c>, <c>t = 1 / (1 + z/2)</c>, whose fractional error is below 1.2e-7 for every
/// z ≥ 0. A relative bound on erfc (not only an absolute one on erf, as Abramowitz &amp; Stegun 7.1.26 gives) keeps
/// <c>x·Φ(x)</c> accurate in the negative tail, where Φ is tiny. The tanh form is written as
/// <c>x·σ(2u)</c>, <c>u = √(2/π)·(x + 0.044715·x³)</c>, since <c>(1 + tanh u)/2 = σ(2u)</c> without the cancellation
/// of <c>1 + tanh u</c> near −1.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gelu
{
    // √(1/2), 1/√(2π), √(2/π) and the cubic coefficient of the tanh approximation.
    private const float InvSqrt2 = 0.70710678f, InvSqrt2Pi = 0.39894228f, Sqrt2OverPi = 0.79788456f, Cubic = 0.044715f;

    /// <summary>y = x·Φ(x), exact or tanh-approximated.</summary>
    /// <param name="approximation">Which form of Φ.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(GeluApproximation approximation, ReadOnlySpan<float> x, Span<float> y)
    {
        if (approximation == GeluApproximation.Tanh)
        {
            LaneLoop.Map(default(SigmoidGate<TanhArgument>), x, y);
        }
        else
        {
            LaneLoop.Map(default(ErfForm), x, y);
        }
    }

    /// <summary>dx += dy·(Φ(x) + x·Φ′(x)) for the same form of Φ as the forward pass.</summary>
    /// <param name="approximation">Which form of Φ the forward pass used.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output (unused; Φ is recomputed from x).</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to).</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(GeluApproximation approximation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false)
    {
        if (approximation == GeluApproximation.Tanh)
        {
            LaneLoop.MapBackward(default(SigmoidGate<TanhArgument>), x, y, dy, dx, overwriteDx);
        }
        else
        {
            LaneLoop.MapBackward(default(ErfForm), x, y, dy, dx, overwriteDx);
        }
    }

    /// <summary>Φ(x) = erfc(−x/√2)/2, with erfc from Numerical Recipes' <c>erfcc</c> on |x|/√2 and the reflection erfc(−z) = 2 − erfc(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Phi<T>(T x)
        where T : struct, ILanes<T>
    {
        T z = T.Abs(x) * T.Create(InvSqrt2);
        T t = T.One / (T.One + (T.Create(0.5f) * z));
        T p = T.Create(0.17087277f);
        p = (p * t) + T.Create(-0.82215223f);
        p = (p * t) + T.Create(1.48851587f);
        p = (p * t) + T.Create(-1.13520398f);
        p = (p * t) + T.Create(0.27886807f);
        p = (p * t) + T.Create(-0.18628806f);
        p = (p * t) + T.Create(0.09678418f);
        p = (p * t) + T.Create(0.37409196f);
        p = (p * t) + T.Create(1.00002368f);
        p = (p * t) + T.Create(-1.26551223f);
        T halfErfc = T.Create(0.5f) * t * T.Exp(p - (z * z));
        return T.IfLess(x, T.Zero, halfErfc, T.One - halfErfc);
    }

    private readonly struct ErfForm : IElementFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Forward<T>(T x)
            where T : struct, ILanes<T> => x * Phi(x);

        // Φ′(x) = e^(−x²/2)/√(2π).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Derivative<T>(T x, T y)
            where T : struct, ILanes<T> =>
            Phi(x) + (x * T.Create(InvSqrt2Pi) * T.Exp(T.Create(-0.5f) * x * x));
    }

    /// <summary>The tanh form's gate argument <c>a = 2u</c>, <c>u = √(2/π)·(x + 0.044715·x³)</c>, for <see cref="SigmoidGate{TArg}"/>.</summary>
    private readonly struct TanhArgument : IGateArgument
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Value<T>(T x)
            where T : struct, ILanes<T> => T.Create(2 * Sqrt2OverPi) * (x + (T.Create(Cubic) * x * x * x));

        // 2u′ = 2·√(2/π)·(1 + 3·0.044715·x²).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Slope<T>(T x)
            where T : struct, ILanes<T> => T.Create(2 * Sqrt2OverPi) * (T.One + (T.Create(3 * Cubic) * x * x));
    }

    /// <summary>The plain scalar twin of <see cref="Gelu"/>, in double precision, for tests to compare against.</summary>
    public static class Reference
    {
        /// <summary>y = x·Φ(x), exact or tanh-approximated.</summary>
        /// <param name="approximation">Which form of Φ.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output, same length (overwritten).</param>
        public static void Forward(GeluApproximation approximation, ReadOnlySpan<float> x, Span<float> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double v = x[i];
                y[i] = (float)(v * (approximation == GeluApproximation.Tanh ? (1 + Math.Tanh(U(v))) / 2 : Phi(v)));
            }
        }

        /// <summary>dx += dy·(Φ(x) + x·Φ′(x)).</summary>
        /// <param name="approximation">Which form of Φ the forward pass used.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output (unused).</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(GeluApproximation approximation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double v = x[i], derivative;
                if (approximation == GeluApproximation.Tanh)
                {
                    double tanh = Math.Tanh(U(v));
                    derivative = ((1 + tanh) / 2) + (v * (1 - (tanh * tanh)) / 2 * Math.Sqrt(2 / Math.PI) * (1 + (3 * 0.044715 * v * v)));
                }
                else
                {
                    derivative = Phi(v) + (v * Math.Exp(-v * v / 2) / Math.Sqrt(2 * Math.PI));
                }

                dx[i] = (float)(dx[i] + (dy[i] * derivative));
            }
        }

        private static double U(double x) => Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x));

        /// <summary>Φ(x) = erfc(−x/√2)/2 with the same Numerical Recipes erfc, in double.</summary>
        private static double Phi(double x)
        {
            double z = Math.Abs(x) / Math.Sqrt(2), t = 1 / (1 + (z / 2));
            double p = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
                + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
            double halfErfc = t * Math.Exp(p - (z * z)) / 2;
            return x < 0 ? halfErfc : 1 - halfErfc;
        }
    }
}
