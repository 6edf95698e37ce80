using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch.optim.lr_scheduler;

namespace NetGen.Tests.Optimization;

/// <summary>
/// Each schedule against the torch.optim.lr_scheduler class it mirrors (through TorchSharp): a torch SGD optimizer is
/// stepped N times with its scheduler stepped after each optimizer step, and the learning rate it used at step k must
/// equal ours for step k. Schedules TorchSharp lacks (CosineAnnealingWarmRestarts) are checked against an independent
/// transcription of torch's recurrence.
/// </summary>
public class LearningRateScheduleTests(ITestOutputHelper output)
{
    private const float BaseRate = 0.2f;

    /// <summary>
    /// Ours is computed in double and rounded to float; torch's in double (some recursively). The float rounding alone
    /// is 6e-8 relative; a wrong boundary (off-by-one step) or a wrong formula differs by percents.
    /// </summary>
    private const double RelativeTolerance = 1e-6;

    [Fact]
    public void StepDecay_matches_torch_StepLR_for_100_steps()
        => AssertMatchesTorch("StepLR(7, 0.5)", new StepDecay(7, 0.5f), o => StepLR(o, 7, 0.5), 100);

    [Fact]
    public void ExponentialDecay_matches_torch_ExponentialLR_for_100_steps()
        => AssertMatchesTorch("ExponentialLR(0.97)", new ExponentialDecay(0.97f), o => ExponentialLR(o, 0.97), 100);

    [Fact]
    public void CosineSchedule_without_restarts_matches_torch_CosineAnnealingLR_with_T_max_of_the_run()
        => AssertMatchesTorch("CosineAnnealingLR(T_max=59, eta_min=0.1·base)", new CosineSchedule(0.1f), o => CosineAnnealingLR(o, 59, eta_min: 0.1 * BaseRate), 60);

    [Fact]
    public void CosineSchedule_with_restarts_matches_torch_CosineAnnealingLR_over_the_first_period()
        => AssertMatchesTorch("CosineAnnealingLR(T_max=25) over T0 = 25", CosineSchedule.WithWarmRestarts(25, 2, 0.05f), o => CosineAnnealingLR(o, 25, eta_min: 0.05 * BaseRate), 25);

    [Theory]
    [InlineData(5, 1, 0f)]
    [InlineData(5, 2, 0.1f)]
    [InlineData(3, 3, 0f)]
    public void CosineSchedule_with_restarts_matches_torch_CosineAnnealingWarmRestarts_recurrence(int period, int multiplier, float minimumFactor)
    {
        // torch's CosineAnnealingWarmRestarts.step(): T_cur += 1; if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult.
        var schedule = CosineSchedule.WithWarmRestarts(period, multiplier, minimumFactor);
        double etaMin = minimumFactor * BaseRate;
        int tCur = 0, tI = period, restarts = 0;
        double worst = 0;
        for (int step = 0; step < 200; step++)
        {
            double expected = etaMin + ((BaseRate - etaMin) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2);
            float ours = schedule.GetLearningRate(step, 200, BaseRate);
            worst = Math.Max(worst, Math.Abs(ours - expected) / BaseRate);
            if (tCur == 0)
            {
                restarts++;
                Assert.Equal(BaseRate, ours); // a warm restart returns exactly to the base rate
            }

            tCur++;
            if (tCur >= tI)
            {
                tCur -= tI;
                tI *= multiplier;
            }
        }

        output.WriteLine($"SGDR T0={period} Tmult={multiplier} eta_min={minimumFactor}·base: {restarts} restarts in 200 steps, max relative difference {worst:E2}.");
        Assert.True(restarts >= 3, "The run should cover several restarts.");
        Assert.True(worst <= RelativeTolerance, $"Differs from the recurrence by {worst:E3}.");
    }

