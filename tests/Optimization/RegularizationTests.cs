using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Regularization;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimization;

/// <summary>
/// Penalties against finite differences of the penalty they report and against the parameter roles they must skip;
/// clipping against torch.nn.utils.clip_grad_norm_ and clip_grad_value_; all of them without allocating.
/// </summary>
public class RegularizationTests(ITestOutputHelper output)
{
    [Fact]
    public void L2_penalty_gradient_matches_finite_differences_of_the_penalty()
    {
        // The penalty is quadratic, so central differences are exact up to the rounding of the reported penalty
        // (float lanes, ~1e-7 of ½λΣw² ≈ 3): with h = 0.05 that is a relative error of about 1e-4 on λ·w.
        var network = new OracleMlp(seed: 3);
        AssertMatchesFiniteDifferences(network, new L2Penalty(1f), h: 0.05f, skipNearZero: false);
    }

    [Fact]
    public void L1_penalty_gradient_matches_finite_differences_of_the_penalty()
    {
        // λ·Σ|w| is linear away from 0, so central differences are exact for |w| > h (penalized weights nearer 0
        // straddle the kink and are skipped; the zero-initialized biases are excluded from the penalty and compared).
        var network = new OracleMlp(seed: 3);
        AssertMatchesFiniteDifferences(network, new L1Penalty(0.5f), h: 0.01f, skipNearZero: true);
    }

