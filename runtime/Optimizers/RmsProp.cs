using System;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using static NetGen.Optimizers.RulePieces;

namespace NetGen.Optimizers;

/// <summary>
/// RMSProp (Hinton's lecture 6e): the step is divided by a running root-mean-square of the gradients, optionally
/// centered and with momentum, with the semantics of <c>torch.optim.RMSprop</c>.
/// </summary>
/// <remarks>
/// Per element: <c>g += weightDecay·p; s = α·s + (1 − α)·g²</c>; centered also keeps <c>a = α·a + (1 − α)·g</c> and uses
/// <c>s − a²</c>; with <c>d = √(…) + ε</c> the step is <c>p −= lr·g/d</c>, or with momentum μ
/// <c>b = μ·b + g/d; p −= lr·b</c>.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates an RMSProp optimizer; the defaults are torch's.</summary>
    /// <param name="learningRate">The step size; zero or more.</param>
    /// <param name="alpha">The smoothing constant of the running averages, in [0, 1].</param>
    /// <param name="epsilon">Added to the root mean square to avoid dividing by zero; zero or more.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient as <c>weightDecay·p</c>; zero or more.</param>
    /// <param name="momentum">The momentum factor μ in [0, 1]; 0 turns momentum off.</param>
    /// <param name="centered">Whether to normalize by the estimated variance (mean square minus squared mean) instead of the mean square.</param>
    public RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f, float momentum = 0f, bool centered = false)
        : base(learningRate, StateNamesFor(momentum, centered))
    {
        Alpha = Fraction("alpha", alpha);
        Epsilon = NonNegative("eps", epsilon);
        WeightDecay = NonNegative("weight_decay", weightDecay);
        Momentum = Fraction("momentum", momentum);
        Centered = Flag("centered", centered);
    }

    /// <summary>The smoothing constant of the running averages.</summary>
    public float Alpha { get; }

    /// <summary>The term added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>The coupled L2 penalty factor added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>The momentum factor; 0 means no momentum buffer.</summary>
    public float Momentum { get; }

    /// <summary>Whether the denominator uses the centered second moment.</summary>
    public bool Centered { get; }

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        var rule = new Rule
        {
            SquareAvg = StateBuffer(0),
            GradAvg = Centered ? StateBuffer(1) : [],
            MomentumBuffer = Momentum > 0f ? StateBuffer(Centered ? 2 : 1) : [],
            Alpha = Alpha,
            OneMinusAlpha = (float)(1.0 - Alpha),
            Epsilon = Epsilon,
            WeightDecay = WeightDecay,
            Momentum = Momentum,
            LearningRate = LearningRate,
            Centered = Centered,
        };
        UpdateLoop.Run(ref rule, parameters, gradients);
    }

    private static string[] StateNamesFor(float momentum, bool centered) => (momentum > 0f, centered) switch
    {
        (false, false) => ["square_avg"],
        (false, true) => ["square_avg", "grad_avg"],
        (true, false) => ["square_avg", "momentum_buffer"],
        (true, true) => ["square_avg", "grad_avg", "momentum_buffer"],
    };

    private struct Rule : IUpdateRule
    {
        public float[] SquareAvg, GradAvg, MomentumBuffer;
        public float Alpha, OneMinusAlpha, Epsilon, WeightDecay, Momentum, LearningRate;
        public bool Centered;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly T Update<T>(T param, T grad, nuint index)
            where T : struct, ILanes<T>
        {
            grad = WithL2(grad, param, WeightDecay);
            T squareAvg = Store(SquareAvg, index, Load<T>(SquareAvg, index) * Alpha + grad * OneMinusAlpha * grad);
            T denominator;
            if (Centered)
            {
                T gradAvg = Store(GradAvg, index, Load<T>(GradAvg, index) * Alpha + grad * OneMinusAlpha);
                denominator = T.Sqrt(squareAvg - gradAvg * gradAvg) + Epsilon;
            }
            else
            {
                denominator = T.Sqrt(squareAvg) + Epsilon;
            }

            if (Momentum > 0f)
            {
                T buffer = Store(MomentumBuffer, index, Load<T>(MomentumBuffer, index) * Momentum + grad / denominator);
                return param - buffer * LearningRate;
            }

            return param - grad * LearningRate / denominator;
        }
    }
}
