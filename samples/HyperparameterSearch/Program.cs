using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Samples.HyperparameterTuning;
using NetGen.Tuning;

// Coarse-to-fine random search over learning rate, weight decay and dropout, in this process:
//   dotnet run -c Release --project samples/HyperparameterSearch [-- --epochs 3 --seed 1 --out out/hyperparameter-search]
// or one stage as a job array on a scheduler (docs/scaling.md): write the manifest, run one trial per job index
// (--trial-index N, or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID), merge the result files:
//   HyperparameterSearch --write-manifest out/coarse.csv
//   HyperparameterSearch --manifest out/coarse.csv --results out/coarse --trial-index 0     (one process per index)
//   HyperparameterSearch --manifest out/coarse.csv --merge out/coarse --out out/coarse-merged
//   HyperparameterSearch --write-manifest out/fine.csv --refine-from out/coarse-merged/trials.csv   (then the same for the fine stage)
if (Options.Parse(args) is not { } options)
{
    return 2;
}

var inv = CultureInfo.InvariantCulture;
if (options.Threads is int threads)
{
    Compute.ThreadCount = threads;
}

var settings = new SearchSettings
{
    EpochsPerTrial = options.Epochs,
    Seed = options.Seed,
    TrainCount = options.TrainCount ?? new SearchSettings().TrainCount,
    ValidationCount = options.ValidationCount ?? new SearchSettings().ValidationCount,
    CoarseTrials = options.CoarseTrials ?? new SearchSettings().CoarseTrials,
    FineTrials = options.FineTrials ?? new SearchSettings().FineTrials,
};

