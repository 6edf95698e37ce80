using System;

namespace NetGen.Training;

/// <summary>A learning-rate schedule: the trainer asks it for the rate before every optimizer step.</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (counting from 0) of <paramref name="totalSteps"/>.</summary>
    /// <param name="step">The zero-based index of the step about to be taken.</param>
    /// <param name="totalSteps">The number of steps in the whole run.</param>
    /// <param name="baseLearningRate">The optimizer's learning rate when training started.</param>
    float GetLearningRate(long step, long totalSteps, float baseLearningRate);
}

/// <summary>
/// Cosine annealing without restarts (Loshchilov &amp; Hutter, SGDR): the rate falls from the base rate to
/// <c>MinimumFactor × base</c> along half a cosine over the whole run.
/// </summary>
/// <param name="minimumFactor">The final rate as a fraction of the base rate, in [0, 1] (default 0).</param>
public sealed class CosineSchedule(float minimumFactor = 0f) : ILearningRateSchedule
{
    /// <summary>The final rate as a fraction of the base rate.</summary>
    public float MinimumFactor { get; } = minimumFactor is >= 0f and <= 1f
        ? minimumFactor
        : throw new ArgumentOutOfRangeException(nameof(minimumFactor), minimumFactor, "The minimum factor must be in [0, 1].");

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
    {
        double progress = totalSteps <= 1 ? 0 : Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        double factor = MinimumFactor + ((1 - MinimumFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        return (float)(baseLearningRate * factor);
    }
}
