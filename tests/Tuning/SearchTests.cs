using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;
using NetGen.Tuning;

namespace NetGen.Tests.Tuning;

public class SearchTests
{
    private static readonly Dataset Train = Synthetic.Blobs(160, 20, 5, seed: 1, noise: 2.5f);
    private static readonly Dataset Validation = Synthetic.Blobs(80, 20, 5, seed: 2, noise: 2.5f);

    /// <summary>OracleMlp with SGD; the learning rate and momentum come from the trial, the seeds from nothing else.</summary>
    private static (NetworkBase, IOptimizer, TrainerOptions) Build(TrialParameters p)
        => (new OracleMlp(seed: 11), new Sgd(p.GetSingle("lr"), momentum: p.GetSingle("momentum")), new TrainerOptions { BatchSize = 32, Seed = 4 });

    private static HyperparameterSearch Search(SearchBudget? budget = null) => new(Build, Train, Validation, budget ?? SearchBudget.OfEpochs(2));

    [Fact]
    public void Log_uniform_samples_stay_in_range_and_fill_every_decade_equally()
    {
        var space = new SearchSpace { { "lr", new LogUniform(1e-4, 1) } };
        const int n = 20000;
        double[] logs = space.Sample(n, seed: 7).Select(t => Math.Log10(t["lr"])).ToArray();

        Assert.All(logs, l => Assert.InRange(l, -4.0, 0.0));
        var decades = new int[4];
        foreach (double l in logs)
        {
            decades[Math.Min(3, (int)Math.Floor(l + 4))]++;
        }

        // Each decade holds a quarter (σ ≈ 0.3 %); a linear-uniform draw would put 90 % in the top decade.
        Assert.All(decades, d => Assert.InRange(d / (double)n, 0.23, 0.27));

        // Kolmogorov–Smirnov against U(−4, 0): D stays below the 0.1 % critical value 1.95/√n.
        Array.Sort(logs);
        double ks = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = (logs[i] + 4) / 4;
            ks = Math.Max(ks, Math.Max(Math.Abs(cdf - (i / (double)n)), Math.Abs(((i + 1) / (double)n) - cdf)));
        }

