using System.Diagnostics;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Samples.OptimizerComparison;

/// <summary>One optimizer of the comparison: its name, its settings in words, and how to create it.</summary>
/// <param name="Name">The name in the legend and the table, e.g. "SGD + momentum".</param>
/// <param name="Settings">The hyperparameters, e.g. "lr 0.01, μ 0.9".</param>
/// <param name="Create">Creates a fresh optimizer (no state).</param>
public sealed record Contender(string Name, string Settings, Func<IOptimizer> Create);

/// <summary>The budget and data of a comparison.</summary>
public sealed record ComparisonSettings
{
    /// <summary>The passes over the training set each optimizer gets.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Seeds the initialization (shared by all optimizers), the validation split and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The samples per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Each point of a loss curve is the mean training loss of this many consecutive steps.</summary>
    public int StepsPerPoint { get; init; } = 20;

    /// <summary>The training samples to use, or null for all of them (55,000 after the validation split).</summary>
    public int? TrainCount { get; init; }

    /// <summary>The samples held out of the training file for validation.</summary>
    public int ValidationCount { get; init; } = 5000;
}

/// <summary>What one optimizer achieved.</summary>
/// <param name="Contender">The optimizer.</param>
/// <param name="LossCurve">The mean training loss of each window of <see cref="ComparisonSettings.StepsPerPoint"/> steps, in order.</param>
/// <param name="InitialLoss">The loss on the training set before the first step (the same for every optimizer).</param>
/// <param name="FinalTrainLoss">The loss on the training set after the last step (inference mode).</param>
/// <param name="ValidationAccuracy">The accuracy on the validation set after the last step.</param>
/// <param name="TrainingTime">The wall-clock time of the training steps and per-epoch validation.</param>
public sealed record OptimizerRun(Contender Contender, IReadOnlyList<double> LossCurve, double InitialLoss, double FinalTrainLoss, double ValidationAccuracy, TimeSpan TrainingTime);

/// <summary>
/// Trains <see cref="ComparisonMlp"/> once per optimizer, each time from the same initialization (the same seed) and
/// with the same batch order, and records the training loss every few steps.
/// </summary>
public static class Comparison
{
    /// <summary>
    /// The seven optimizers with typical learning rates for this MLP on standardized inputs: plain SGD and both
    /// momentum variants share lr 0.01 (so momentum's effect shows), AdaGrad uses torch's default 0.01, RMSProp,
    /// Adam and AdamW the usual 1e-3 (AdamW with torch's default decoupled weight decay 0.01).
    /// </summary>
    public static IReadOnlyList<Contender> Contenders { get; } =
    [
        new("SGD", "lr 0.01", () => new Sgd(learningRate: 0.01f)),
        new("SGD + momentum", "lr 0.01, μ 0.9", () => new Sgd(learningRate: 0.01f, momentum: 0.9f)),
        new("Nesterov", "lr 0.01, μ 0.9", () => new Sgd(learningRate: 0.01f, momentum: 0.9f, nesterov: true)),
        new("AdaGrad", "lr 0.01", () => new AdaGrad(learningRate: 0.01f)),
        new("RMSProp", "lr 0.001, α 0.99", () => new RmsProp(learningRate: 1e-3f, alpha: 0.99f)),
        new("Adam", "lr 0.001, β (0.9, 0.999)", () => new Adam(learningRate: 1e-3f)),
        new("AdamW", "lr 0.001, weight decay 0.01", () => new AdamW(learningRate: 1e-3f, weightDecay: 0.01f)),
    ];

    /// <summary>
    /// Loads Fashion-MNIST's training file, splits off the validation set and standardizes both with the training
    /// part's mean and standard deviation.
    /// </summary>
    /// <param name="settings">The split sizes and seed.</param>
    public static (Dataset Train, Dataset Validation) LoadData(ComparisonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Dataset all = FashionMnist.LoadTrain(FashionMnist.FindDirectory());
        (Dataset train, Dataset validation) = all.Split(settings.ValidationCount, settings.Seed);
        if (settings.TrainCount is int count && count < train.Count)
        {
            train = train.Slice(0, count);
        }

        Standardizer standardizer = Standardizer.Fit(train);
        standardizer.Apply(train);
        standardizer.Apply(validation);
        return (train, validation);
    }

    /// <summary>Trains one network per contender and measures each.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="validation">The validation set.</param>
    /// <param name="settings">The budget.</param>
    /// <param name="contenders">The optimizers, or null for <see cref="Contenders"/>.</param>
    /// <param name="progress">Receives each run as it finishes, or null.</param>
    public static IReadOnlyList<OptimizerRun> Run(
        Dataset train,
        Dataset validation,
        ComparisonSettings settings,
        IReadOnlyList<Contender>? contenders = null,
        IProgress<OptimizerRun>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(settings);
        var runs = new List<OptimizerRun>();
        foreach (Contender contender in contenders ?? Contenders)
        {
            // The same seed gives every optimizer the same initial weights, and the trainer's seed the same batches.
            var network = new ComparisonMlp(settings.Seed);
            double initialLoss = Trainer.Evaluate(network, train).Loss;
            var curve = new LossCurve(settings.StepsPerPoint);
            var trainer = new Trainer(new TrainerOptions
            {
                Epochs = settings.Epochs,
                BatchSize = settings.BatchSize,
                Seed = settings.Seed,
                Callbacks = [curve],
            });

            long start = Stopwatch.GetTimestamp();
            TrainingHistory history = trainer.Fit(network, contender.Create(), train, validation);
            TimeSpan time = Stopwatch.GetElapsedTime(start);
            double finalLoss = Trainer.Evaluate(network, train).Loss;

            var run = new OptimizerRun(contender, curve.Points, initialLoss, finalLoss, history.Last!.ValidationAccuracy ?? double.NaN, time);
            runs.Add(run);
            progress?.Report(run);
        }

        return runs;
    }
}
