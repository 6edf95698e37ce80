using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Kernels;

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
        CheckRange(alpha, 0f, 1f, nameof(alpha));
        CheckRange(epsilon, 0f, float.PositiveInfinity, nameof(epsilon), maxInclusive: false);
        CheckRange(weightDecay, 0f, float.PositiveInfinity, nameof(weightDecay), maxInclusive: false);
        CheckRange(momentum, 0f, 1f, nameof(momentum));
        Alpha = alpha;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Momentum = momentum;
        Centered = centered;
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

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["alpha"] = Alpha,
        ["eps"] = Epsilon,
        ["weight_decay"] = WeightDecay,
        ["momentum"] = Momentum,
        ["centered"] = Centered ? 1 : 0,
    };

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
            if (WeightDecay != 0f)
            {
                grad += param * WeightDecay;
            }

            ref float s = ref MemoryMarshal.GetArrayDataReference(SquareAvg);
            T squareAvg = T.Load(ref s, index) * Alpha + grad * OneMinusAlpha * grad;
            squareAvg.Store(ref s, index);

            T denominator;
            if (Centered)
            {
                ref float a = ref MemoryMarshal.GetArrayDataReference(GradAvg);
                T gradAvg = T.Load(ref a, index) * Alpha + grad * OneMinusAlpha;
                gradAvg.Store(ref a, index);
                denominator = T.Sqrt(squareAvg - gradAvg * gradAvg) + Epsilon;
            }
            else
            {
                denominator = T.Sqrt(squareAvg) + Epsilon;
            }

            if (Momentum > 0f)
            {
                ref float b = ref MemoryMarshal.GetArrayDataReference(MomentumBuffer);
                T buffer = T.Load(ref b, index) * Momentum + grad / denominator;
                buffer.Store(ref b, index);
                return param - buffer * LearningRate;
            }

            return param - grad * LearningRate / denominator;
        }
    }
}
