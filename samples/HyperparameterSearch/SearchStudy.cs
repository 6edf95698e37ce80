using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;
using NetGen.Tuning;

namespace NetGen.Samples.HyperparameterTuning;

/// <summary>The data and budget of a search.</summary>
public sealed record SearchSettings
{
    /// <summary>The epochs every trial trains for.</summary>
    public int EpochsPerTrial { get; init; } = 3;

    /// <summary>Seeds the subset, the draws of the search, the initialization (the same in every trial) and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The training samples, drawn at random from Fashion-MNIST's training file.</summary>
    public int TrainCount { get; init; } = 20_000;

    /// <summary>The validation samples that score the trials, drawn from the rest of the training file.</summary>
    public int ValidationCount { get; init; } = 5_000;

    /// <summary>The random trials over the whole space.</summary>
    public int CoarseTrials { get; init; } = 30;

    /// <summary>The random trials over the space narrowed around the best coarse trials.</summary>
    public int FineTrials { get; init; } = 15;

    /// <summary>How many of the best coarse trials the narrowed ranges span.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>The samples per step.</summary>
    public int BatchSize { get; init; } = 64;
}

/// <summary>The result of a coarse-to-fine search.</summary>
/// <param name="Coarse">The space of the coarse stage.</param>
/// <param name="Fine">The space the fine stage drew from (narrowed around the best coarse trials).</param>
/// <param name="Results">Every trial, coarse ones first.</param>
/// <param name="CoarseTrials">The number of coarse trials at the start of <paramref name="Results"/>.</param>
public sealed record SearchOutcome(SearchSpace Coarse, SearchSpace Fine, SearchResults Results, int CoarseTrials);

/// <summary>
/// A coarse-to-fine random search for the MLP 784-256-128-10 with dropout, trained with SGD + Nesterov momentum 0.9:
/// learning rate log-uniform in [1e-4, 1e-1], (coupled L2) weight decay log-uniform in [1e-6, 1e-2], dropout a choice
/// of 0, 0.1, …, 0.5 (one declared network per value, see Networks.cs).
/// </summary>
public static class SearchStudy
{
    /// <summary>The dropout probabilities there is a declared network for.</summary>
    public static IReadOnlyList<double> DropoutValues { get; } = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5];

    /// <summary>The coarse search space.</summary>
    public static SearchSpace CreateSpace() => new()
    {
        { "lr", new LogUniform(1e-4, 1e-1) },
        { "weight_decay", new LogUniform(1e-6, 1e-2) },
        { "dropout", new Choice([.. DropoutValues]) },
    };

    /// <summary>The declared network with dropout <paramref name="dropout"/> (one of <see cref="DropoutValues"/>), initialized from <paramref name="seed"/>.</summary>
    /// <param name="dropout">The dropout probability.</param>
    /// <param name="seed">The initialization seed.</param>
    public static NetworkBase CreateNetwork(double dropout, int seed) => (int)Math.Round(dropout * 10) switch
    {
        0 => new MlpDropout00(seed),
        1 => new MlpDropout10(seed),
        2 => new MlpDropout20(seed),
        3 => new MlpDropout30(seed),
        4 => new MlpDropout40(seed),
        5 => new MlpDropout50(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "No network is declared with this dropout."),
    };

    /// <summary>
    /// Draws the training and validation subsets from Fashion-MNIST's training file (disjoint, at random) and
    /// standardizes both with the training subset's statistics.
    /// </summary>
    /// <param name="settings">The subset sizes and seed.</param>
    public static (Dataset Train, Dataset Validation) LoadData(SearchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Dataset all = FashionMnist.LoadTrain(FashionMnist.FindDirectory());
        Dataset picked = all.Split(settings.TrainCount + settings.ValidationCount, settings.Seed).Validation;
        (Dataset train, Dataset validation) = picked.Split(settings.ValidationCount, settings.Seed);
        Standardizer standardizer = Standardizer.Fit(train);
        standardizer.Apply(train);
        standardizer.Apply(validation);
        return (train, validation);
    }

    /// <summary>Runs the coarse stage, narrows the space around its best trials and runs the fine stage.</summary>
    /// <param name="train">The training set of every trial.</param>
    /// <param name="validation">The validation set that scores the trials.</param>
    /// <param name="settings">The budget.</param>
    /// <param name="progress">Receives each trial as it finishes, or null.</param>
    public static SearchOutcome Run(Dataset train, Dataset validation, SearchSettings settings, IProgress<TrialResult>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SearchSpace space = CreateSpace();
        HyperparameterSearch search = CreateSearch(train, validation, settings);
        SearchResults results = search.CoarseToFine(space, settings.CoarseTrials, settings.FineTrials, settings.TopK, settings.Seed, progress: progress);

        // The same narrowing CoarseToFine applied between its stages, recomputed to show the fine ranges.
        SearchSpace fine = space.Refine(results.Take(settings.CoarseTrials), settings.TopK);
        return new SearchOutcome(space, fine, results, settings.CoarseTrials);
    }

    /// <summary>The search every stage runs its trials with (the same in-process and in a scheduler's jobs).</summary>
    /// <param name="train">The training set of every trial.</param>
    /// <param name="validation">The validation set that scores the trials.</param>
    /// <param name="settings">The budget.</param>
    public static HyperparameterSearch CreateSearch(Dataset train, Dataset validation, SearchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new HyperparameterSearch(trial => Build(trial, settings), train, validation, SearchBudget.OfEpochs(settings.EpochsPerTrial));
    }

    /// <summary>
    /// The manifest of the coarse stage (<see cref="SearchSettings.CoarseTrials"/> random trials), or, given the merged coarse results, of the fine
    /// stage: exactly the trials <see cref="Run"/> draws in-process.
    /// </summary>
    /// <param name="settings">The budget and seed.</param>
    /// <param name="coarseResults">The merged results of the coarse stage, or null for the coarse manifest.</param>
    public static TrialManifest CreateManifest(SearchSettings settings, SearchResults? coarseResults = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SearchSpace space = CreateSpace();
        return coarseResults is null
            ? TrialManifest.Random(space, settings.CoarseTrials, settings.Seed)
            : TrialManifest.Random(space.Refine(coarseResults, settings.TopK), settings.FineTrials, settings.Seed + 1, firstIndex: coarseResults.Count);
    }

    /// <summary>A trial's network (same initialization in every trial), optimizer and trainer options.</summary>
    private static (NetworkBase, IOptimizer, TrainerOptions) Build(TrialParameters trial, SearchSettings settings)
    {
        NetworkBase network = CreateNetwork(trial["dropout"], settings.Seed);
        var optimizer = new Sgd(learningRate: trial.GetSingle("lr"), momentum: 0.9f, weightDecay: trial.GetSingle("weight_decay"), nesterov: true);
        var options = new TrainerOptions { BatchSize = settings.BatchSize, Seed = settings.Seed };
        return (network, optimizer, options);
    }
}
