using System;
using System.Collections.Generic;
using NetGen.Training;

namespace NetGen.Regularization;

/// <summary>
/// The shared part of <see cref="L2Penalty"/> and <see cref="L1Penalty"/>: a gradient transform that adds a penalty's
/// gradient to the tensors it applies to and reports the penalty. By default only weight matrices and kernels
/// (<see cref="ParameterRole.Weight"/>) are penalized; biases, normalization scales and shifts and other parameters are
/// left alone, as is usual (penalizing a bias or a normalization scale constrains nothing useful).
/// </summary>
public abstract class WeightPenalty : IGradientTransform
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="lambda">The penalty's strength; 0 or more.</param>
    /// <param name="includeAllParameters">Whether to penalize every parameter instead of the weights only.</param>
    private protected WeightPenalty(float lambda, bool includeAllParameters)
    {
        if (!(lambda >= 0f) || float.IsPositiveInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The penalty strength must be finite and 0 or more.");
        }

        Lambda = lambda;
        IncludeAllParameters = includeAllParameters;
    }

    /// <summary>The penalty's strength λ.</summary>
    public float Lambda { get; }

    /// <summary>Whether every parameter is penalized; when false (the default) only tensors with role <see cref="ParameterRole.Weight"/> are.</summary>
    public bool IncludeAllParameters { get; }

    /// <summary>Whether this penalty applies to <paramref name="tensor"/>.</summary>
    /// <param name="tensor">A parameter tensor of the network.</param>
    public bool AppliesTo(ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return IncludeAllParameters || tensor.Role == ParameterRole.Weight;
    }

    /// <summary>Adds the penalty's gradient to <paramref name="gradients"/> for the tensors it applies to; allocates nothing.</summary>
    /// <param name="network">The network whose parameters are penalized.</param>
    /// <param name="gradients">The gradients, laid out like <see cref="NetworkBase.Parameters"/>.</param>
    /// <returns>The penalty, to be added to the loss.</returns>
    public double Apply(NetworkBase network, Span<float> gradients)
    {
        ArgumentNullException.ThrowIfNull(network);
        ReadOnlySpan<float> parameters = network.Parameters;
        Kernels.Guard.Length(GetType().Name, gradients.Length, parameters.Length, nameof(gradients));

        if (IncludeAllParameters)
        {
            return PenaltyFromSum(Accumulate(parameters, gradients));
        }

        double sum = 0;
        IReadOnlyList<ParameterTensor> tensors = network.ParameterTensors;
        for (int t = 0; t < tensors.Count; t++)
        {
            ParameterTensor tensor = tensors[t];
            if (tensor.Role == ParameterRole.Weight)
            {
                sum += Accumulate(parameters.Slice(tensor.Offset, tensor.Length), gradients.Slice(tensor.Offset, tensor.Length));
            }
        }

        return PenaltyFromSum(sum);
    }

    /// <summary>Penalizes every element of a flat parameter vector (no tensor table, so no exclusions).</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="gradients">The gradients to add to, same length.</param>
    /// <returns>The penalty.</returns>
    public double Apply(ReadOnlySpan<float> parameters, Span<float> gradients)
    {
        Kernels.Guard.Length(GetType().Name, gradients.Length, parameters.Length, nameof(gradients));

        return PenaltyFromSum(Accumulate(parameters, gradients));
    }

    /// <summary>Adds the penalty's gradient for <paramref name="weights"/> to <paramref name="gradients"/> and returns the penalty's sum before scaling.</summary>
    private protected abstract double Accumulate(ReadOnlySpan<float> weights, Span<float> gradients);

    /// <summary>The penalty from the sum <see cref="Accumulate"/> returned.</summary>
    private protected abstract double PenaltyFromSum(double sum);
}

/// <summary>
/// The L2 penalty <c>½·λ·Σw²</c>: adds <c>λ·w</c> to the gradient of each penalized parameter, which is what torch's
/// <c>weight_decay</c> does in <c>SGD</c> and <c>Adam</c> (coupled weight decay), but restricted to the weights.
/// </summary>
public sealed class L2Penalty : WeightPenalty
{
    /// <summary>Creates an L2 penalty.</summary>
    /// <param name="lambda">The strength λ; 0 or more (typical values 1e-5 to 1e-3).</param>
    /// <param name="includeAllParameters">Whether to penalize biases and normalization parameters too (default false).</param>
    public L2Penalty(float lambda, bool includeAllParameters = false)
        : base(lambda, includeAllParameters)
    {
    }

    private protected override double Accumulate(ReadOnlySpan<float> weights, Span<float> gradients)
        => RegularizationKernels.AddL2Gradient(weights, gradients, Lambda);

    private protected override double PenaltyFromSum(double sum) => 0.5 * Lambda * sum;
}

/// <summary>
/// The L1 penalty <c>λ·Σ|w|</c>: adds <c>λ·sign(w)</c> to the gradient of each penalized parameter (its subgradient,
/// 0 at w = 0), which drives small weights towards zero (sparsity).
/// </summary>
public sealed class L1Penalty : WeightPenalty
{
    /// <summary>Creates an L1 penalty.</summary>
    /// <param name="lambda">The strength λ; 0 or more.</param>
    /// <param name="includeAllParameters">Whether to penalize biases and normalization parameters too (default false).</param>
    public L1Penalty(float lambda, bool includeAllParameters = false)
        : base(lambda, includeAllParameters)
    {
    }

    private protected override double Accumulate(ReadOnlySpan<float> weights, Span<float> gradients)
        => RegularizationKernels.AddL1Gradient(weights, gradients, Lambda);

    private protected override double PenaltyFromSum(double sum) => Lambda * sum;
}
