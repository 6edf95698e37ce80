using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Augmentation;

/// <summary>Mixup through the trainer: the network trains against the blended soft targets, and the loss falls.</summary>
public class MixupTrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// Wraps mixup and, at the first batch whose λ is well inside (0, 1), keeps a copy of the mixed features, the soft
    /// targets and the network's parameters (the transform runs just before that step's forward pass).
    /// </summary>
    private sealed class SoftBatchSpy(Mixup inner, NetworkBase network, int features, int targets) : IBatchTransform
    {
        private int _calls;

        public float[] Features { get; } = new float[features];

        public float[] Targets { get; } = new float[targets];

        public float[] Parameters { get; } = new float[network.ParameterCount];

        public int Step { get; private set; } = -1;

        public bool ProducesSoftTargets => inner.ProducesSoftTargets;

        public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng)
        {
            inner.Apply(features, labels, batchSize, softTargets, rng);
            if (Step < 0 && inner.LastLambda is > 0.1f and < 0.9f && batchSize * network.OutputSize == Targets.Length)
            {
                features.CopyTo(Features);
                softTargets.CopyTo(Targets);
                network.Parameters.CopyTo(Parameters);
                Step = _calls;
            }

            _calls++;
        }
    }

    /// <summary>Records every step's loss, and the gradients of the step the spy captured.</summary>
    private sealed class StepRecorder(SoftBatchSpy spy) : TrainingCallback
    {
        public List<float> Losses { get; } = new(capacity: 1000);

        public float[]? Gradients { get; private set; }

        public override void OnStepEnd(TrainingContext context)
        {
            Losses.Add(context.LastLoss);
            if (context.Step - 1 == spy.Step)
            {
                Gradients = context.Network.Gradients.ToArray();
            }
        }
    }

    /// <summary>Soft targets whose dominant class is the next class after the hard label (weight 0.7 against 0.3).</summary>
    private sealed class ShiftedTargets(int classes) : IBatchTransform
    {
        public bool ProducesSoftTargets => true;

        public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng)
        {
            softTargets.Slice(0, batchSize * classes).Clear();
            for (int i = 0; i < batchSize; i++)
            {
                softTargets[(i * classes) + labels[i]] = 0.3f;
                softTargets[(i * classes) + ((labels[i] + 1) % classes)] = 0.7f;
            }
        }
    }

    [Fact]
    public void With_soft_targets_the_training_accuracy_counts_the_dominant_label()
    {
        // Learning rate 0 keeps the network fixed, so the epoch's accuracy can be recomputed afterwards from its
        // predictions: it must be the share predicting each sample's dominant (shifted) class, not its hard label.
        Dataset data = Synthetic.Blobs(60, 20, 5, seed: 3, noise: 1f);
        var net = new OracleMlp(seed: 2);
        TrainingHistory history = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 60, Shuffle = false, BatchTransforms = [new ShiftedTargets(5)] })
            .Fit(net, new Sgd(0f), data, null);

        ReadOnlySpan<float> probabilities = net.Forward(data.Features, data.Count);
        int dominant = 0, hard = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int predicted = 0;
            for (int k = 1; k < 5; k++)
            {
                if (probabilities[(i * 5) + k] > probabilities[(i * 5) + predicted])
                {
                    predicted = k;
                }
            }

            dominant += predicted == (data.Labels[i] + 1) % 5 ? 1 : 0;
            hard += predicted == data.Labels[i] ? 1 : 0;
        }

        output.WriteLine($"reported {history.Epochs[0].TrainAccuracy:F4}; dominant {dominant / 60.0:F4}; hard {hard / 60.0:F4}");
        Assert.NotEqual(dominant, hard); // otherwise the test could not tell the two apart
        Assert.Equal(dominant / 60.0, history.Epochs[0].TrainAccuracy, 12);
    }

    [Fact]
    public void Fashion_mlp_trains_on_mixup_soft_targets_and_its_loss_falls()
    {
        const int batch = 32;
        Dataset all = FashionMnist.LoadTrain(FashionMnist.FindDirectory());
        Dataset train = all.Slice(0, 640);
        Dataset heldOut = all.Slice(640, 500);
        Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.PerChannel);
        standardizer.Apply(train);
        standardizer.Apply(heldOut);

        var network = new FashionMlp(1);
        var spy = new SoftBatchSpy(new Mixup(0.2f, batch), network, batch * train.FeatureCount, batch * FashionMnist.ClassCount);
        var recorder = new StepRecorder(spy);
        EvaluationResult before = Trainer.Evaluate(network, heldOut);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = batch, Seed = 3, BatchTransforms = [spy], Callbacks = [recorder] });
        trainer.Fit(network, new Adam(1e-3f), train, validation: null);
        EvaluationResult after = Trainer.Evaluate(network, heldOut);

        List<float> losses = recorder.Losses;
        output.WriteLine(string.Join(" ", losses.Select(l => l.ToString("F3"))));
        output.WriteLine($"held-out loss {before.Loss:F3} -> {after.Loss:F3}, accuracy {before.Accuracy:F3} -> {after.Accuracy:F3}");
        Assert.Equal(train.Count / batch, losses.Count);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        double first = losses.Take(5).Average();
        double last = losses.TakeLast(5).Average();
        Assert.True(last < first, $"the mixup loss should fall during the epoch: first steps {first:F3}, last steps {last:F3}");
        Assert.True(after.Loss < 0.6 * before.Loss, $"the clean held-out loss should fall well: {before.Loss:F3} -> {after.Loss:F3}");

        // The loss of a step with a well-mixed batch is the network's loss on the mixed features against the blended
        // targets (recomputed on a copy of the parameters of that moment), not the loss against the hard labels.
        Assert.True(spy.Step >= 0, "no batch had λ in (0.1, 0.9)");
        Assert.Contains(spy.Targets, t => t > 0.1f && t < 0.9f);
        var replay = new FashionMlp(1);
        spy.Parameters.CopyTo(replay.Parameters);
        replay.EnsureBatchCapacity(batch);
        replay.Forward(spy.Features, batch);
        float softLoss = replay.Loss(spy.Targets);
        int[] ownLabels = Enumerable.Range(0, batch).Select(b => ArgMax(spy.Targets.AsSpan(b * 10, 10))).ToArray();
        float hardLoss = replay.Loss(ownLabels);
        output.WriteLine($"step {spy.Step}: recorded {losses[spy.Step]:F5}, soft {softLoss:F5}, hard {hardLoss:F5}");
        Assert.Equal(softLoss, losses[spy.Step], 5);
        Assert.NotEqual(hardLoss, losses[spy.Step], 2);

        // Likewise the step's gradients are those of the soft-target loss.
        replay.ZeroGradients();
        replay.Backward(spy.Targets);
        float[] softGradients = replay.Gradients.ToArray();
        replay.ZeroGradients();
        replay.Backward(ownLabels);
        float[] hardGradients = replay.Gradients.ToArray();
        Assert.NotNull(recorder.Gradients);
        Assert.True(MaxDifference(softGradients, recorder.Gradients) < 1e-6, $"soft-target gradients differ by {MaxDifference(softGradients, recorder.Gradients)}");
        Assert.True(MaxDifference(hardGradients, recorder.Gradients) > 1e-3, "the step used the hard-label gradients");
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
