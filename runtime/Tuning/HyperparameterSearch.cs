using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Tuning;

/// <summary>A trial's training budget: a number of epochs, optionally cut short after a number of optimizer steps.</summary>
public sealed record SearchBudget
{
    /// <summary>A budget of <paramref name="epochs"/> epochs.</summary>
    /// <param name="epochs">The epochs per trial; positive.</param>
    public static SearchBudget OfEpochs(int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        return new SearchBudget { Epochs = epochs };
    }

    /// <summary>A budget of <paramref name="steps"/> optimizer steps (as many epochs as that takes, the last one cut short).</summary>
    /// <param name="steps">The steps per trial; positive.</param>
    public static SearchBudget OfSteps(long steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        return new SearchBudget { MaxSteps = steps };
    }

    /// <summary>The epochs per trial, or null to keep each trial's <see cref="TrainerOptions.Epochs"/> (or derive it from <see cref="MaxSteps"/>).</summary>
    public int? Epochs { get; init; }

    /// <summary>The most optimizer steps per trial, or null for no limit.</summary>
    public long? MaxSteps { get; init; }
}

/// <summary>
/// Grid and random search over named hyperparameters. Each trial gets its network, optimizer and trainer options
/// from a user callback, trains on the training set within the <see cref="SearchBudget"/>, and is scored by its
/// validation accuracy. A trial that diverges is recorded as diverged and the search goes on.
/// </summary>
public sealed class HyperparameterSearch
{
    private readonly Func<TrialParameters, (NetworkBase Network, IOptimizer Optimizer, TrainerOptions Options)> _build;

    /// <summary>Creates a search.</summary>
    /// <param name="build">Builds a fresh network (initialized), optimizer and trainer options from a trial's hyperparameters.</param>
    /// <param name="train">The training set.</param>
    /// <param name="validation">The validation set that scores the trials.</param>
    /// <param name="budget">The training budget of every trial, or null to train each for its options' epochs.</param>
    public HyperparameterSearch(
        Func<TrialParameters, (NetworkBase Network, IOptimizer Optimizer, TrainerOptions Options)> build,
        Dataset train,
        Dataset validation,
        SearchBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        _build = build;
        Train = train;
        Validation = validation;
        Budget = budget ?? new SearchBudget();
    }

    /// <summary>The training set.</summary>
    public Dataset Train { get; }

    /// <summary>The validation set.</summary>
    public Dataset Validation { get; }

    /// <summary>The budget of every trial.</summary>
    public SearchBudget Budget { get; }

    /// <summary>Runs every combination of <see cref="SearchSpace.Grid"/>.</summary>
    /// <param name="space">The hyperparameters.</param>
    /// <param name="pointsPerRange">How many values each continuous range contributes.</param>
    /// <param name="progress">Receives each trial's result as it finishes, or null.</param>
    /// <param name="cancellationToken">Stops the search between two steps.</param>
    public SearchResults Grid(SearchSpace space, int pointsPerRange = 3, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        return Run(space.Names, space.Grid(pointsPerRange), progress, cancellationToken);
    }

    /// <summary>Runs <paramref name="trials"/> trials drawn by <see cref="SearchSpace.Sample"/>; the same seed draws the same trials.</summary>
    /// <param name="space">The hyperparameters.</param>
    /// <param name="trials">The number of trials.</param>
    /// <param name="seed">The seed of the draws.</param>
    /// <param name="progress">Receives each trial's result as it finishes, or null.</param>
    /// <param name="cancellationToken">Stops the search between two steps.</param>
    public SearchResults Random(SearchSpace space, int trials, long seed, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        return Run(space.Names, space.Sample(trials, seed), progress, cancellationToken);
    }

    /// <summary>
    /// Coarse then fine: a random search of <paramref name="coarseTrials"/> trials over <paramref name="space"/>, then
    /// <paramref name="fineTrials"/> over the space <see cref="SearchSpace.Refine"/> narrows around its
    /// <paramref name="topK"/> best; returns both stages in one table (the fine trials numbered after the coarse ones).
    /// </summary>
    /// <param name="space">The coarse hyperparameter space.</param>
    /// <param name="coarseTrials">The number of coarse trials.</param>
    /// <param name="fineTrials">The number of fine trials.</param>
    /// <param name="topK">How many coarse trials the fine ranges span.</param>
    /// <param name="seed">The seed of both stages' draws.</param>
    /// <param name="padding">The refinement's padding (see <see cref="SearchSpace.Refine"/>).</param>
    /// <param name="progress">Receives each trial's result as it finishes, or null.</param>
    /// <param name="cancellationToken">Stops the search between two steps.</param>
    public SearchResults CoarseToFine(SearchSpace space, int coarseTrials, int fineTrials, int topK, long seed, double padding = 0.1, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        SearchResults coarse = Run(space.Names, space.Sample(coarseTrials, seed), progress, cancellationToken);
        SearchSpace fine = space.Refine(coarse, topK, padding);
        SearchResults refined = Run(fine.Names, fine.Sample(fineTrials, seed + 1, firstIndex: coarse.Count), progress, cancellationToken);
        return coarse.Concat(refined);
    }

