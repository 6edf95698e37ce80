using System.Diagnostics;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;
using NetGen.Transfer;

namespace NetGen.Samples.FineTuning;

/// <summary>How the target network is prepared before training on the small set.</summary>
public enum Strategy
{
    /// <summary>Pretrained feature layers, frozen; only the new head trains.</summary>
    FrozenFeatures,

    /// <summary>Pretrained feature layers trained at a tenth of the head's learning rate.</summary>
    FineTuneAll,

    /// <summary>Every layer from a fresh initialization (the baseline).</summary>
    Scratch,
}

/// <summary>The budgets of the study.</summary>
public sealed record TransferSettings
{
    /// <summary>The pretraining epochs on classes 0–4.</summary>
    public int PretrainEpochs { get; init; } = 3;

    /// <summary>The pretraining samples (all of classes 0–4 in the training file: 30,000), or fewer for quick runs.</summary>
    public int? PretrainCount { get; init; }

    /// <summary>The labelled samples of classes 5–9 the target task gets.</summary>
    public int SmallCount { get; init; } = 500;

    /// <summary>The epochs on the small set (the same for every strategy).</summary>
    public int FineTuneEpochs { get; init; } = 30;

    /// <summary>The learning rate of Adam on the small set (the head's; the feature layers get a tenth in <see cref="Strategy.FineTuneAll"/>).</summary>
    public float FineTuneLearningRate { get; init; } = 1e-3f;

    /// <summary>How many different small sets (and head initializations) each strategy is trained on; the accuracies are averaged.</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>Seeds the initializations, the draws of the small sets and the batch orders.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>The two tasks: classes 0–4 to pretrain on, classes 5–9 (relabelled 0–4) to transfer to.</summary>
/// <param name="Pretrain">Training samples of classes 0–4.</param>
/// <param name="PretrainTest">Test samples of classes 0–4.</param>
/// <param name="TargetPool">Training samples of classes 5–9, relabelled 0–4, from which the small sets are drawn.</param>
/// <param name="TargetTest">Test samples of classes 5–9, relabelled 0–4.</param>
public sealed record TransferData(Dataset Pretrain, Dataset PretrainTest, Dataset TargetPool, Dataset TargetTest);

/// <summary>One strategy's test accuracies on the target task, one per repeat.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="TrainableParameters">The parameters the optimizer updates.</param>
/// <param name="Accuracies">The test accuracy on classes 5–9 after each repeat.</param>
/// <param name="Seconds">The mean training time of one repeat.</param>
public sealed record StrategyResult(Strategy Strategy, int TrainableParameters, IReadOnlyList<double> Accuracies, double Seconds)
{
    /// <summary>The mean test accuracy over the repeats.</summary>
    public double Mean => Accuracies.Average();

    /// <summary>The standard deviation of the test accuracy over the repeats.</summary>
    public double StandardDeviation => Math.Sqrt(Accuracies.Average(a => (a - Mean) * (a - Mean)));
}

/// <summary>The outcome of the study.</summary>
/// <param name="PretrainAccuracy">The source network's test accuracy on classes 0–4.</param>
/// <param name="Results">One result per strategy.</param>
public sealed record TransferOutcome(double PretrainAccuracy, IReadOnlyList<StrategyResult> Results);

/// <summary>
/// Transfer learning on Fashion-MNIST: pretrain <see cref="SourceCnn"/> on classes 0–4, copy its feature layers into
/// <see cref="TargetCnn"/> (<see cref="TransferLearning.LoadMatching(NetworkBase, NetworkBase, TensorMatch, Func{string, bool}?, bool, bool)"/>),
/// and train on a few hundred samples of classes 5–9 with the features frozen, fine-tuned, or not transferred at all.
/// </summary>
public static class TransferStudy
{
    /// <summary>The layers both networks share: the feature extractor.</summary>
    public static IReadOnlyList<string> FeatureLayers { get; } = ["conv0", "conv3"];

    /// <summary>
    /// Loads Fashion-MNIST, splits both files into classes 0–4 and 5–9 (the latter relabelled 0–4), and standardizes
    /// everything with the statistics of the pretraining set (the source network's preprocessing is part of what transfers).
    /// </summary>
    /// <param name="settings">The pretraining set size and seed.</param>
    public static TransferData LoadData(TransferSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.FindDirectory());
        Dataset pretrain = SelectClasses(train, first: 0, count: 5);
        if (settings.PretrainCount is int n && n < pretrain.Count)
        {
            pretrain = pretrain.Split(n, settings.Seed).Validation;
        }

        var data = new TransferData(pretrain, SelectClasses(test, 0, 5), SelectClasses(train, 5, 5), SelectClasses(test, 5, 5));
        Standardizer standardizer = Standardizer.Fit(data.Pretrain);
        standardizer.Apply(data.Pretrain);
        standardizer.Apply(data.PretrainTest);
        standardizer.Apply(data.TargetPool);
        standardizer.Apply(data.TargetTest);
        return data;
    }

