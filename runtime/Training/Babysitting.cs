using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Training;

/// <summary>The result of <see cref="Babysitting.CheckInitialLoss(NetworkBase, Dataset, int, int, NetworkMode)"/>.</summary>
/// <param name="MeasuredLoss">The untrained network's mean loss per sample on the sample.</param>
/// <param name="ExpectedLoss">The loss to expect before training: ln(classes) for softmax cross-entropy.</param>
/// <param name="SampleCount">How many samples the loss was measured on.</param>
/// <param name="IsOk">Whether <see cref="Ratio"/> lies in [<see cref="Babysitting.InitialLossLowestRatio"/>, <see cref="Babysitting.InitialLossHighestRatio"/>].</param>
/// <param name="Message">A one-line verdict naming both numbers, and the likely causes when it is a warning.</param>
public sealed record InitialLossReport(double MeasuredLoss, double ExpectedLoss, int SampleCount, bool IsOk, string Message)
{
    /// <summary>The measured loss divided by the expected one.</summary>
    public double Ratio => MeasuredLoss / ExpectedLoss;

    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>The result of <see cref="Babysitting.OverfitSmallSample"/>.</summary>
/// <param name="SampleCount">How many samples the network was trained on.</param>
/// <param name="EpochsRun">How many epochs ran (fewer than asked when the sample was memorized early).</param>
/// <param name="FinalTrainLoss">The trainer's mean training loss in the last epoch (training mode, before each update).</param>
/// <param name="FinalTrainAccuracy">The trainer's training accuracy in the last epoch (training mode, before each update).</param>
/// <param name="Loss">The loss on the sample after training, evaluated in inference mode.</param>
/// <param name="Accuracy">The accuracy on the sample after training, evaluated in inference mode.</param>
/// <param name="Succeeded">Whether <see cref="Accuracy"/> reached the target accuracy.</param>
/// <param name="Message">A one-line verdict, with hints when the network failed to memorize the sample.</param>
/// <param name="History">The per-epoch metrics of the run.</param>
public sealed record OverfitReport(
    int SampleCount,
    int EpochsRun,
    double FinalTrainLoss,
    double FinalTrainAccuracy,
    double Loss,
    double Accuracy,
    bool Succeeded,
    string Message,
    TrainingHistory History)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>
/// Sanity checks to run before a long training run (the "babysitting the learning process" checklist of CS231n):
/// the loss of the untrained network is what chance predicts, and the network can drive the loss to zero on a
/// handful of samples. Both leave the network's parameters, buffers, random state and mode as they found them.
/// </summary>
public static class Babysitting
{
    /// <summary>
    /// The lowest accepted ratio of measured to expected initial loss. An untrained network whose logits do not depend
    /// on the label scores ln(classes) on average, and spreading its logits only raises that (Jensen's inequality);
    /// a loss clearly below it means the network already knows the labels (labels leaking into the inputs) or the loss
    /// is not the mean over the batch.
    /// </summary>
    public const double InitialLossLowestRatio = 0.8;

    /// <summary>
    /// The highest accepted ratio of measured to expected initial loss. With logits of standard deviation σ the initial
    /// loss is about ln(classes) + σ²/2, so 1.5 × ln(classes) means σ ≈ √ln(classes) (1.5 for 10 classes): the network
    /// starts out confidently wrong, because its weights are initialized too large or its inputs are not normalized.
    /// </summary>
    public const double InitialLossHighestRatio = 1.5;

    /// <summary>
    /// Measures the untrained network's mean loss on <paramref name="sampleCount"/> random samples and compares it
    /// with ln(classes), the softmax cross-entropy of a uniform prediction over the network's outputs.
    /// </summary>
    /// <param name="network">A network whose last layer is a <c>SoftmaxCrossEntropy</c> head, freshly initialized.</param>
    /// <param name="dataset">The data the network will be trained on.</param>
    /// <param name="sampleCount">How many samples to measure (all of them when the dataset is smaller).</param>
    /// <param name="seed">Seeds the choice of samples.</param>
    /// <param name="mode">The mode of the forward passes; training mode (the default) sees what the first step sees.</param>
    /// <returns>The measured and expected loss with a verdict.</returns>
    /// <exception cref="InvalidOperationException">The network's loss head is not softmax cross-entropy; pass the expected loss to the other overload.</exception>
    public static InitialLossReport CheckInitialLoss(NetworkBase network, Dataset dataset, int sampleCount = 512, int seed = 0, NetworkMode mode = NetworkMode.Training)
    {
        ArgumentNullException.ThrowIfNull(network);
        IReadOnlyList<LayerInfo> layers = network.Layers;
        string head = layers.Count == 0 ? "(none)" : layers[^1].Kind;
        if (head != "SoftmaxCrossEntropy")
        {
            throw new InvalidOperationException(
                $"The initial-loss check knows the expected loss of a SoftmaxCrossEntropy head only; {network.GetType().Name} ends with {head}. Pass the expected loss yourself.");
        }

        return CheckInitialLoss(network, dataset, Math.Log(network.OutputSize), sampleCount, seed, mode);
    }

