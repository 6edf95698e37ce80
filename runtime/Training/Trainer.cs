using System;
using System.Diagnostics;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Training;

/// <summary>
/// Trains a classification network with mini-batches. Each step reads top to bottom: forward, loss, zero the
/// gradients, backward, optimizer update. Buffers (batches, predictions, the network's arena) are allocated before
/// the first step, so steps allocate nothing; progress is reported at most every
/// <see cref="TrainerOptions.ProgressInterval"/> and at the end of each epoch.
/// </summary>
public sealed class Trainer
{
    /// <summary>The <see cref="Rng"/> stream of the shuffling, so that it never correlates with initialization streams.</summary>
    public const long ShuffleStream = 0x5348_5546; // "SHUF"

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">The settings, or null for the defaults.</param>
    public Trainer(TrainerOptions? options = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
    }

    /// <summary>The settings of the runs.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/> for <see cref="TrainerOptions.Epochs"/> epochs,
    /// evaluating on <paramref name="validation"/> after each epoch.
    /// </summary>
    /// <param name="network">The network; its parameters are updated in place (initialize them first).</param>
    /// <param name="optimizer">The update rule.</param>
    /// <param name="train">The training set; its feature count must equal the network's input size.</param>
    /// <param name="validation">The validation set, or null.</param>
    /// <param name="progress">Receives throttled per-batch reports and one report per epoch, or null.</param>
    /// <param name="cancellationToken">Stops training between two steps (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>The per-epoch metrics.</returns>
    /// <exception cref="TrainingDivergedException">A step's loss was NaN or infinite.</exception>
    public TrainingHistory Fit(
        NetworkBase network,
        IOptimizer optimizer,
        Dataset train,
        Dataset? validation,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        CheckCompatible(network, train, nameof(train));
        if (validation is not null)
        {
            CheckCompatible(network, validation, nameof(validation));
        }

        TrainerOptions o = Options;
        int epochs = o.Epochs;

        // Everything a step touches is allocated here, before the first step.
        var loader = new BatchLoader(train, o.BatchSize, o.Shuffle ? new Rng(o.Seed, ShuffleStream) : null);
        BatchLoader? validationLoader = validation is null ? null : new BatchLoader(validation, o.EvaluationBatchSize, rng: null);
        var predictions = new int[Math.Max(o.BatchSize, o.EvaluationBatchSize)];
        network.EnsureBatchCapacity(Math.Max(Math.Min(o.BatchSize, train.Count), validation is null ? 0 : Math.Min(o.EvaluationBatchSize, validation.Count)));
        var history = new TrainingHistory(epochs);
        int batchesPerEpoch = loader.BatchesPerEpoch;
        long reportInterval = (long)(o.ProgressInterval.TotalSeconds * Stopwatch.Frequency);
        long step = 0;
        long totalSteps = (long)epochs * batchesPerEpoch;
        float baseLearningRate = optimizer.LearningRate;

        NetworkMode originalMode = network.Mode;
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                network.Mode = NetworkMode.Training;
                long epochStart = Stopwatch.GetTimestamp();
                long lastReport = epochStart;
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int batch = 0;

                loader.StartEpoch();
                while (loader.MoveNext())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    MiniBatch mb = loader.Current;
                    batch++;
                    step++;

                    // Forward and loss; a non-finite loss stops before it can corrupt the parameters.
                    network.Forward(mb.Features, mb.Size);
                    float loss = network.Loss(mb.Labels);
                    if (!float.IsFinite(loss))
                    {
                        throw new TrainingDivergedException(epoch, batch, batchesPerEpoch, step, loss, history);
                    }

                    // Running metrics from this forward pass (before the update).
                    network.ArgMax(predictions);
                    correct += CountCorrect(predictions.AsSpan(0, mb.Size), mb.Labels);
                    lossSum += (double)loss * mb.Size;
                    seen += mb.Size;

                    // Backward and update.
                    network.ZeroGradients();
                    network.Backward(mb.Labels);
                    if (o.Schedule is { } schedule)
                    {
                        optimizer.LearningRate = schedule.GetLearningRate(step - 1, totalSteps, baseLearningRate);
                    }

                    optimizer.Step(network.Parameters, network.Gradients);

                    if (progress is not null)
                    {
                        long now = Stopwatch.GetTimestamp();
                        if (now - lastReport >= reportInterval)
                        {
                            lastReport = now;
                            progress.Report(MakeReport(TrainingProgressKind.Batch, epoch, epochs, batch, batchesPerEpoch, step, lossSum, correct, seen, epochStart, now, null));
                        }
                    }
                }

