using System;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using static NetGen.Optimizers.RulePieces;

namespace NetGen.Optimizers;

/// <summary>
/// AdaGrad (Duchi et al., 2011): each parameter's step is divided by the root of its summed squared gradients, with
/// the semantics of <c>torch.optim.Adagrad</c>.
/// </summary>
/// <remarks>
/// Per element at step t: <c>g += weightDecay·p; sum += g²; p −= lr / (1 + (t − 1)·lrDecay) · g / (√sum + ε)</c>.
/// </remarks>
public sealed class AdaGrad : Optimizer
{
    /// <summary>Creates an AdaGrad optimizer; the defaults are torch's.</summary>
    /// <param name="learningRate">The step size; zero or more.</param>
    /// <param name="learningRateDecay">The decay of the step size: step t uses <c>lr / (1 + (t − 1)·decay)</c>; zero or more.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient as <c>weightDecay·p</c>; zero or more.</param>
    /// <param name="initialAccumulatorValue">The starting value of the squared-gradient sum; zero or more.</param>
    /// <param name="epsilon">Added to the root of the sum to avoid dividing by zero; zero or more.</param>
    public AdaGrad(float learningRate = 0.01f, float learningRateDecay = 0f, float weightDecay = 0f, float initialAccumulatorValue = 0f, float epsilon = 1e-10f)
        : base(learningRate, "sum")
    {
        LearningRateDecay = NonNegative("lr_decay", learningRateDecay);
        WeightDecay = NonNegative("weight_decay", weightDecay);
        InitialAccumulatorValue = NonNegative("initial_accumulator_value", initialAccumulatorValue);
        Epsilon = NonNegative("eps", epsilon);
    }

    /// <summary>The decay of the step size with the step count.</summary>
    public float LearningRateDecay { get; }

    /// <summary>The coupled L2 penalty factor added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>The value the squared-gradient sum starts from.</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>The term added to the denominator.</summary>
    public float Epsilon { get; }

    private protected override void InitializeState() => Array.Fill(StateBuffer(0), InitialAccumulatorValue);

    private protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        var rule = new Rule
        {
            Sum = StateBuffer(0),
            WeightDecay = WeightDecay,
            Epsilon = Epsilon,
            StepSize = (float)(LearningRate / (1.0 + (StepCount - 1) * (double)LearningRateDecay)),
        };
        UpdateLoop.Run(ref rule, parameters, gradients);
    }

    private struct Rule : IUpdateRule
    {
        public float[] Sum;
        public float WeightDecay, Epsilon, StepSize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly T Update<T>(T param, T grad, nuint index)
            where T : struct, ILanes<T>
        {
            grad = WithL2(grad, param, WeightDecay);
            T sum = Store(Sum, index, Load<T>(Sum, index) + grad * grad);
            return param - grad * StepSize / (T.Sqrt(sum) + Epsilon);
        }
    }
}