    /// <summary>
    /// Measures the untrained network's mean loss on <paramref name="sampleCount"/> random samples and compares it with
    /// <paramref name="expectedLoss"/> (for loss heads whose chance level you know).
    /// </summary>
    /// <param name="network">A freshly initialized network.</param>
    /// <param name="dataset">The data the network will be trained on.</param>
    /// <param name="expectedLoss">The loss to expect before training; positive.</param>
    /// <param name="sampleCount">How many samples to measure (all of them when the dataset is smaller).</param>
    /// <param name="seed">Seeds the choice of samples.</param>
    /// <param name="mode">The mode of the forward passes.</param>
    /// <returns>The measured and expected loss with a verdict.</returns>
    public static InitialLossReport CheckInitialLoss(NetworkBase network, Dataset dataset, double expectedLoss, int sampleCount = 512, int seed = 0, NetworkMode mode = NetworkMode.Training)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckDataset(network, dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        if (!(expectedLoss > 0) || double.IsInfinity(expectedLoss))
        {
            throw new ArgumentOutOfRangeException(nameof(expectedLoss), expectedLoss, "The expected loss must be positive and finite.");
        }

        Dataset sample = RandomSample(dataset, Math.Min(sampleCount, dataset.Count), seed);
        double measured;
        using (new NetworkStateGuard(network, saveParameters: false))
        {
            network.Mode = mode;
            var loader = new BatchLoader(sample, Math.Min(256, sample.Count), rng: null);
            network.EnsureBatchCapacity(loader.BatchSize);
            double sum = 0;
            loader.StartEpoch();
            while (loader.MoveNext())
            {
                MiniBatch batch = loader.Current;
                network.Forward(batch.Features, batch.Size);
                sum += (double)network.Loss(batch.Labels) * batch.Size;
            }

            measured = sum / sample.Count;
        }

        double ratio = measured / expectedLoss;
        bool ok = ratio >= InitialLossLowestRatio && ratio <= InitialLossHighestRatio;
        CultureInfo inv = CultureInfo.InvariantCulture;
        string numbers = string.Format(inv, "initial loss {0:F4} on {1} samples, expected {2:F4}{3} (ratio {4:F2}, accepted [{5}, {6}])",
            measured, sample.Count, expectedLoss, ExpectedLabel(network, expectedLoss), ratio, InitialLossLowestRatio, InitialLossHighestRatio);
        string message = double.IsNaN(measured) || double.IsInfinity(measured)
            ? $"Warning: {numbers}. The loss is not finite before training: check the inputs for NaN or infinity and the initialization scale."
            : ok
                ? $"OK: {numbers}."
                : ratio > InitialLossHighestRatio
                    ? $"Warning: {numbers}. The untrained network is confidently wrong: its weights are initialized too large (check the init scheme and gain) or its inputs are not normalized."
                    : $"Warning: {numbers}. The untrained network does better than chance: check that the labels do not leak into the inputs, and that the loss is the mean over the batch.";
        return new InitialLossReport(measured, expectedLoss, sample.Count, ok, message);
    }

    /// <summary>
    /// Trains the network on <paramref name="count"/> samples with every regularizer the trainer controls turned off (no
    /// gradient transforms, no augmentation, no callbacks) and reports whether it memorizes them, as a correct network and
    /// optimizer must. Dropout and other mode-dependent layers stay in training mode; the optimizer should be created
    /// without weight decay. Afterwards the network's parameters, buffers, random state and mode are put back.
    /// </summary>
    /// <param name="network">The network, initialized as for the real run.</param>
    /// <param name="createOptimizer">Creates a fresh optimizer for the run (so the real run's optimizer keeps no state from it).</param>
    /// <param name="dataset">The data to take the samples from.</param>
    /// <param name="count">How many samples to memorize.</param>
    /// <param name="epochs">The most epochs to train; each epoch is one full-batch step unless <paramref name="batchSize"/> is smaller.</param>
    /// <param name="batchSize">Samples per step, or 0 for the whole sample.</param>
    /// <param name="targetAccuracy">The accuracy on the sample that counts as memorized (1 = every sample).</param>
    /// <param name="seed">Seeds the choice of samples and the trainer.</param>
    /// <returns>The final loss and accuracy with a verdict.</returns>
    public static OverfitReport OverfitSmallSample(
        NetworkBase network,
        Func<IOptimizer> createOptimizer,
        Dataset dataset,
        int count = 20,
        int epochs = 200,
        int batchSize = 0,
        double targetAccuracy = 1.0,
        int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(createOptimizer);
        CheckDataset(network, dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, dataset.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (!(targetAccuracy > 0 && targetAccuracy <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetAccuracy), targetAccuracy, "The target accuracy must be in (0, 1].");
        }

        IOptimizer optimizer = createOptimizer() ?? throw new InvalidOperationException("The optimizer factory returned null.");
        Dataset sample = RandomSample(dataset, count, seed);
        var stop = new StopWhenMemorized(targetAccuracy);
        var options = new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = batchSize == 0 ? count : Math.Min(batchSize, count),
            Seed = seed,
            Callbacks = [stop],
        };

