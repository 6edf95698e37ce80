using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimization;

/// <summary>The exponential moving average of weights: the formula, the trainer hook-up, swapping and buffers.</summary>
public class WeightAveragingTests(ITestOutputHelper output)
{
    [Fact]
    public void Average_matches_the_formula_after_every_update()
    {
        // shadow₀ = x₀, shadowₜ = d·shadowₜ₋₁ + (1 − d)·xₜ, tracked in double beside the float average.
        const float decay = 0.9f;
        var network = new TinyClassifier(seed: 1);
        var ema = new ExponentialMovingAverage(decay);
        ema.Reset(network);
        double[] reference = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double worst = 0;
        for (int step = 1; step <= 60; step++)
        {
            OptimizationFixtures.RandomVector(network.ParameterCount, seed: step).CopyTo(network.Parameters);
            ema.Update(network);
            for (int i = 0; i < reference.Length; i++)
            {
                reference[i] = (decay * reference[i]) + ((1 - decay) * network.Parameters[i]);
                worst = Math.Max(worst, Math.Abs(ema.Parameters[i] - reference[i]));
            }
        }

        double gap = TensorAssert.MaxAbsDiff(ema.Parameters, network.Parameters);
        output.WriteLine($"60 updates: max |average − formula| = {worst:E2}; the average is up to {gap:F3} from the last weights.");
        Assert.Equal(60, ema.UpdateCount);
        Assert.True(gap > 0.3, "The average should differ clearly from the last weights.");
        Assert.True(worst < 1e-6, $"The average strays {worst:E3} from the formula.");
    }

    [Fact]
    public void As_a_callback_it_averages_the_weights_after_every_trainer_step()
    {
        Dataset data = OptimizationFixtures.XorBlobs(16, seed: 3);
        var network = new TinyClassifier(seed: 2);
        var ema = new ExponentialMovingAverage(0.95f);
        var reference = new ReferenceAverage(0.95);
        var trainer = new Trainer(new TrainerOptions { Epochs = 4, BatchSize = 8, Callbacks = [ema, reference] });
        trainer.Fit(network, new Sgd(0.2f, momentum: 0.9f), data, null);

        double difference = TensorAssert.MaxAbsDiff(ema.Parameters, reference.Average.Select(v => (float)v).ToArray());
        output.WriteLine($"{ema.UpdateCount} steps: max |callback − reference| = {difference:E2}.");
        Assert.Equal(4 * 8, ema.UpdateCount);
        Assert.True(difference < 1e-6);
    }

    [Fact]
    public void Swap_uses_the_averaged_weights_and_restores_the_live_ones_bit_for_bit()
    {
        Dataset data = OptimizationFixtures.XorBlobs(16, seed: 4);
        var network = new TinyClassifier(seed: 3);
        var ema = new ExponentialMovingAverage(0.8f);
        new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 8, Callbacks = [ema] }).Fit(network, new Sgd(0.5f), data, null);

        float[] live = network.Parameters.ToArray();
        float[] averaged = ema.Parameters.ToArray();
        EvaluationResult liveResult = Trainer.Evaluate(network, data);
        EvaluationResult averagedResult;
        using (ema.Swap(network))
        {
            Assert.True(ema.IsSwapped);
            Assert.Equal(averaged, network.Parameters.ToArray());
            Assert.Throws<InvalidOperationException>(() => ema.Update(network));
            averagedResult = Trainer.Evaluate(network, data);
        }

        output.WriteLine($"Loss with live weights {liveResult.Loss:F5}, with averaged weights {averagedResult.Loss:F5}.");
        Assert.NotEqual(liveResult.Loss, averagedResult.Loss);
        Assert.False(ema.IsSwapped);
        Assert.Equal(live, network.Parameters.ToArray());
        Assert.Equal(averaged, ema.Parameters.ToArray());

        // Disposing a scope twice restores once: the second disposal must not swap the average back in.
        AveragedWeightsScope scope = ema.Swap(network);
        scope.Dispose();
        scope.Dispose();
        Assert.Equal(live, network.Parameters.ToArray());

        ema.CopyTo(network);
        Assert.Equal(averaged, network.Parameters.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Buffers_are_averaged_and_swapped_only_when_asked(bool includeBuffers)
    {
        // ResidualOracleNet's batch norms keep running statistics, which change with every training-mode forward pass.
        var network = new ResidualOracleNet(seed: 1) { Mode = NetworkMode.Training };
        int inputs = network.InputSize;
        var ema = new ExponentialMovingAverage(0.5f, includeBuffers);
        ema.Reset(network);
        double[] reference = network.Buffers.ToArray().Select(v => (double)v).ToArray();
        for (int step = 1; step <= 5; step++)
        {
            network.Forward(OptimizationFixtures.RandomVector(4 * inputs, seed: 40 + step, scale: 3f), 4);
            ema.Update(network);
            for (int i = 0; i < reference.Length; i++)
            {
                reference[i] = (0.5 * reference[i]) + (0.5 * network.Buffers[i]);
            }
        }

        float[] liveBuffers = network.Buffers.ToArray();
        using (ema.Swap(network))
        {
            float[] seen = network.Buffers.ToArray();
            if (includeBuffers)
            {
                Assert.Equal(reference.Length, ema.Buffers.Length);
                double worst = TensorAssert.MaxAbsDiff(seen, reference.Select(v => (float)v).ToArray());
                output.WriteLine($"{reference.Length} buffer values: max |swapped-in buffers − formula| = {worst:E2}; live ones differ by up to {TensorAssert.MaxAbsDiff(liveBuffers, seen):F3}.");
                Assert.True(worst < 1e-5);
                Assert.True(TensorAssert.MaxAbsDiff(liveBuffers, seen) > 1e-3);
            }
            else
            {
                Assert.Equal(0, ema.Buffers.Length);
                Assert.Equal(liveBuffers, seen);
            }
        }

        Assert.Equal(liveBuffers, network.Buffers.ToArray());
    }

    [Fact]
    public void Update_and_swap_allocate_nothing()
    {
        var network = new FashionMlp(seed: 1);
        var ema = new ExponentialMovingAverage();
        ema.Reset(network);
        void Step()
        {
            ema.Update(network);
            using (ema.Swap(network))
            {
            }
        }

        AllocationAssert.None(Step, calls: 20, warmUp: 60);
    }

    /// <summary>An independent average in double, fed by the same callback points.</summary>
    private sealed class ReferenceAverage(double decay) : TrainingCallback
    {
        public double[] Average { get; private set; } = [];

        public override void OnTrainingStart(TrainingContext context)
            => Average = context.Network.Parameters.ToArray().Select(v => (double)v).ToArray();

        public override void OnStepEnd(TrainingContext context)
        {
            ReadOnlySpan<float> x = context.Network.Parameters;
            for (int i = 0; i < Average.Length; i++)
            {
                Average[i] = (decay * Average[i]) + ((1 - decay) * x[i]);
            }
        }
    }
}
