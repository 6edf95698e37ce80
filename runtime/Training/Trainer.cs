using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Training;

/// <summary>
/// Trains a network with mini-batches: a classifier on a labelled <see cref="Dataset"/>, or a <c>[MeanSquaredError]</c>
/// regressor on a dataset with float targets (<see cref="Dataset.HasTargets"/>, reporting MSE, MAE and R² on validation). Each step reads top to bottom: forward, loss, zero the
/// gradients, backward, optimizer update. Buffers (batches, predictions, the network's arena) are allocated before
/// the first step, so steps allocate nothing; progress is reported at most every
/// <see cref="TrainerOptions.ProgressInterval"/> and at the end of each epoch.
/// </summary>
public sealed partial class Trainer
{
    /// <summary>The <see cref="Rng"/> stream of the shuffling, so that it never correlates with initialization streams.</summary>
    public const long ShuffleStream = 0x5348_5546; // "SHUF"

    /// <summary>The <see cref="Rng"/> stream of the batch transforms (augmentation).</summary>
    public const long AugmentationStream = 0x4155_474D; // "AUGM"

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
        => Fit(network, optimizer, train, validation, resume: null, progress, cancellationToken);

    /// <summary>
    /// Trains like <see cref="Fit(NetworkBase, IOptimizer, Dataset, Dataset?, IProgress{TrainingProgress}?, CancellationToken)"/>,
    /// continuing a run from <paramref name="resume"/>: the epochs it completed are skipped and the random sources and
    /// learning-rate state are restored, so that (with the network and optimizer restored from the same checkpoint)
    /// the run continues exactly as if it had never stopped.
    /// </summary>
    /// <param name="network">The network; its parameters are updated in place.</param>
    /// <param name="optimizer">The update rule.</param>
    /// <param name="train">The training set.</param>
    /// <param name="validation">The validation set, or null.</param>
    /// <param name="resume">The trainer state saved with the checkpoint, or null to start a new run.</param>
    /// <param name="progress">Receives throttled per-batch reports and one report per epoch, or null.</param>
    /// <param name="cancellationToken">Stops training between two steps.</param>
    /// <returns>The per-epoch metrics, including those of the resumed epochs.</returns>
    /// <exception cref="TrainingDivergedException">A step's loss or gradient was NaN or infinite.</exception>
    public TrainingHistory Fit(
        NetworkBase network,
        IOptimizer optimizer,
        Dataset train,
        Dataset? validation,
        TrainingState? resume,
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
        bool regression = CheckTask(train, validation, o);
        int epochs = o.Epochs;

        // Everything a step touches is allocated here, before the first step.
        var shuffleRng = new Rng(o.Seed, ShuffleStream);
        var augmentationRng = new Rng(o.Seed, AugmentationStream);
        var loader = new BatchLoader(train, o.BatchSize, o.Shuffle ? shuffleRng : null);
        BatchLoader? validationLoader = validation is null ? null : new BatchLoader(validation, o.EvaluationBatchSize, rng: null);
        var predictions = new int[Math.Max(o.BatchSize, o.EvaluationBatchSize)];
        network.EnsureBatchCapacity(Math.Max(Math.Min(o.BatchSize, train.Count), validation is null ? 0 : Math.Min(o.EvaluationBatchSize, validation.Count)));
        var history = new TrainingHistory(epochs);
        int batchesPerEpoch = loader.BatchesPerEpoch;
        long reportInterval = (long)(o.ProgressInterval.TotalSeconds * Stopwatch.Frequency);
        bool softTargets = false;
        for (int i = 0; i < o.BatchTransforms.Count; i++)
        {
            softTargets |= o.BatchTransforms[i].ProducesSoftTargets;
        }

        int outputs = network.OutputSize;
        float[] targets = o.BatchTransforms.Count > 0 ? new float[o.BatchSize * outputs] : Array.Empty<float>();
        float[] augmented = o.BatchTransforms.Count > 0 ? new float[o.BatchSize * train.FeatureCount] : Array.Empty<float>();
        float[] validationOutputs = NeedsValidationOutputs(regression, validation, o) ? new float[validation!.Count * outputs] : Array.Empty<float>();

        var context = new TrainingContext(network, optimizer, o, train, validation, history, shuffleRng, augmentationRng)
        {
            BatchesPerEpoch = batchesPerEpoch,
            TotalSteps = (long)epochs * batchesPerEpoch,
            BaseLearningRate = optimizer.LearningRate,
        };
        int firstEpoch = 1;
        if (resume is not null)
        {
            ((IStateful<TrainingState>)context).SetState(resume); // checks, then takes the trainer's part; callbacks follow OnTrainingStart
            firstEpoch = resume.CompletedEpochs + 1;
        }

        NetworkMode originalMode = network.Mode;
        try
        {
            context.Epoch = firstEpoch - 1;
            for (int c = 0; c < o.Callbacks.Count; c++)
            {
                o.Callbacks[c].OnTrainingStart(context);
            }

            context.FlushWarnings(progress, epochs);

            if (resume is not null)
            {
                context.RestoreCallbackStates(resume);
            }

            for (int epoch = firstEpoch; epoch <= epochs && !context.StopRequested; epoch++)
            {
                context.Epoch = epoch;
                network.Mode = NetworkMode.Training;
                long epochStart = Stopwatch.GetTimestamp();
                long lastReport = epochStart;
                double lossSum = 0;
                double penaltySum = 0;
                long correct = 0;
                long seen = 0;
                int batch = 0;

                loader.StartEpoch();
                while (loader.MoveNext())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    MiniBatch mb = loader.Current;
                    batch++;
                    long step = ++context.Step;

                    // Augmentation works on the batch's own copy of the samples.
                    Span<float> batchTargets = default;
                    ReadOnlySpan<float> features = mb.Features;
                    if (o.BatchTransforms.Count > 0)
                    {
                        Span<float> copy = augmented.AsSpan(0, mb.Features.Length);
                        mb.Features.CopyTo(copy);
                        batchTargets = targets.AsSpan(0, mb.Size * outputs);
                        OneHot(mb.Labels, outputs, batchTargets);
                        for (int t = 0; t < o.BatchTransforms.Count; t++)
                        {
                            o.BatchTransforms[t].Apply(copy, mb.Labels, mb.Size, batchTargets, augmentationRng);
                        }

                        features = copy;
                    }

                    // Forward and loss; a non-finite loss stops before it can corrupt the parameters.
                    network.Forward(features, mb.Size);
                    float loss = regression ? network.Loss(mb.Targets) : softTargets ? network.Loss(batchTargets) : network.Loss(mb.Labels);
                    context.LastLoss = loss;
                    if (!float.IsFinite(loss))
                    {
                        throw new TrainingDivergedException(epoch, batch, batchesPerEpoch, step, loss, history, tensor: null, DivergenceDiagnosis.Inspect(network, features, step, loss));
                    }

                    // Running metrics from this forward pass (before the update). With soft targets (mixup) a sample
                    // counts as right when the prediction is its dominant label.
                    if (!regression)
                    {
                        network.ArgMax(predictions);
                        correct += softTargets
                            ? CountDominant(predictions.AsSpan(0, mb.Size), batchTargets, outputs)
                            : CountCorrect(predictions.AsSpan(0, mb.Size), mb.Labels);
                    }

                    lossSum += (double)loss * mb.Size;
                    seen += mb.Size;

                    // Backward, gradient transforms (penalties, clipping, freezing), checks, update.
                    network.ZeroGradients();
                    if (regression)
                    {
                        network.Backward(mb.Targets);
                    }
                    else if (softTargets)
                    {
                        network.Backward(batchTargets);
                    }
                    else
                    {
                        network.Backward(mb.Labels);
                    }

                    Span<float> gradients = network.Gradients;
                    for (int t = 0; t < o.GradientTransforms.Count; t++)
                    {
                        penaltySum += o.GradientTransforms[t].Apply(network, gradients);
                    }

                    if (o.CheckGradients && FirstNonFiniteGradient(network) is { } tensor)
                    {
                        throw new TrainingDivergedException(epoch, batch, batchesPerEpoch, step, loss, history, tensor, DivergenceDiagnosis.Inspect(network, features, step, loss));
                    }

                    if (o.Schedule is { } schedule)
                    {
                        optimizer.LearningRate = schedule.GetLearningRate(step - 1, context.TotalSteps, context.BaseLearningRate) * context.LearningRateScale;
                    }
                    else if (context.LearningRateScale != 1f)
                    {
                        optimizer.LearningRate = context.BaseLearningRate * context.LearningRateScale;
                    }

                    optimizer.Step(network.Parameters, gradients);
                    for (int c = 0; c < o.Callbacks.Count; c++)
                    {
                        o.Callbacks[c].OnStepEnd(context);
                    }

                    if (progress is not null)
                    {
                        long now = Stopwatch.GetTimestamp();
                        if (now - lastReport >= reportInterval)
                        {
                            lastReport = now;
                            progress.Report(MakeReport(TrainingProgressKind.Batch, epoch, epochs, batch, batchesPerEpoch, step, lossSum, regression ? -1 : correct, seen, epochStart, now, null));
                        }
                    }
                }

                long trainEnd = Stopwatch.GetTimestamp();
                double trainSeconds = Stopwatch.GetElapsedTime(epochStart, trainEnd).TotalSeconds;
                EvaluationResult? validationResult = validationLoader is null ? null : Evaluate(network, validationLoader, predictions, validationOutputs);
                long epochEnd = Stopwatch.GetTimestamp();

                var metrics = new EpochMetrics(
                    epoch,
                    lossSum / seen,
                    regression ? double.NaN : (double)correct / seen,
                    validationResult?.Loss,
                    regression ? null : validationResult?.Accuracy,
                    Stopwatch.GetElapsedTime(epochStart, epochEnd),
                    trainSeconds > 0 ? seen / trainSeconds : 0,
                    optimizer.LearningRate)
                {
                    TrainPenalty = batch > 0 ? penaltySum / batch : 0,
                    ValidationMetrics = ComputeValidationMetrics(regression, validation, validationOutputs, outputs, o),
                };
                history.Add(metrics);
                for (int c = 0; c < o.Callbacks.Count; c++)
                {
                    o.Callbacks[c].OnEpochEnd(context, metrics);
                }

                for (int c = 0; c < o.Callbacks.Count; c++)
                {
                    o.Callbacks[c].OnEpochCompleted(context, metrics);
                }

                context.FlushWarnings(progress, epochs);

                progress?.Report(MakeReport(TrainingProgressKind.EpochCompleted, epoch, epochs, batch, batchesPerEpoch, context.Step, lossSum, regression ? -1 : correct, seen, epochStart, trainEnd, metrics));
            }

            history.StopReason = context.StopReason;
            for (int c = 0; c < o.Callbacks.Count; c++)
            {
                o.Callbacks[c].OnTrainingEnd(context);
            }
        }
        catch (TrainingDivergedException diverged)
        {
            history.StopReason = diverged.Message;
            for (int c = 0; c < o.Callbacks.Count; c++)
            {
                o.Callbacks[c].OnTrainingDiverged(context, diverged);
            }

            throw;
        }
        finally
        {
            network.Mode = originalMode;
        }