        TrainingHistory history;
        EvaluationResult result;
        using (new NetworkStateGuard(network, saveParameters: true))
        {
            history = new Trainer(options).Fit(network, optimizer, sample, validation: null);
            result = Trainer.Evaluate(network, sample);
        }

        EpochMetrics last = history.Last!;
        bool succeeded = result.Accuracy >= targetAccuracy;
        CultureInfo inv = CultureInfo.InvariantCulture;
        string numbers = string.Format(inv, "after {0} epochs on {1} samples the loss is {2:G4} and the accuracy {3:P1} (target {4:P1}; last epoch in training mode: loss {5:G4}, accuracy {6:P1})",
            history.Epochs.Count, count, result.Loss, result.Accuracy, targetAccuracy, last.TrainLoss, last.TrainAccuracy);
        string decay = WeightDecayOf(optimizer) is > 0f and var wd
            ? string.Format(inv, " The optimizer applies weight decay {0:G4}, which keeps the loss from reaching zero: create it without.", wd)
            : string.Empty;
        string message = succeeded
            ? $"OK: {numbers}.{decay}"
            : $"Warning: {numbers}. A correct network should memorize a few samples: try a larger learning rate or more epochs, then check the backward pass (gradient check), the labels and the loss.{decay}";
        return new OverfitReport(count, history.Epochs.Count, last.TrainLoss, last.TrainAccuracy, result.Loss, result.Accuracy, succeeded, message, history);
    }

    private static float WeightDecayOf(IOptimizer optimizer) => optimizer switch
    {
        Sgd o => o.WeightDecay,
        Adam o => o.WeightDecay,
        AdamW o => o.WeightDecay,
        RmsProp o => o.WeightDecay,
        AdaGrad o => o.WeightDecay,
        _ => 0f,
    };

    private static string ExpectedLabel(NetworkBase network, double expectedLoss) =>
        Math.Abs(expectedLoss - Math.Log(network.OutputSize)) < 1e-12 ? $" = ln({network.OutputSize.ToString(CultureInfo.InvariantCulture)})" : string.Empty;

    private static void CheckDataset(NetworkBase network, Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Count == 0)
        {
            throw new ArgumentException("The dataset is empty.", nameof(dataset));
        }

        if (dataset.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"The dataset's samples have {dataset.FeatureCount} features but the network takes {network.InputSize} inputs.", nameof(dataset));
        }
    }

    /// <summary>A seeded random subset of <paramref name="count"/> samples, kept in dataset order.</summary>
    private static Dataset RandomSample(Dataset dataset, int count, int seed)
    {
        if (count == dataset.Count)
        {
            return dataset;
        }

        var order = new int[dataset.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new Rng(seed, stream: 0x4241_4259).Shuffle(order); // "BABY"
        int[] chosen = order[..count];
        Array.Sort(chosen);
        return dataset.Subset(chosen);
    }

    /// <summary>Stops the overfitting run once an epoch's training accuracy reaches the target and its loss is near zero.</summary>
    private sealed class StopWhenMemorized(double targetAccuracy) : TrainingCallback
    {
        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
        {
            if (metrics.TrainAccuracy >= targetAccuracy && metrics.TrainLoss < 0.01)
            {
                context.RequestStop("memorized the sample");
            }
        }
    }

    /// <summary>Saves a network's state that a check may change and puts it back on dispose.</summary>
    private readonly struct NetworkStateGuard : IDisposable
    {
        private readonly NetworkBase _network;
        private readonly float[]? _parameters;
        private readonly float[]? _gradients;
        private readonly float[] _buffers;
        private readonly ulong[] _random;
        private readonly NetworkMode _mode;

        public NetworkStateGuard(NetworkBase network, bool saveParameters)
        {
            _network = network;
            _parameters = saveParameters ? network.Parameters.ToArray() : null;
            _gradients = saveParameters ? network.Gradients.ToArray() : null;
            _buffers = network.Buffers.ToArray();
            _random = new ulong[4];
            network.Random.GetState(_random);
            _mode = network.Mode;
        }

        public void Dispose()
        {
            _parameters?.CopyTo(_network.Parameters);
            _gradients?.CopyTo(_network.Gradients);
            _buffers.CopyTo(_network.Buffers);
            _network.Random.SetState(_random);
            _network.Mode = _mode;
        }
    }
}