    [Fact]
    public void LinearWarmup_then_cosine_matches_torch_SequentialLR_of_LinearLR_and_CosineAnnealingLR()
    {
        // 60 steps: 10 of warm-up from 0.1·base, then cosine over the remaining 50 (T_max = 49, the last step at the minimum).
        var schedule = new LinearWarmup(10, new CosineSchedule(), startFactor: 0.1f);
        AssertMatchesTorch(
            "SequentialLR([LinearLR(0.1, 1, 10), CosineAnnealingLR(49)], [10])",
            schedule,
            o => SequentialLR(o, [LinearLR(o, 0.1, 1.0, 10), CosineAnnealingLR(o, 49)], [10]),
            60);
    }

    [Fact]
    public void LinearWarmup_alone_matches_torch_LinearLR()
        => AssertMatchesTorch("LinearLR(0.25, 1, 8)", new LinearWarmup(8, startFactor: 0.25f), o => LinearLR(o, 0.25, 1.0, 8), 30);

    [Fact]
    public void PerEpoch_step_decay_matches_torch_StepLR_stepped_once_per_epoch()
    {
        // 13 batches per epoch, 8 epochs; torch's scheduler is stepped only at the end of each epoch.
        const int batchesPerEpoch = 13;
        ILearningRateSchedule schedule = new StepDecay(3, 0.5f).PerEpoch(batchesPerEpoch);
        double[] torchRates = TorchRates(o => StepLR(o, 3, 0.5), 8 * batchesPerEpoch, stepEvery: batchesPerEpoch);
        AssertClose("StepLR(3, 0.5) per epoch", schedule, torchRates);
        Assert.Equal(BaseRate * 0.25f, schedule.GetLearningRate(6 * batchesPerEpoch, 8 * batchesPerEpoch, BaseRate), 6);
        Assert.Equal(4, PerEpochSchedule.BatchesPerEpoch(1000, 256));
    }

    [Fact]
    public void Schedules_reject_out_of_range_settings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(5, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => CosineSchedule.WithWarmRestarts(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CosineSchedule.WithWarmRestarts(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(5, startFactor: -0.1f));
    }

    private void AssertMatchesTorch(string name, ILearningRateSchedule schedule, Func<torch.optim.Optimizer, LRScheduler> create, int steps)
        => AssertClose(name, schedule, TorchRates(create, steps, stepEvery: 1));

    private void AssertClose(string name, ILearningRateSchedule schedule, double[] torchRates)
    {
        double worst = 0;
        int worstStep = 0;
        double distinct = torchRates.Max() - torchRates.Min();
        for (int k = 0; k < torchRates.Length; k++)
        {
            double difference = Math.Abs(schedule.GetLearningRate(k, torchRates.Length, BaseRate) - torchRates[k]) / BaseRate;
            if (difference > worst)
            {
                (worst, worstStep) = (difference, k);
            }
        }

        output.WriteLine($"{name}: {torchRates.Length} steps, rates from {torchRates.Min():G4} to {torchRates.Max():G4}, max relative difference {worst:E2} (step {worstStep}).");
        Assert.True(distinct > 0.05 * BaseRate, "The torch rates barely change; the comparison would prove little.");
        Assert.True(worst <= RelativeTolerance, $"{name}: step {worstStep} differs from torch by {worst:E3} of the base rate.");
    }

    /// <summary>The learning rate a torch SGD optimizer uses at each of <paramref name="steps"/> steps under the scheduler.</summary>
    private static double[] TorchRates(Func<torch.optim.Optimizer, LRScheduler> create, int steps, int stepEvery)
    {
        using var parameter = new Parameter(torch.zeros(1), requires_grad: true);
        var optimizer = torch.optim.SGD([parameter], BaseRate);
        LRScheduler scheduler = create(optimizer);
        var rates = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            rates[k] = optimizer.ParamGroups.First().LearningRate;
            optimizer.step();
            if ((k + 1) % stepEvery == 0)
            {
                scheduler.step();
            }
        }

        return rates;
    }
}
