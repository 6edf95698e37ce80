using System;

namespace NetGen.Training;

/// <summary>A learning-rate schedule: the trainer asks it for the rate before every optimizer step.</summary>
/// <remarks>
/// The trainer counts in optimizer steps (mini-batches), so every schedule here counts in steps: where PyTorch's
/// <c>torch.optim.lr_scheduler</c> classes say "epoch" they mean one call of <c>scheduler.step()</c>, which the
/// schedules below take to be one optimizer step. To count in epochs instead (step sizes, periods and warm-ups in
/// epochs, the rate held constant within an epoch), wrap a schedule with
/// <see cref="LearningRateScheduleExtensions.PerEpoch"/>. Schedules are stateless functions of the step, so a resumed
/// run picks up exactly where it stopped.
/// </remarks>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (counting from 0) of <paramref name="totalSteps"/>.</summary>
    /// <param name="step">The zero-based index of the step about to be taken.</param>
    /// <param name="totalSteps">The number of steps in the whole run.</param>
    /// <param name="baseLearningRate">The optimizer's learning rate when training started.</param>
    float GetLearningRate(long step, long totalSteps, float baseLearningRate);
}

/// <summary>
/// Cosine annealing (Loshchilov &amp; Hutter, SGDR). Without restarts the rate falls from the base rate to
/// <c>MinimumFactor × base</c> along half a cosine over the whole run; with warm restarts
/// (<see cref="WithWarmRestarts"/>) it does so over periods of <c>T0, T0·Tmult, T0·Tmult², …</c> steps and jumps back to
/// the base rate at the start of each, like <c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c>.
/// </summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    /// <summary>Creates a cosine schedule without restarts that reaches the minimum on the last step of the run.</summary>
    /// <param name="minimumFactor">The final rate as a fraction of the base rate, in [0, 1] (default 0).</param>
    public CosineSchedule(float minimumFactor = 0f)
        : this(minimumFactor, restartPeriod: 0, periodMultiplier: 1)
    {
    }

    private CosineSchedule(float minimumFactor, int restartPeriod, int periodMultiplier)
    {
        MinimumFactor = minimumFactor is >= 0f and <= 1f
            ? minimumFactor
            : throw new ArgumentOutOfRangeException(nameof(minimumFactor), minimumFactor, "The minimum factor must be in [0, 1].");
        RestartPeriod = restartPeriod;
        PeriodMultiplier = periodMultiplier;
    }

    /// <summary>
    /// Creates a cosine schedule with warm restarts (SGDR), with the step semantics of torch's
    /// <c>CosineAnnealingWarmRestarts(optimizer, T_0, T_mult, eta_min)</c> stepped once per optimizer step: at step
    /// <c>t</c> of a period of <c>T_i</c> steps the rate is <c>eta_min + (base − eta_min)·(1 + cos(π·t/T_i))/2</c>.
    /// </summary>
    /// <param name="period">The length T0 of the first period, in steps; positive.</param>
    /// <param name="periodMultiplier">Tmult, the factor by which each period is longer than the one before; 1 or more.</param>
    /// <param name="minimumFactor">eta_min as a fraction of the base rate, in [0, 1].</param>
    public static CosineSchedule WithWarmRestarts(int period, int periodMultiplier = 1, float minimumFactor = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodMultiplier, 1);
        return new CosineSchedule(minimumFactor, period, periodMultiplier);
    }

    /// <summary>The lowest rate as a fraction of the base rate (torch's <c>eta_min / base_lr</c>).</summary>
    public float MinimumFactor { get; }

    /// <summary>The length of the first period in steps (torch's <c>T_0</c>), or 0 to anneal once over the whole run.</summary>
    public int RestartPeriod { get; }

    /// <summary>The factor by which each period is longer than the previous one (torch's <c>T_mult</c>).</summary>
    public int PeriodMultiplier { get; }

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
    {
        double progress;
        if (RestartPeriod == 0)
        {
            progress = totalSteps <= 1 ? 0 : Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        }
        else
        {
            // Walk the periods T0, T0·Tmult, …; at most 63 iterations when Tmult > 1, one division when Tmult == 1.
            long position = Math.Max(step, 0);
            long length = RestartPeriod;
            if (PeriodMultiplier == 1)
            {
                position %= length;
            }
            else
            {
                while (position >= length)
                {
                    position -= length;
                    length *= PeriodMultiplier;
                }
            }

            progress = (double)position / length;
        }

        double factor = MinimumFactor + ((1 - MinimumFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        return (float)(baseLearningRate * factor);
    }
}

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps: <c>base·gamma^⌊step / stepSize⌋</c>,
/// the schedule of <c>torch.optim.lr_scheduler.StepLR</c> stepped once per optimizer step.
/// </summary>
public sealed class StepDecay : ILearningRateSchedule
{
    /// <summary>Creates a step decay.</summary>
    /// <param name="stepSize">The number of steps between two decays; positive.</param>
    /// <param name="gamma">The factor applied at each decay, in (0, 1] (torch's default 0.1).</param>
    public StepDecay(int stepSize, float gamma = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        if (gamma is not (> 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The decay factor must be in (0, 1].");
        }

        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>The number of steps between two decays (torch's <c>step_size</c>).</summary>
    public int StepSize { get; }

    /// <summary>The factor applied at each decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
        => (float)(baseLearningRate * Math.Pow(Gamma, Math.Max(step, 0) / StepSize));
}

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> after every step: <c>base·gamma^step</c>, the schedule of
/// <c>torch.optim.lr_scheduler.ExponentialLR</c> stepped once per optimizer step.
/// </summary>
public sealed class ExponentialDecay : ILearningRateSchedule
{
    /// <summary>Creates an exponential decay.</summary>
    /// <param name="gamma">The factor per step, in (0, 1]; per-step factors are close to 1 (e.g. 0.9995).</param>
    public ExponentialDecay(float gamma)
    {
        if (gamma is not (> 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The decay factor must be in (0, 1].");
        }

        Gamma = gamma;
    }

    /// <summary>The factor applied after each step.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
        => (float)(baseLearningRate * Math.Pow(Gamma, Math.Max(step, 0)));
}

/// <summary>
/// Raises the rate linearly from <c>StartFactor × base</c> to the base rate over the first
/// <see cref="WarmupSteps"/> steps, then hands over to another schedule that starts counting from 0 at the end of the
/// warm-up, over the remaining steps. This is torch's
/// <c>SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), then], milestones=[warmupSteps])</c>.
/// </summary>
public sealed class LinearWarmup : ILearningRateSchedule
{
    /// <summary>Creates a linear warm-up followed by <paramref name="then"/>.</summary>
    /// <param name="warmupSteps">The number of warm-up steps; positive.</param>
    /// <param name="then">The schedule after the warm-up (for example a <see cref="CosineSchedule"/>), or null to keep the base rate.</param>
    /// <param name="startFactor">The rate of step 0 as a fraction of the base rate, in [0, 1] (default 0, as in most warm-ups).</param>
    public LinearWarmup(int warmupSteps, ILearningRateSchedule? then = null, float startFactor = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 1);
        if (startFactor is not (>= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "The start factor must be in [0, 1].");
        }

        WarmupSteps = warmupSteps;
        Then = then;
        StartFactor = startFactor;
    }

    /// <summary>The number of warm-up steps.</summary>
    public int WarmupSteps { get; }

    /// <summary>The schedule that follows the warm-up, or null for a constant base rate.</summary>
    public ILearningRateSchedule? Then { get; }

    /// <summary>The rate of the first step as a fraction of the base rate.</summary>
    public float StartFactor { get; }

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
    {
        if (step < WarmupSteps)
        {
            double factor = StartFactor + ((1.0 - StartFactor) * Math.Max(step, 0) / WarmupSteps);
            return (float)(baseLearningRate * factor);
        }

        return Then is null
            ? baseLearningRate
            : Then.GetLearningRate(step - WarmupSteps, Math.Max(totalSteps - WarmupSteps, 1), baseLearningRate);
    }
}

/// <summary>
/// Runs a schedule written in epochs on the trainer's steps: the inner schedule sees the epoch index
/// <c>⌊step / batchesPerEpoch⌋</c> and the run's length in epochs, so the rate changes only at epoch boundaries
/// (PyTorch's usual pattern of calling <c>scheduler.step()</c> once per epoch).
/// </summary>
public sealed class PerEpochSchedule : ILearningRateSchedule
{
    /// <summary>Wraps <paramref name="schedule"/> so that it counts in epochs.</summary>
    /// <param name="schedule">The schedule whose steps are epochs.</param>
    /// <param name="batchesPerEpoch">The trainer's steps per epoch (see <see cref="BatchesPerEpoch"/>); positive.</param>
    public PerEpochSchedule(ILearningRateSchedule schedule, int batchesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchesPerEpoch, 1);
        Schedule = schedule;
        StepsPerEpoch = batchesPerEpoch;
    }

    /// <summary>The schedule that counts in epochs.</summary>
    public ILearningRateSchedule Schedule { get; }

    /// <summary>The number of optimizer steps in one epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The trainer's steps per epoch for a training set and batch size (the last, partial batch counts).</summary>
    /// <param name="sampleCount">The number of training samples; positive.</param>
    /// <param name="batchSize">The batch size; positive.</param>
    public static int BatchesPerEpoch(int sampleCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return (sampleCount + batchSize - 1) / batchSize;
    }

    /// <inheritdoc />
    public float GetLearningRate(long step, long totalSteps, float baseLearningRate)
    {
        long epochs = Math.Max((totalSteps + StepsPerEpoch - 1) / StepsPerEpoch, 1);
        return Schedule.GetLearningRate(step / StepsPerEpoch, epochs, baseLearningRate);
    }
}

/// <summary>Composition helpers for <see cref="ILearningRateSchedule"/>.</summary>
public static class LearningRateScheduleExtensions
{
    /// <summary>Makes a schedule written in epochs run on the trainer's steps (see <see cref="PerEpochSchedule"/>).</summary>
    /// <param name="schedule">The schedule whose steps are epochs, e.g. <c>new StepDecay(30, 0.1f)</c> for "×0.1 every 30 epochs".</param>
    /// <param name="batchesPerEpoch">The trainer's steps per epoch, e.g. from <see cref="PerEpochSchedule.BatchesPerEpoch"/>.</param>
    public static PerEpochSchedule PerEpoch(this ILearningRateSchedule schedule, int batchesPerEpoch) => new(schedule, batchesPerEpoch);
}