    /// <summary>The samples of classes [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>), relabelled from 0.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="first">The first class kept.</param>
    /// <param name="count">The number of classes kept.</param>
    public static Dataset SelectClasses(Dataset dataset, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var indices = new List<int>();
        for (int i = 0; i < dataset.Count; i++)
        {
            if (dataset.Labels[i] >= first && dataset.Labels[i] < first + count)
            {
                indices.Add(i);
            }
        }

        Dataset subset = dataset.Subset(indices.ToArray());
        int[] labels = subset.Labels.ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] -= first;
        }

        string[] names = dataset.ClassNames.Skip(first).Take(count).ToArray();
        return new Dataset(subset.Features.ToArray(), labels, subset.FeatureShape.ToArray(), count, names);
    }

    /// <summary>Trains the source network on classes 0–4 with Adam (lr 1e-3).</summary>
    /// <param name="pretrain">The samples of classes 0–4.</param>
    /// <param name="settings">The epochs and seed.</param>
    public static SourceCnn Pretrain(Dataset pretrain, TransferSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var source = new SourceCnn(settings.Seed);
        new Trainer(new TrainerOptions { Epochs = settings.PretrainEpochs, BatchSize = 64, Seed = settings.Seed })
            .Fit(source, new Adam(1e-3f), pretrain, validation: null);
        return source;
    }

    /// <summary>
    /// A target network and its optimizer for <paramref name="strategy"/>: with the source's feature layers copied in
    /// (all but <see cref="Strategy.Scratch"/>), and an optimizer that freezes them or steps them at a tenth of the rate.
    /// </summary>
    /// <param name="strategy">The strategy.</param>
    /// <param name="source">The pretrained network.</param>
    /// <param name="seed">Initializes the target network (its head, and for <see cref="Strategy.Scratch"/> every layer).</param>
    /// <param name="learningRate">The head's Adam learning rate.</param>
    public static (TargetCnn Network, IOptimizer Optimizer) Prepare(Strategy strategy, SourceCnn source, int seed, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(source);
        var target = new TargetCnn(seed);
        if (strategy == Strategy.Scratch)
        {
            return (target, new Adam(learningRate));
        }

        // Both heads (dense7, dense9) have the same shapes, so the copy is restricted to the feature layers by name.
        TransferLearning.LoadMatching(target, source, layers: layer => FeatureLayers.Contains(layer));
        string[] features = [.. FeatureLayers];
        ParameterGroup group = strategy == Strategy.FrozenFeatures
            ? ParameterGroup.Freeze(features)
            : ParameterGroup.ForLayers("features", features) with { LearningRateMultiplier = 0.1f };
        return (target, new ParameterGroupOptimizer(target, () => new Adam(learningRate), learningRate, group));
    }

    /// <summary>The number of parameters <paramref name="optimizer"/> updates in <paramref name="network"/>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="optimizer">Its optimizer.</param>
    public static int TrainableParameters(NetworkBase network, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        return optimizer is ParameterGroupOptimizer groups
            ? groups.Groups.Where(g => !g.Frozen).Sum(g => g.ParameterCount)
            : network.ParameterCount;
    }

    /// <summary>Trains on the small set for <see cref="TransferSettings.FineTuneEpochs"/> epochs (batch 32).</summary>
    /// <param name="network">The target network.</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="small">The small training set.</param>
    /// <param name="settings">The epochs.</param>
    /// <param name="seed">The seed of the batch order.</param>
    public static void Train(NetworkBase network, IOptimizer optimizer, Dataset small, TransferSettings settings, int seed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        new Trainer(new TrainerOptions { Epochs = settings.FineTuneEpochs, BatchSize = 32, Seed = seed })
            .Fit(network, optimizer, small, validation: null);
    }

    /// <summary>Pretrains once, then trains every strategy on <see cref="TransferSettings.Repeats"/> small sets and tests it on classes 5–9.</summary>
    /// <param name="data">The two tasks.</param>
    /// <param name="settings">The budgets.</param>
    /// <param name="progress">Receives a line per stage, or null.</param>
    public static TransferOutcome Run(TransferData data, TransferSettings settings, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        SourceCnn source = Pretrain(data.Pretrain, settings);
        double pretrainAccuracy = Trainer.Evaluate(source, data.PretrainTest).Accuracy;
        progress?.Report($"pretrained on {data.Pretrain.Count} samples of classes 0-4: test accuracy {pretrainAccuracy:F4}");

        var results = new List<StrategyResult>();
        foreach (Strategy strategy in Enum.GetValues<Strategy>())
        {
            StrategyResult result = Compare(strategy, source, data, settings);
            results.Add(result);
            progress?.Report($"{strategy}: test accuracy {result.Mean:F4} ± {result.StandardDeviation:F4} over {settings.Repeats} small sets");
        }

        return new TransferOutcome(pretrainAccuracy, results);
    }

    /// <summary>Trains <paramref name="strategy"/>'s network on <see cref="TransferSettings.Repeats"/> small sets of classes 5–9 and tests each.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <param name="source">The pretrained network.</param>
    /// <param name="data">The two tasks.</param>
    /// <param name="settings">The budgets.</param>
    public static StrategyResult Compare(Strategy strategy, SourceCnn source, TransferData data, TransferSettings settings)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        var accuracies = new List<double>();
        double seconds = 0;
        int trainable = 0;
        for (int r = 0; r < settings.Repeats; r++)
        {
            // Repeat r draws the same small set and initializes the same head for every strategy.
            int seed = settings.Seed + (1000 * (r + 1));
            Dataset small = data.TargetPool.Split(settings.SmallCount, seed).Validation;
            (TargetCnn network, IOptimizer optimizer) = Prepare(strategy, source, seed, settings.FineTuneLearningRate);
            trainable = TrainableParameters(network, optimizer);
            long start = Stopwatch.GetTimestamp();
            Train(network, optimizer, small, settings, seed);
            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            accuracies.Add(Trainer.Evaluate(network, data.TargetTest).Accuracy);
        }

        return new StrategyResult(strategy, trainable, accuracies, seconds / settings.Repeats);
    }
}