    /// <summary>Runs the given trials in order.</summary>
    /// <param name="names">The hyperparameter names of every trial.</param>
    /// <param name="trials">The trials.</param>
    /// <param name="progress">Receives each trial's result as it finishes, or null.</param>
    /// <param name="cancellationToken">Stops the search between two steps.</param>
    public SearchResults Run(IReadOnlyList<string> names, IEnumerable<TrialParameters> trials, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(trials);
        var results = new List<TrialResult>();
        foreach (TrialParameters trial in trials)
        {
            TrialResult result = RunTrial(trial, cancellationToken);
            results.Add(result);
            progress?.Report(result);
        }

        return new SearchResults(names, results);
    }

    /// <summary>Runs every trial of <paramref name="manifest"/> in order, in this process.</summary>
    /// <param name="manifest">The trials.</param>
    /// <param name="progress">Receives each trial's result as it finishes, or null.</param>
    /// <param name="cancellationToken">Stops the search between two steps.</param>
    public SearchResults Run(TrialManifest manifest, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Run(manifest.ParameterNames, manifest, progress, cancellationToken);
    }

    /// <summary>
    /// Runs the one trial of <paramref name="manifest"/> at the scheduler's <paramref name="jobIndex"/> (see
    /// <see cref="TrialIndex.Resolve"/>) and writes its result file into <paramref name="resultsFolder"/>; after every
    /// job, <see cref="TrialResultFiles.Merge"/> gives the table <see cref="Run(TrialManifest, IProgress{TrialResult}?, CancellationToken)"/> gives.
    /// </summary>
    /// <param name="manifest">The trials of the stage.</param>
    /// <param name="jobIndex">The job's index in [0, manifest.Count).</param>
    /// <param name="resultsFolder">The folder every job writes its result file to.</param>
    /// <param name="cancellationToken">Stops the trial between two steps.</param>
    /// <returns>The trial's result.</returns>
    public TrialResult RunJob(TrialManifest manifest, int jobIndex, string resultsFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrEmpty(resultsFolder);
        TrialResult result = RunTrial(manifest.ForJobIndex(jobIndex), cancellationToken);
        TrialResultFiles.Write(resultsFolder, manifest.ParameterNames, result);
        return result;
    }

    /// <summary>Builds, trains and scores one trial.</summary>
    /// <param name="trial">The hyperparameters.</param>
    /// <param name="cancellationToken">Stops the trial (and throws) between two steps.</param>
    public TrialResult RunTrial(TrialParameters trial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trial);
        long start = Stopwatch.GetTimestamp();
        (NetworkBase network, IOptimizer optimizer, TrainerOptions options) = _build(trial);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);

        int batchesPerEpoch = (Train.Count + options.BatchSize - 1) / options.BatchSize;
        int epochs = Budget.Epochs
            ?? (Budget.MaxSteps is long steps ? (int)Math.Min(int.MaxValue, (steps + batchesPerEpoch - 1) / batchesPerEpoch) : options.Epochs);
        using var budgetStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var meter = new TrialMeter(Budget.MaxSteps, budgetStop);
        var callbacks = new List<TrainingCallback>(options.Callbacks) { meter };
        var trainer = new Trainer(WithBudget(options, epochs, callbacks));

        bool diverged = false;
        try
        {
            trainer.Fit(network, optimizer, Train, Validation, resume: null, progress: null, budgetStop.Token);
        }
        catch (TrainingDivergedException)
        {
            diverged = true;
        }
        catch (OperationCanceledException) when (meter.BudgetReached && !cancellationToken.IsCancellationRequested)
        {
            // The step budget ran out in the middle of an epoch: the trial ends here.
        }

        double accuracy = double.NaN, loss = double.NaN;
        if (!diverged)
        {
            (loss, accuracy) = Trainer.Evaluate(network, Validation, options.EvaluationBatchSize);
            diverged = !double.IsFinite(loss);
        }

        return new TrialResult(trial, accuracy, loss, meter.TrainLoss, Stopwatch.GetElapsedTime(start).TotalSeconds, meter.Steps, diverged);
    }

    /// <summary>A copy of <paramref name="o"/> (every setting, including any added later) with the trial's epochs and callbacks.</summary>
    private static TrainerOptions WithBudget(TrainerOptions o, int epochs, IReadOnlyList<TrainingCallback> callbacks) =>
        o with { Epochs = epochs, Callbacks = callbacks };

    /// <summary>Counts steps, stops the trial at the step budget, and averages the losses of the last epoch's steps.</summary>
    private sealed class TrialMeter(long? maxSteps, CancellationTokenSource stop) : TrainingCallback
    {
        private double _lossSum;
        private long _lossCount;
        private double _lastEpochLoss = double.NaN;

        public long Steps { get; private set; }

        public bool BudgetReached { get; private set; }

        /// <summary>The mean loss of the steps after the last completed epoch, or that epoch's loss when none followed.</summary>
        public double TrainLoss => _lossCount > 0 ? _lossSum / _lossCount : _lastEpochLoss;

        public override void OnStepEnd(TrainingContext context)
        {
            Steps++;
            _lossSum += context.LastLoss;
            _lossCount++;
            if (maxSteps is long max && Steps >= max && !BudgetReached)
            {
                BudgetReached = true;
                stop.Cancel(); // the trainer stops before the next step
            }
        }

        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
        {
            _lastEpochLoss = metrics.TrainLoss;
            _lossSum = 0;
            _lossCount = 0;
        }
    }
}