try
{
    if (options.WriteManifest is { } manifestPath)
    {
        SearchResults? coarse = options.RefineFrom is { } coarsePath ? SearchResults.ReadCsv(coarsePath) : null;
        TrialManifest manifest = SearchStudy.CreateManifest(settings, coarse);
        manifest.WriteCsv(manifestPath);
        Console.WriteLine($"wrote {manifestPath}: {manifest.Count} {(coarse is null ? "coarse" : "fine")} trials (run job indices 0-{manifest.Count - 1})");
        return 0;
    }

    if (options.Manifest is { } path && options.Merge is { } mergeFolder)
    {
        SearchResults merged = TrialResultFiles.Merge(mergeFolder, TrialManifest.ReadCsv(path));
        Directory.CreateDirectory(options.Output);
        string csv = Path.Combine(options.Output, "trials.csv");
        merged.WriteCsv(csv);
        Console.WriteLine($"merged {merged.Count} trials into {csv}");
        Console.Write(merged.Summary(top: 5));
        return 0;
    }

    if (options.Manifest is { } wholeManifest && options.InProcess)
    {
        (Dataset allTrain, Dataset allValidation) = SearchStudy.LoadData(settings);
        SearchResults all = SearchStudy.CreateSearch(allTrain, allValidation, settings).Run(TrialManifest.ReadCsv(wholeManifest));
        Directory.CreateDirectory(options.Output);
        string csv = Path.Combine(options.Output, "trials.csv");
        all.WriteCsv(csv);
        Console.WriteLine($"ran {all.Count} trials in this process into {csv}");
        Console.Write(all.Summary(top: 5));
        return 0;
    }

    if (options.Manifest is { } jobManifest)
    {
        TrialManifest manifest = TrialManifest.ReadCsv(jobManifest);
        int index = TrialIndex.Resolve(options.TrialIndex)
            ?? throw new ArgumentException($"No trial index: pass --trial-index N or run as a job array ({TrialIndex.KubernetesVariable} or {TrialIndex.SlurmVariable}).");
        string resultsFolder = options.Results ?? Path.Combine(options.Output, "trials");
        (Dataset jobTrain, Dataset jobValidation) = SearchStudy.LoadData(settings);
        TrialResult result = SearchStudy.CreateSearch(jobTrain, jobValidation, settings).RunJob(manifest, index, resultsFolder);
        string score = result.Succeeded ? string.Create(inv, $"val acc {result.ValidationAccuracy:F4}") : "diverged";
        Console.WriteLine(string.Create(inv, $"job {index}: trial {result.Index}  {result.Parameters}  {score}  {result.Seconds:F1} s -> {Path.Combine(resultsFolder, TrialResultFiles.FileName(result.Index))}"));
        return 0;
    }
}
catch (Exception e) when (e is IOException or FormatException or InvalidDataException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

var clock = Stopwatch.StartNew();
(Dataset train, Dataset validation) = SearchStudy.LoadData(settings);
Console.WriteLine($"Fashion-MNIST subset: train {train.Count}, validation {validation.Count}; {settings.CoarseTrials} coarse + {settings.FineTrials} fine trials of {settings.EpochsPerTrial} epochs, SGD + Nesterov 0.9, batch {settings.BatchSize}, seed {settings.Seed}, {Compute.ThreadCount} thread(s)");
Console.Write(SearchStudy.CreateSpace());

SearchOutcome outcome = SearchStudy.Run(train, validation, settings, new ConsoleLines<TrialResult>(t =>
{
    string stage = t.Index < settings.CoarseTrials ? "coarse" : "fine";
    string score = t.Succeeded ? string.Create(inv, $"val acc {t.ValidationAccuracy:F4}") : "diverged";
    Console.WriteLine(string.Create(inv, $"  {stage,-6} {t.Index,3}  {t.Parameters,-58} {score}  {t.Seconds:F1} s"));
}));

SearchResults results = outcome.Results;
Directory.CreateDirectory(options.Output);
string trialsCsv = Path.Combine(options.Output, "trials.csv");
results.WriteCsv(trialsCsv);
Console.WriteLine($"wrote {trialsCsv} ({clock.Elapsed.TotalSeconds:F0} s in all)");
Console.WriteLine();
Console.WriteLine("fine stage ranges (around the 5 best coarse trials):");
Console.Write(outcome.Fine);
foreach ((string stage, IEnumerable<TrialResult> trials) in new[] { ("coarse", results.Take(outcome.CoarseTrials)), ("fine", results.Skip(outcome.CoarseTrials)) })
{
    double[] accuracies = trials.Where(t => t.Succeeded).Select(t => t.ValidationAccuracy).Order().ToArray();
    int diverged = trials.Count(t => !t.Succeeded);
    if (accuracies.Length > 0)
    {
        Console.WriteLine(string.Create(inv, $"{stage,-6} stage: best {accuracies[^1]:F4}, median {accuracies[accuracies.Length / 2]:F4}, worst {accuracies[0]:F4}, diverged {diverged}"));
    }
}

Console.WriteLine();
Console.Write(results.Summary(top: 5));
return 0;

/// <summary>The sample's command-line options.</summary>
internal sealed record Options(int Epochs, int Seed, string Output)
{
    private const string Usage = """
        usage: HyperparameterSearch [--epochs N] [--seed N] [--out FOLDER] [--threads N]
                                    [--train-count N] [--validation-count N] [--coarse-trials N] [--fine-trials N]
                                    [--write-manifest FILE [--refine-from MERGED.csv]]
                                    [--manifest FILE (--trial-index N | --merge FOLDER | --in-process) [--results FOLDER]]
          --epochs            epochs per trial (default 3)
          --seed              seed of the subset, the draws, the initialization and the batch order (default 1)
          --out               folder for trials.csv (default out/hyperparameter-search)
          --threads           compute threads (default: all cores); use the same number in every job
          --train-count, --validation-count, --coarse-trials, --fine-trials   the budget (defaults 20000, 5000, 30, 15)
          --write-manifest    write the coarse stage's trials (or, with --refine-from, the fine stage's) and exit
          --manifest          with --trial-index N (or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID): run that one trial
                              and write FOLDER/trial-NNNNN.csv (--results, default OUT/trials); with --merge FOLDER:
                              merge the result files into OUT/trials.csv and print the leaderboard; with
                              --in-process: run every trial of the manifest here into OUT/trials.csv
        """;

    public int? Threads { get; init; }

    public int? TrainCount { get; init; }

    public int? ValidationCount { get; init; }

    public int? CoarseTrials { get; init; }

    public int? FineTrials { get; init; }

    public string? WriteManifest { get; init; }

    public string? RefineFrom { get; init; }

    public string? Manifest { get; init; }

    public int? TrialIndex { get; init; }

    public string? Merge { get; init; }

    public string? Results { get; init; }

    public bool InProcess { get; init; }

    public static Options? Parse(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = new Options(3, 1, Path.Combine("out", "hyperparameter-search"));
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            int number = 0;
            bool positive = int.TryParse(value, inv, out number) && number > 0;
            switch (name)
            {
                case "--epochs" when positive:
                    o = o with { Epochs = number };
                    break;
                case "--seed" when int.TryParse(value, inv, out int seed):
                    o = o with { Seed = seed };
                    break;
                case "--out" when !string.IsNullOrWhiteSpace(value):
                    o = o with { Output = value };
                    break;
                case "--threads" when positive:
                    o = o with { Threads = number };
                    break;
                case "--train-count" when positive:
                    o = o with { TrainCount = number };
                    break;
                case "--validation-count" when positive:
                    o = o with { ValidationCount = number };
                    break;
                case "--coarse-trials" when positive:
                    o = o with { CoarseTrials = number };
                    break;
                case "--fine-trials" when positive:
                    o = o with { FineTrials = number };
                    break;
                case "--write-manifest" when !string.IsNullOrWhiteSpace(value):
                    o = o with { WriteManifest = value };
                    break;
                case "--refine-from" when !string.IsNullOrWhiteSpace(value):
                    o = o with { RefineFrom = value };
                    break;
                case "--manifest" when !string.IsNullOrWhiteSpace(value):
                    o = o with { Manifest = value };
                    break;
                case "--trial-index" when int.TryParse(value, inv, out int index) && index >= 0:
                    o = o with { TrialIndex = index };
                    break;
                case "--merge" when !string.IsNullOrWhiteSpace(value):
                    o = o with { Merge = value };
                    break;
                case "--results" when !string.IsNullOrWhiteSpace(value):
                    o = o with { Results = value };
                    break;
                case "--in-process":
                    o = o with { InProcess = true };
                    i--; // a flag: no value
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return null;
                default:
                    Console.Error.WriteLine($"error: bad option '{name} {value}'\n{Usage}");
                    return null;
            }
        }

        return o;
    }
}

/// <summary>Reports synchronously on the calling thread (unlike <see cref="Progress{T}"/>), so lines print in order.</summary>
internal sealed class ConsoleLines<T>(Action<T> write) : IProgress<T>
{
    public void Report(T value) => write(value);
}
