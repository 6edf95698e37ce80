namespace NetGen.Optimizers;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019): Adam with weight decay decoupled from the gradient, with the semantics of
/// <c>torch.optim.AdamW</c>; the parameters shrink by <c>1 − lr·weightDecay</c> before each Adam update.
/// </summary>
/// <remarks>
/// Unlike <see cref="Adam"/>'s L2 penalty, the decay here does not pass through the adaptive denominator, so every
/// weight decays at the same relative rate whatever its gradient history.
/// </remarks>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates an AdamW optimizer; the defaults are torch's (note the weight decay of 0.01).</summary>
    /// <param name="learningRate">The step size; zero or more.</param>
    /// <param name="beta1">The decay rate of the first-moment (mean) estimate, in [0, 1).</param>
    /// <param name="beta2">The decay rate of the second-moment (uncentered variance) estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator to avoid dividing by zero; zero or more.</param>
    /// <param name="weightDecay">The decoupled decay: each step multiplies the parameters by <c>1 − lr·weightDecay</c>; zero or more.</param>
    /// <param name="amsGrad">Whether to use the AMSGrad variant, which divides by the running maximum of the second moment.</param>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f, bool amsGrad = false)
        : base(learningRate, beta1, beta2, epsilon, weightDecay, amsGrad, decoupledDecay: true)
    {
    }
}