        Assert.True(ks < 1.95 / Math.Sqrt(n), $"KS distance {ks}");
    }

    [Fact]
    public void Uniform_and_choice_samples_stay_in_their_ranges()
    {
        var space = new SearchSpace { { "dropout", new Uniform(0.1, 0.5) }, { "width", new Choice(16, 32, 64) } };
        IReadOnlyList<TrialParameters> trials = space.Sample(3000, seed: 1);
        Assert.All(trials, t => Assert.InRange(t["dropout"], 0.1, 0.5));
        Assert.InRange(trials.Average(t => t["dropout"]), 0.29, 0.31);
        Assert.Equal([16.0, 32.0, 64.0], trials.Select(t => t["width"]).Distinct().Order());
        Assert.All(trials.GroupBy(t => t["width"]), g => Assert.InRange(g.Count(), 900, 1100));
    }

    [Fact]
    public void Grid_covers_the_cartesian_product_exactly_once()
    {
        var space = new SearchSpace
        {
            { "lr", new LogUniform(1e-3, 1e-1) },
            { "momentum", new Choice(0, 0.9) },
            { "dropout", new Uniform(0, 0.5) },
        };

        IReadOnlyList<TrialParameters> grid = space.Grid(pointsPerRange: 3);

        double[] lrs = [1e-3, 1e-2, 1e-1], momenta = [0, 0.9], dropouts = [0, 0.25, 0.5];
        var expected = (from lr in lrs from m in momenta from d in dropouts select (lr, m, d)).ToList();
        Assert.Equal(expected.Count, grid.Count);
        for (int i = 0; i < grid.Count; i++)
        {
            Assert.Equal(expected[i].lr, grid[i]["lr"], 1e-12);
            Assert.Equal(expected[i].m, grid[i]["momentum"]);
            Assert.Equal(expected[i].d, grid[i]["dropout"], 1e-12);
            Assert.Equal(i, grid[i].Index);
        }

        Assert.Equal(grid.Count, grid.Select(t => t.ToString()).Distinct().Count());
    }

    [Fact]
    public void Search_records_diverged_trials_and_the_best_trial_has_the_best_score()
    {
        var space = new SearchSpace { { "lr", new Choice(1e-3, 0.05, 0.3, 1e30) }, { "momentum", new Choice(0, 0.9) } };
        SearchResults results = Search().Grid(space);

        Assert.Equal(8, results.Count);
        TrialResult[] diverged = results.Where(r => r.Diverged).ToArray();
        Assert.Equal([1e30, 1e30], diverged.Select(r => r.Parameters["lr"]));
        Assert.All(diverged, r => Assert.True(double.IsNaN(r.ValidationAccuracy)));
        Assert.All(results.Where(r => !r.Diverged), r => Assert.InRange(r.ValidationAccuracy, 0, 1));

        TrialResult best = results.BestTrial!;
        double top = results.Where(r => !r.Diverged).Max(r => r.ValidationAccuracy);
        Assert.Equal(top, best.ValidationAccuracy);
        Assert.Equal(results.Where(r => !r.Diverged && r.ValidationAccuracy == top).Min(r => r.ValidationLoss), best.ValidationLoss);
        Assert.True(best.ValidationAccuracy > 0.5, results.Summary(8));
        IReadOnlyList<TrialResult> ranked = results.Best(10);
        Assert.Equal(6, ranked.Count);
        Assert.Same(best, ranked[0]);
        for (int i = 1; i < ranked.Count; i++)
        {
            Assert.True(ranked[i - 1].ValidationAccuracy >= ranked[i].ValidationAccuracy);
        }

        string summary = results.Summary(3);
        Assert.StartsWith("8 trials, 2 diverged; best 3:", summary);
    }

    [Fact]
    public void Ranking_prefers_accuracy_then_loss_and_ignores_diverged_trials()
    {
        string[] names = ["lr"];
        TrialResult T(int i, double acc, double loss, bool diverged = false) => new(new TrialParameters(i, names, [i]), acc, loss, 0.5, 1, 10, diverged);
        var results = new SearchResults(names, [T(0, 0.8, 0.5), T(1, 0.9, 0.7), T(2, 0.9, 0.6), T(3, double.NaN, double.NaN, diverged: true), T(4, 1.0, 0.1, diverged: true)]);
        Assert.Equal([2, 1, 0], results.Best(5).Select(r => r.Index));
    }

    [Fact]
    public void Csv_parses_back_to_the_same_table()
    {
        var space = new SearchSpace { { "lr", new LogUniform(1e-3, 1e36) }, { "momentum", new Uniform(0, 0.9) } };
        SearchResults results = Search(SearchBudget.OfSteps(3)).Random(space, 5, seed: 3);
        Assert.Contains(results, r => r.Diverged);

        string csv = results.ToCsv();
        Assert.StartsWith("trial,lr,momentum,val_accuracy,val_loss,train_loss,seconds,steps,diverged\n", csv);
        SearchResults back = SearchResults.ParseCsv(csv);

        Assert.Equal(results.ParameterNames, back.ParameterNames);
        Assert.Equal(results.Count, back.Count);
        for (int i = 0; i < results.Count; i++)
        {
            TrialResult a = results[i], b = back[i];
            Assert.Equal(a.Index, b.Index);
            Assert.Equal(a.Parameters.Values, b.Parameters.Values);
            Assert.Equal(
                (a.ValidationAccuracy, a.ValidationLoss, a.TrainLoss, a.Seconds, a.Steps, a.Diverged),
                (b.ValidationAccuracy, b.ValidationLoss, b.TrainLoss, b.Seconds, b.Steps, b.Diverged));
        }

        Assert.Equal(csv, back.ToCsv());
        Assert.Throws<FormatException>(() => SearchResults.ParseCsv(csv.Replace("diverged\n", "oops\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void Seeded_searches_are_reproducible()
    {
        var space = new SearchSpace { { "lr", new LogUniform(1e-3, 0.5) }, { "momentum", new Choice(0, 0.5, 0.9) } };
        SearchResults a = Search().Random(space, 4, seed: 42);
        SearchResults b = Search().Random(space, 4, seed: 42);
        SearchResults c = Search().Random(space, 4, seed: 43);

        Assert.Equal(a.Select(r => r.Parameters.ToString()), b.Select(r => r.Parameters.ToString()));
        Assert.Equal(a.Select(r => (r.ValidationAccuracy, r.ValidationLoss, r.TrainLoss)), b.Select(r => (r.ValidationAccuracy, r.ValidationLoss, r.TrainLoss)));
        Assert.NotEqual(a.Select(r => r.Parameters["lr"]), c.Select(r => r.Parameters["lr"]));
    }

    [Fact]
    public void Trials_keep_every_setting_of_the_built_options_and_the_caller_s_callbacks()
    {
        // Each trial's options come from the builder; the search only sets the epochs and adds its meter. A gradient
        // transform, a batch transform and a callback given by the builder must all run in the trial.
        var transform = new CountingTransform();
        var batches = new CountingBatchTransform();
        var callback = new CountingCallback();
        var search = new HyperparameterSearch(
            p => (new OracleMlp(seed: 11), new Sgd(0.05f), new TrainerOptions
            {
                BatchSize = 40,
                Seed = 4,
                GradientTransforms = [transform],
                BatchTransforms = [batches],
                Callbacks = [callback],
                CheckGradients = false,
            }),
            Train,
            Validation,
            SearchBudget.OfEpochs(2));
        SearchResults results = search.Grid(new SearchSpace { { "lr", new Choice(0.05) } });

        Assert.Equal(8, results[0].Steps);  // 160 samples / 40 per batch × 2 epochs
        Assert.Equal(8, transform.Calls);
        Assert.Equal(8, batches.Calls);
        Assert.Equal(2, callback.Epochs);
    }

    private sealed class CountingTransform : IGradientTransform
    {
        public int Calls { get; private set; }

        public double Apply(NetworkBase network, Span<float> gradients)
        {
            Calls++;
            return 0;
        }
    }

    private sealed class CountingBatchTransform : IBatchTransform
    {
        public int Calls { get; private set; }

        public bool ProducesSoftTargets => false;

        public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng) => Calls++;
    }

    private sealed class CountingCallback : TrainingCallback
    {
        public int Epochs { get; private set; }

        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics) => Epochs++;
    }

    [Fact]
    public void A_step_budget_stops_each_trial_after_that_many_steps()
    {
        var space = new SearchSpace { { "lr", new Choice(0.05) }, { "momentum", new Choice(0.9) } };
        SearchResults results = Search(SearchBudget.OfSteps(7)).Grid(space);     // 5 steps per epoch: stops in epoch 2
        Assert.Equal(7, results[0].Steps);
        Assert.False(results[0].Diverged);
        Assert.True(double.IsFinite(results[0].TrainLoss));
        Assert.Equal(10, Search(SearchBudget.OfEpochs(2)).Grid(space)[0].Steps);
    }

    [Fact]
    public void Refine_narrows_log_ranges_around_the_best_trials()
    {
        var space = new SearchSpace { { "lr", new LogUniform(1e-5, 10) }, { "momentum", new Choice(0, 0.5, 0.9) } };
        string[] names = ["lr", "momentum"];
        TrialResult T(int i, double lr, double m, double acc) => new(new TrialParameters(i, names, [lr, m]), acc, 1 - acc, 1, 1, 10, false);
        TrialResult[] coarse = [T(0, 1e-4, 0, 0.3), T(1, 1e-2, 0.9, 0.8), T(2, 3e-2, 0.5, 0.85), T(3, 1, 0.9, 0.2), T(4, 5e-3, 0, 0.1)];

        SearchSpace fine = space.Refine(coarse, topK: 2, padding: 0.1);

        var lr = Assert.IsType<LogUniform>(fine["lr"]);
        double pad = Math.Pow(10, 0.1 * 6);          // a tenth of the six decades
        Assert.Equal(1e-2 / pad, lr.Min, 1e-12);
        Assert.Equal(3e-2 * pad, lr.Max, 1e-12);
        Assert.Equal([0.5, 0.9], Assert.IsType<Choice>(fine["momentum"]).Values);
        Assert.All(fine.Sample(200, seed: 1), t => Assert.InRange(t["lr"], lr.Min, lr.Max));

        // The padding never leaves the coarse range.
        var edge = new SearchSpace { { "lr", new LogUniform(1e-2, 1) }, { "momentum", new Uniform(0, 0.9) } };
        var clipped = (LogUniform)edge.Refine([T(0, 1, 0.9, 0.5)], topK: 1, padding: 0.25)["lr"];
        Assert.Equal(1, clipped.Max);
        Assert.Equal(Math.Pow(10, -0.5), clipped.Min, 1e-12);
        Assert.Throws<InvalidOperationException>(() => space.Refine([coarse[0] with { Diverged = true }], topK: 1));
    }

    [Fact]
    public void Coarse_to_fine_runs_both_stages_and_the_fine_trials_stay_in_the_refined_ranges()
    {
        var space = new SearchSpace { { "lr", new LogUniform(1e-4, 1) }, { "momentum", new Choice(0, 0.9) } };
        SearchResults results = Search(SearchBudget.OfSteps(5)).CoarseToFine(space, coarseTrials: 6, fineTrials: 4, topK: 2, seed: 5);

        Assert.Equal(10, results.Count);
        Assert.Equal(Enumerable.Range(0, 10), results.Select(r => r.Index));
        SearchSpace fine = space.Refine(results.Take(6), topK: 2);
        Assert.All(results.Skip(6), r => Assert.True(fine["lr"].Contains(r.Parameters["lr"]) && fine["momentum"].Contains(r.Parameters["momentum"]), r.Parameters.ToString()));
    }

    [Fact]
    public void Names_that_would_break_the_table_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SearchSpace { { "a,b", new Choice(1) } });
        Assert.Throws<ArgumentException>(() => new SearchSpace { { "val_loss", new Choice(1) } });
        Assert.Throws<ArgumentException>(() => new SearchSpace { { "lr", new Choice(1) }, { "lr", new Choice(2) } });
        Assert.Throws<ArgumentException>(() => new LogUniform(0, 1));
    }
}