    [Theory]
    [InlineData("L2", false)]
    [InlineData("L2", true)]
    [InlineData("L1", false)]
    [InlineData("L1", true)]
    public void Penalties_touch_only_weights_unless_told_to_include_all(string kind, bool includeAll)
    {
        // KitchenSinkNet has every role: conv and dense weights, biases, batch/group/layer-norm scales and shifts
        // (Normalization) and PReLU slopes (Other).
        const float lambda = 0.3f;
        var network = new KitchenSinkNet(seed: 2);
        WeightPenalty penalty = kind == "L2" ? new L2Penalty(lambda, includeAll) : new L1Penalty(lambda, includeAll);
        float[] before = OptimizationFixtures.RandomVector(network.ParameterCount, seed: 9);
        var gradients = (float[])before.Clone();
        double reported = penalty.Apply(network, gradients);

        ReadOnlySpan<float> w = network.Parameters;
        double expectedPenalty = 0;
        var rolesSeen = new HashSet<ParameterRole>();
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            rolesSeen.Add(tensor.Role);
            bool penalized = includeAll || tensor.Role == ParameterRole.Weight;
            Assert.Equal(penalized, penalty.AppliesTo(tensor));
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                float push = kind == "L2" ? lambda * w[i] : lambda * MathF.Sign(w[i]);
                float expected = penalized ? before[i] + push : before[i];
                Assert.True(
                    Math.Abs(gradients[i] - expected) <= 1e-6f * (1 + Math.Abs(expected)),
                    $"{tensor.Name} ({tensor.Role})[{i - tensor.Offset}]: gradient {gradients[i]}, expected {expected}.");
                if (penalized)
                {
                    expectedPenalty += kind == "L2" ? 0.5 * lambda * w[i] * w[i] : lambda * Math.Abs(w[i]);
                }
            }
        }

        output.WriteLine($"{kind} includeAll={includeAll}: penalty {reported:F6}, expected {expectedPenalty:F6}; roles {string.Join(", ", rolesSeen)}.");
        Assert.Equal(4, rolesSeen.Count);
        Assert.True(Math.Abs(reported - expectedPenalty) <= 1e-6 * expectedPenalty, $"Reported penalty {reported}, expected {expectedPenalty}.");
    }

    [Fact]
    public void L2_penalty_on_all_parameters_trains_exactly_like_SGD_weight_decay()
    {
        // Coupled weight decay in torch's SGD adds weightDecay·p to the gradient of every parameter: the same as an L2
        // penalty that includes all parameters, so two runs must end with the same parameters.
        Dataset data = OptimizationFixtures.XorBlobs(16, seed: 1);
        var withPenalty = new TinyClassifier(seed: 7);
        var withDecay = new TinyClassifier(seed: 7);
        new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 8, Seed = 3, GradientTransforms = [new L2Penalty(0.05f, includeAllParameters: true)] })
            .Fit(withPenalty, new Sgd(0.1f, momentum: 0.9f), data, null);
        new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 8, Seed = 3 })
            .Fit(withDecay, new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.05f), data, null);

        double difference = TensorAssert.MaxAbsDiff(withPenalty.Parameters, withDecay.Parameters);
        double moved = TensorAssert.MaxAbsDiff(withPenalty.Parameters, new TinyClassifier(seed: 7).Parameters);
        output.WriteLine($"After 40 steps: max |penalty − weight decay| = {difference:E2}, parameters moved up to {moved:F3}.");
        Assert.True(moved > 0.1);
        Assert.True(difference < 1e-5, $"The runs differ by {difference:E3}.");
    }

    [Fact]
    public void The_epoch_reports_the_mean_penalty_of_its_steps_apart_from_the_loss()
    {
        // One full-batch step per epoch: epoch 1's penalty is ½·λ·Σw² of the initial weights (biases excluded), and
        // its loss is the same as without the penalty (the loss is measured before the update and excludes it).
        Dataset data = OptimizationFixtures.XorBlobs(16, seed: 1);
        const float Lambda = 0.05f;
        var net = new TinyClassifier(seed: 7);
        double expected = 0;
        foreach (ParameterTensor tensor in net.ParameterTensors.Where(t => t.Role == ParameterRole.Weight))
        {
            foreach (float w in net.Parameters.Slice(tensor.Offset, tensor.Length))
            {
                expected += 0.5 * Lambda * w * w;
            }
        }

        TrainingHistory penalized = new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 64, Shuffle = false, GradientTransforms = [new L2Penalty(Lambda)] })
            .Fit(net, new Sgd(0.1f), data, null);
        TrainingHistory plain = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 64, Shuffle = false })
            .Fit(new TinyClassifier(seed: 7), new Sgd(0.1f), data, null);

        Assert.Equal(expected, penalized.Epochs[0].TrainPenalty, 5);
        Assert.Equal(plain.Epochs[0].TrainLoss, penalized.Epochs[0].TrainLoss);
        Assert.NotEqual(penalized.Epochs[0].TrainPenalty, penalized.Epochs[2].TrainPenalty); // it follows the weights
        Assert.Equal(0, plain.Epochs[0].TrainPenalty);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(3f)]
    [InlineData(1000f)]
    public void Global_norm_clipping_matches_torch_clip_grad_norm_(float maxNorm)
    {
        // Three tensors of awkward lengths (vector tails on every path), flattened in order for NetGen.
        int[] sizes = [37, 200, 1003];
        float[] flat = OptimizationFixtures.RandomVector(sizes.Sum(), seed: 21, scale: 0.2f);
        var ours = (float[])flat.Clone();
        float ourNorm = GradientClipping.ClipByGlobalNorm(ours, maxNorm);

        float[] theirs = WithTorchGradients(sizes, flat, parameters => torch.nn.utils.clip_grad_norm_(parameters, maxNorm), out double torchNorm);
        double difference = TensorAssert.MaxAbsDiff(ours, theirs);
        double scale = flat.Max(Math.Abs);
        output.WriteLine($"maxNorm {maxNorm}: norm NetGen {ourNorm:F6} torch {torchNorm:F6}; max |NetGen − torch| = {difference:E2} (gradients up to {scale:F3}).");
        Assert.True(Math.Abs(ourNorm - torchNorm) <= 1e-6 * torchNorm, $"Norms differ: {ourNorm} vs {torchNorm}.");
        Assert.True(difference <= 1e-6 * scale, $"Clipped gradients differ by {difference:E3}.");
        bool clipped = torchNorm > maxNorm;
        Assert.Equal(clipped, TensorAssert.MaxAbsDiff(ours, flat) > 0);
    }

    [Fact]
    public void Value_clipping_matches_torch_clip_grad_value_()
    {
        int[] sizes = [5, 64, 333];
        float[] flat = OptimizationFixtures.RandomVector(sizes.Sum(), seed: 22, scale: 2f);
        var ours = (float[])flat.Clone();
        GradientClipping.ClipByValue(ours, 0.75f);
        float[] theirs = WithTorchGradients(sizes, flat, parameters => { torch.nn.utils.clip_grad_value_(parameters, 0.75); return 0; }, out _);
        int clamped = flat.Count(v => Math.Abs(v) > 0.75f);
        output.WriteLine($"{clamped} of {flat.Length} values clamped; max |NetGen − torch| = {TensorAssert.MaxAbsDiff(ours, theirs):E2}.");
        Assert.True(clamped > flat.Length / 3);
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void Global_norm_clipping_leaves_non_finite_gradients_for_the_trainer_to_report()
    {
        float[] gradients = [1f, float.NaN, 3f];
        GlobalNormClipping clipping = GradientClipping.ByGlobalNorm(1f);
        clipping.Apply(new TinyClassifier(), gradients);
        Assert.True(float.IsNaN(clipping.LastNorm));
        Assert.Equal(1f, gradients[0]);
        Assert.Equal(3f, gradients[2]);
    }

    [Fact]
    public void Transforms_allocate_nothing()
    {
        var network = new KitchenSinkNet(seed: 1);
        IGradientTransform[] transforms =
        [
            new L2Penalty(1e-3f), new L1Penalty(1e-4f, includeAllParameters: true), GradientClipping.ByGlobalNorm(1f), GradientClipping.ByValue(0.1f),
        ];
        OptimizationFixtures.RandomVector(network.ParameterCount, seed: 4).CopyTo(network.Gradients);
        double penalty = 0;

        // Warmed past tiering and measured over up to three windows, like the other allocation tests.
        AllocationAssert.None(() =>
        {
            foreach (IGradientTransform transform in transforms)
            {
                penalty += transform.Apply(network, network.Gradients);
            }
        });
        Assert.True(penalty > 0);
    }

    private void AssertMatchesFiniteDifferences(NetworkBase network, WeightPenalty penalty, float h, bool skipNearZero)
    {
        var scratch = new float[network.ParameterCount];
        double Penalty()
        {
            Array.Clear(scratch);
            return penalty.Apply(network, scratch);
        }

        var analytic = new float[network.ParameterCount];
        penalty.Apply(network, analytic);
        Span<float> w = network.Parameters;
        double worst = 0;
        int compared = 0, excluded = 0;
        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                float original = w[i];
                if (skipNearZero && penalty.AppliesTo(tensor) && Math.Abs(original) <= 2 * h)
                {
                    continue;
                }

                w[i] = original + h;
                double plus = Penalty();
                w[i] = original - h;
                double minus = Penalty();
                w[i] = original;
                double numeric = (plus - minus) / (2 * h);
                double error = Math.Abs(numeric - analytic[i]) / Math.Max(penalty.Lambda, Math.Abs(analytic[i]));
                worst = Math.Max(worst, error);
                compared++;
                if (tensor.Role != ParameterRole.Weight)
                {
                    excluded++;
                    Assert.Equal(0f, analytic[i]);
                }
            }
        }

        output.WriteLine($"{penalty.GetType().Name}: {compared} parameters compared ({excluded} excluded biases), max relative error {worst:E2}.");
        Assert.True(compared > 300 && excluded > 10);
        Assert.True(worst < 1e-3, $"Finite differences disagree by {worst:E3} (relative).");
    }

    /// <summary>Gives torch parameters of the given sizes the flat gradients, runs <paramref name="clip"/>, and returns the gradients flattened again.</summary>
    private static float[] WithTorchGradients(int[] sizes, float[] flat, Func<IEnumerable<Parameter>, double> clip, out double result)
    {
        var parameters = new List<Parameter>();
        int offset = 0;
        foreach (int size in sizes)
        {
            var parameter = new Parameter(torch.zeros(size), requires_grad: true);
            parameter.grad = torch.tensor(flat.AsSpan(offset, size).ToArray());
            parameters.Add(parameter);
            offset += size;
        }

        result = clip(parameters);
        float[] clipped = parameters.SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        foreach (Parameter parameter in parameters)
        {
            parameter.Dispose();
        }

        return clipped;
    }
}
