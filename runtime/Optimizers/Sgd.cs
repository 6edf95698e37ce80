using System;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using static NetGen.Optimizers.RulePieces;

namespace NetGen.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum, dampening and coupled L2 weight decay, with
/// the semantics of <c>torch.optim.SGD</c>.
/// </summary>
/// <remarks>
/// Per element, with gradient g: <c>g += weightDecay·p</c>; with momentum μ, the velocity is <c>v = g</c> on the first
/// step and <c>v = μ·v + (1 − dampening)·g</c> after, and g becomes <c>g + μ·v</c> (Nesterov) or <c>v</c>; finally
/// <c>p −= lr·g</c>. This is the cs231n form <c>v = ρ·v + g; p −= lr·v</c>.
/// </remarks>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates an SGD optimizer; the defaults are torch's.</summary>
    /// <param name="learningRate">The step size; zero or more.</param>
    /// <param name="momentum">The momentum factor μ in [0, 1]; 0 turns momentum off.</param>
    /// <param name="dampening">The dampening of the gradient's contribution to the velocity, in [0, 1].</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient as <c>weightDecay·p</c>; zero or more.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum; needs a positive momentum and zero dampening.</param>
    public Sgd(float learningRate = 1e-3f, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(learningRate, momentum != 0f ? ["momentum_buffer"] : [])
    {
        Momentum = Fraction("momentum", momentum);
        Dampening = Fraction("dampening", dampening);
        WeightDecay = NonNegative("weight_decay", weightDecay);
        Nesterov = Flag("nesterov", nesterov);
        if (nesterov && (momentum == 0f || dampening != 0f))
        {
            throw new ArgumentException(
                $"Nesterov momentum needs momentum > 0 and dampening 0, but momentum is {momentum} and dampening {dampening}.",
                nameof(nesterov));
        }
    }

    /// <summary>The momentum factor μ; 0 means plain SGD.</summary>
    public float Momentum { get; }

    /// <summary>The dampening applied to the gradient when it is added to the velocity.</summary>
    public float Dampening { get; }

    /// <summary>The coupled L2 penalty factor added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the update uses Nesterov momentum (<c>p −= lr·(g + μ·v)</c>).</summary>
    public bool Nesterov { get; }

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        var rule = new Rule
        {
            Velocity = Momentum != 0f ? StateBuffer(0) : [],
            Momentum = Momentum,
            OneMinusDampening = (float)(1.0 - Dampening),
            WeightDecay = WeightDecay,
            LearningRate = LearningRate,
            Nesterov = Nesterov,
            FirstStep = StepCount == 1,
        };
        UpdateLoop.Run(ref rule, parameters, gradients);
    }

    private struct Rule : IUpdateRule
    {
        public float[] Velocity;
        public float Momentum, OneMinusDampening, WeightDecay, LearningRate;
        public bool Nesterov, FirstStep;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly T Update<T>(T param, T grad, nuint index)
            where T : struct, ILanes<T>
        {
            grad = WithL2(grad, param, WeightDecay);
            if (Momentum != 0f)
            {
                // v = g on the first step (torch clones the gradient), then v = μ·v + (1 − dampening)·g.
                T velocity = Store(Velocity, index, FirstStep ? grad : Load<T>(Velocity, index) * Momentum + grad * OneMinusDampening);
                grad = Nesterov ? grad + velocity * Momentum : velocity;
            }

            return param - grad * LearningRate;
        }
    }
}