        return history;
    }

    /// <summary>The first parameter tensor, in backward order (last layer first), whose gradient holds NaN or infinity.</summary>
    /// <param name="network">The network whose gradients to check.</param>
    /// <returns>The tensor's name, or null when every gradient is finite.</returns>
    public static string? FirstNonFiniteGradient(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ReadOnlySpan<float> gradients = network.Gradients;
        if (Kernels.Reductions.AllFinite(gradients))
        {
            return null;
        }

        IReadOnlyList<ParameterTensor> tensors = network.ParameterTensors;
        for (int i = tensors.Count - 1; i >= 0; i--)
        {
            if (!Kernels.Reductions.AllFinite(gradients.Slice(tensors[i].Offset, tensors[i].Length)))
            {
                return tensors[i].Name;
            }
        }

        return "(a gradient outside the named tensors)";
    }

    private static void OneHot(ReadOnlySpan<int> labels, int classes, Span<float> targets)
    {
        targets.Clear();
        for (int b = 0; b < labels.Length; b++)
        {
            targets[(b * classes) + labels[b]] = 1f;
        }
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
        return Evaluate(network, loader, new int[loader.BatchSize], Array.Empty<float>());
    }

    // Evaluates batch by batch; a regression dataset gives the loss against its targets and a NaN accuracy. When not
    // empty, outputs receives every sample's outputs in dataset order (for the validation metrics).
    private static EvaluationResult Evaluate(NetworkBase network, BatchLoader loader, int[] predictions, Span<float> outputs)
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
                ReadOnlySpan<float> output = network.Forward(mb.Features, mb.Size);
                if (!outputs.IsEmpty)
                {
                    output.CopyTo(outputs.Slice((int)seen * network.OutputSize, output.Length));
                }

                if (mb.Labels.IsEmpty)
                {
                    lossSum += (double)network.Loss(mb.Targets) * mb.Size;
                }
                else
                {
                    lossSum += (double)network.Loss(mb.Labels) * mb.Size;
                    network.ArgMax(predictions);
                    correct += CountCorrect(predictions.AsSpan(0, mb.Size), mb.Labels);
                }

                seen += mb.Size;
            }

            return new EvaluationResult(lossSum / seen, loader.Dataset.HasTargets ? double.NaN : (double)correct / seen);
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
            correct < 0 ? double.NaN : seen == 0 ? 0 : (double)correct / seen,
            seconds > 0 ? seen / seconds : 0,
            elapsed,
            remaining,
            metrics);
    }

    /// <summary>How many predictions are the largest entry (the first, on ties) of their sample's soft-target row.</summary>
    private static int CountDominant(ReadOnlySpan<int> predictions, ReadOnlySpan<float> targets, int classes)
    {
        int count = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            if (predictions[i] == Kernels.Reductions.ArgMax(targets.Slice(i * classes, classes)))
            {
                count++;
            }
        }

        return count;
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

        if (dataset.HasTargets && dataset.TargetCount != network.OutputSize)
        {
            throw new ArgumentException(
                $"The dataset has {dataset.TargetCount} targets per sample but the network has {network.OutputSize} outputs.", name);
        }

        if (dataset.ClassCount > network.OutputSize)
        {
            throw new ArgumentException(
                $"The dataset has {dataset.ClassCount} classes but the network has only {network.OutputSize} outputs.", name);
        }
    }
}
