using System;
using System.Collections.Generic;

namespace NetGen.Optimizers;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019): Adam with weight decay decoupled from the gradient, with the semantics of
/// <c>torch.optim.AdamW</c>; the parameters shrink by <c>1 − lr·weightDecay</c> before each Adam update.
/// </summary>
/// <remarks>
/// Unlike <see cref="Adam"/>'s L2 penalty, the decay here does not pass through the adaptive denominator, so every
/// weight decays at the same relative rate whatever its gradient history.
/// </remarks>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates an AdamW optimizer; the defaults are torch's (note the weight decay of 0.01).</summary>
    /// <param name="learningRate">The step size; zero or more.</param>
    /// <param name="beta1">The decay rate of the first-moment (mean) estimate, in [0, 1).</param>
    /// <param name="beta2">The decay rate of the second-moment (uncentered variance) estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator to avoid dividing by zero; zero or more.</param>
    /// <param name="weightDecay">The decoupled decay: each step multiplies the parameters by <c>1 − lr·weightDecay</c>; zero or more.</param>
    /// <param name="amsGrad">Whether to use the AMSGrad variant, which divides by the running maximum of the second moment.</param>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f, bool amsGrad = false)
        : base(learningRate, AdamRule.StateNames(amsGrad))
    {
        AdamRule.CheckArguments(beta1, beta2, epsilon, weightDecay);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        AmsGrad = amsGrad;
    }

    /// <summary>The decay rate of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>The decay rate of the second-moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>The term added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>The decoupled weight decay factor.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant is used.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["beta1"] = Beta1,
        ["beta2"] = Beta2,
        ["eps"] = Epsilon,
        ["weight_decay"] = WeightDecay,
        ["amsgrad"] = AmsGrad ? 1 : 0,
    };

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        // torch: param.mul_(1 - lr * weight_decay), the factor computed in double.
        float decay = (float)(1.0 - (double)LearningRate * WeightDecay);
        var rule = AdamRule.Create(this, Beta1, Beta2, Epsilon, AmsGrad, l2: 0f, decoupledDecay: decay);
        UpdateLoop.Run(ref rule, parameters, gradients);
    }
}