                long trainEnd = Stopwatch.GetTimestamp();
                double trainSeconds = Stopwatch.GetElapsedTime(epochStart, trainEnd).TotalSeconds;
                EvaluationResult? validationResult = validationLoader is null ? null : Evaluate(network, validationLoader, predictions);
                long epochEnd = Stopwatch.GetTimestamp();

                var metrics = new EpochMetrics(
                    epoch,
                    lossSum / seen,
                    (double)correct / seen,
                    validationResult?.Loss,
                    validationResult?.Accuracy,
                    Stopwatch.GetElapsedTime(epochStart, epochEnd),
                    trainSeconds > 0 ? seen / trainSeconds : 0,
                    optimizer.LearningRate);
                history.Add(metrics);
                progress?.Report(MakeReport(TrainingProgressKind.EpochCompleted, epoch, epochs, batch, batchesPerEpoch, step, lossSum, correct, seen, epochStart, trainEnd, metrics));
            }
        }
        finally
        {
            network.Mode = originalMode;
        }

        return history;
    }

    /// <summary>
    /// The mean loss and the accuracy of <paramref name="network"/> on <paramref name="dataset"/>, computed in batches in
    /// <see cref="NetworkMode.Inference"/> mode; the network's previous mode is restored afterwards.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="dataset">The samples; the feature count must equal the network's input size.</param>
    /// <param name="batchSize">The number of samples per forward pass.</param>
    /// <returns>The loss per sample and the accuracy.</returns>
    public static EvaluationResult Evaluate(NetworkBase network, Dataset dataset, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckCompatible(network, dataset, nameof(dataset));
        var loader = new BatchLoader(dataset, batchSize, rng: null);
        return Evaluate(network, loader, new int[loader.BatchSize]);
    }

    private static EvaluationResult Evaluate(NetworkBase network, BatchLoader loader, int[] predictions)
    {
        NetworkMode mode = network.Mode;
        network.Mode = NetworkMode.Inference;
        try
        {
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            loader.StartEpoch();
            while (loader.MoveNext())
            {
                MiniBatch mb = loader.Current;
                network.Forward(mb.Features, mb.Size);
                lossSum += (double)network.Loss(mb.Labels) * mb.Size;
                network.ArgMax(predictions);
                correct += CountCorrect(predictions.AsSpan(0, mb.Size), mb.Labels);
                seen += mb.Size;
            }

            return new EvaluationResult(lossSum / seen, (double)correct / seen);
        }
        finally
        {
            network.Mode = mode;
        }
    }

    private static TrainingProgress MakeReport(
        TrainingProgressKind kind, int epoch, int epochs, int batch, int batchesPerEpoch, long step,
        double lossSum, long correct, long seen, long epochStart, long now, EpochMetrics? metrics)
    {
        TimeSpan elapsed = Stopwatch.GetElapsedTime(epochStart, now);
        double seconds = elapsed.TotalSeconds;
        TimeSpan remaining = batch == 0 || batch >= batchesPerEpoch
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(seconds / batch * (batchesPerEpoch - batch));
        return new TrainingProgress(
            kind,
            epoch,
            epochs,
            batch,
            batchesPerEpoch,
            step,
            seen == 0 ? 0 : lossSum / seen,
            seen == 0 ? 0 : (double)correct / seen,
            seconds > 0 ? seen / seconds : 0,
            elapsed,
            remaining,
            metrics);
    }

    private static int CountCorrect(ReadOnlySpan<int> predictions, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (predictions[i] == labels[i])
            {
                correct++;
            }
        }

        return correct;
    }

    private static void CheckCompatible(NetworkBase network, Dataset dataset, string name)
    {
        ArgumentNullException.ThrowIfNull(dataset, name);
        if (dataset.Count == 0)
        {
            throw new ArgumentException("The dataset is empty.", name);
        }

        if (dataset.FeatureCount != network.InputSize)
        {
            throw new ArgumentException(
                $"The dataset's samples have {dataset.FeatureCount} features but the network takes {network.InputSize} inputs.", name);
        }

        if (dataset.ClassCount > network.OutputSize)
        {
            throw new ArgumentException(
                $"The dataset has {dataset.ClassCount} classes but the network has only {network.OutputSize} outputs.", name);
        }
    }
}
