using System;
using NetGen.Training;

namespace NetGen.Regularization;

/// <summary>
/// Gradient clipping as a gradient transform, with the semantics of torch's <c>nn.utils.clip_grad_norm_</c>
/// (<see cref="ByGlobalNorm"/>) and <c>nn.utils.clip_grad_value_</c> (<see cref="ByValue"/>). Clipping applies to every
/// parameter; put it after the penalties in <see cref="TrainerOptions.GradientTransforms"/> so that it bounds the
/// gradient the optimizer actually sees.
/// </summary>
public abstract class GradientClipping : IGradientTransform
{
    private protected GradientClipping()
    {
    }

    /// <summary>Clips the gradient vector of all parameters together to a Euclidean norm of at most <paramref name="maxNorm"/>.</summary>
    /// <param name="maxNorm">The largest allowed global L2 norm; positive.</param>
    public static GlobalNormClipping ByGlobalNorm(float maxNorm) => new(maxNorm);

    /// <summary>Clamps every gradient element to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <param name="clipValue">The largest allowed magnitude; positive.</param>
    public static ValueClipping ByValue(float clipValue) => new(clipValue);

    /// <summary>
    /// Scales <paramref name="gradients"/> by <c>min(1, maxNorm / (‖g‖₂ + 1e-6))</c>, like torch's
    /// <c>clip_grad_norm_(parameters, maxNorm)</c>; when the norm is NaN or infinite the gradients are left unchanged
    /// (so that the trainer's finite check can name the tensor that failed). Allocates nothing.
    /// </summary>
    /// <param name="gradients">The gradients to clip in place.</param>
    /// <param name="maxNorm">The largest allowed norm; positive.</param>
    /// <returns>The norm before clipping, as torch returns it.</returns>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        CheckPositive(maxNorm, nameof(maxNorm));
        double norm = Math.Sqrt(Kernels.DoubleSums.SumOfSquares(gradients));
        if (double.IsFinite(norm))
        {
            double coefficient = maxNorm / (norm + 1e-6);
            if (coefficient < 1)
            {
                RegularizationKernels.Scale(gradients, (float)coefficient);
            }
        }

        return (float)norm;
    }

    /// <summary>Clamps every element of <paramref name="gradients"/> to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>], like torch's <c>clip_grad_value_</c>.</summary>
    /// <param name="gradients">The gradients to clip in place.</param>
    /// <param name="clipValue">The largest allowed magnitude; positive.</param>
    public static void ClipByValue(Span<float> gradients, float clipValue)
    {
        CheckPositive(clipValue, nameof(clipValue));
        RegularizationKernels.Clamp(gradients, clipValue);
    }

    /// <summary>Clips <paramref name="gradients"/> in place; returns 0 (clipping adds nothing to the loss).</summary>
    /// <param name="network">The network being trained.</param>
    /// <param name="gradients">The gradients to clip.</param>
    public abstract double Apply(NetworkBase network, Span<float> gradients);

    private protected static void CheckPositive(float value, string name)
    {
        if (!(value > 0f) || float.IsPositiveInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        }
    }
}

/// <summary>Clips the global L2 norm of the gradients (see <see cref="GradientClipping.ClipByGlobalNorm"/>).</summary>
public sealed class GlobalNormClipping : GradientClipping
{
    internal GlobalNormClipping(float maxNorm)
    {
        CheckPositive(maxNorm, nameof(maxNorm));
        MaxNorm = maxNorm;
    }

    /// <summary>The largest allowed global norm.</summary>
    public float MaxNorm { get; }

    /// <summary>The global norm of the gradients before clipping at the last <see cref="Apply"/> (NaN before the first), for logging.</summary>
    public float LastNorm { get; private set; } = float.NaN;

    /// <inheritdoc />
    public override double Apply(NetworkBase network, Span<float> gradients)
    {
        LastNorm = ClipByGlobalNorm(gradients, MaxNorm);
        return 0;
    }
}

/// <summary>Clamps each gradient element (see <see cref="GradientClipping.ClipByValue"/>).</summary>
public sealed class ValueClipping : GradientClipping
{
    internal ValueClipping(float clipValue)
    {
        CheckPositive(clipValue, nameof(clipValue));
        ClipValue = clipValue;
    }

    /// <summary>The largest allowed magnitude of a gradient element.</summary>
    public float ClipValue { get; }

    /// <inheritdoc />
    public override double Apply(NetworkBase network, Span<float> gradients)
    {
        ClipByValue(gradients, ClipValue);
        return 0;
    }
}
