using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Samples.HyperparameterTuning;
using NetGen.Tuning;

// Coarse-to-fine random search over learning rate, weight decay and dropout:
//   dotnet run -c Release --project samples/HyperparameterSearch [-- --epochs 3 --seed 1 --out out/hyperparameter-search]
if (Options.Parse(args) is not { } options)
{
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var settings = new SearchSettings { EpochsPerTrial = options.Epochs, Seed = options.Seed };
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
string csv = Path.Combine(options.Output, "trials.csv");
results.WriteCsv(csv);
Console.WriteLine($"wrote {csv} ({clock.Elapsed.TotalSeconds:F0} s in all)");
Console.WriteLine();
Console.WriteLine("fine stage ranges (around the 5 best coarse trials):");
Console.Write(outcome.Fine);
foreach ((string stage, IEnumerable<TrialResult> trials) in new[] { ("coarse", results.Take(outcome.CoarseTrials)), ("fine", results.Skip(outcome.CoarseTrials)) })
{
    double[] accuracies = trials.Where(t => t.Succeeded).Select(t => t.ValidationAccuracy).Order().ToArray();
    int diverged = trials.Count(t => !t.Succeeded);
    Console.WriteLine(string.Create(inv, $"{stage,-6} stage: best {accuracies[^1]:F4}, median {accuracies[accuracies.Length / 2]:F4}, worst {accuracies[0]:F4}, diverged {diverged}"));
}

Console.WriteLine();
Console.Write(results.Summary(top: 5));
return 0;

/// <summary>The sample's command-line options.</summary>
internal sealed record Options(int Epochs, int Seed, string Output)
{
    private const string Usage = """
        usage: HyperparameterSearch [--epochs N] [--seed N] [--out FOLDER]
          --epochs  epochs per trial (default 3)
          --seed    seed of the subset, the draws, the initialization and the batch order (default 1)
          --out     folder for trials.csv (default out/hyperparameter-search)
        """;

    public static Options? Parse(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = new Options(3, 1, Path.Combine("out", "hyperparameter-search"));
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (name)
            {
                case "--epochs" when int.TryParse(value, inv, out int epochs) && epochs > 0:
                    o = o with { Epochs = epochs };
                    break;
                case "--seed" when int.TryParse(value, inv, out int seed):
                    o = o with { Seed = seed };
                    break;
                case "--out" when !string.IsNullOrWhiteSpace(value):
                    o = o with { Output = value };
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
