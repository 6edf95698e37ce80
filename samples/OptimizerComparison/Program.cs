using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Samples.OptimizerComparison;

// Seven optimizers, one MLP, one initialization:
//   dotnet run -c Release --project samples/OptimizerComparison [-- --epochs 3 --seed 1 --out out/optimizer-comparison]
if (Options.Parse(args) is not { } options)
{
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var settings = new ComparisonSettings { Epochs = options.Epochs, Seed = options.Seed };
var clock = Stopwatch.StartNew();
(Dataset train, Dataset validation) = Comparison.LoadData(settings);
Console.WriteLine($"Fashion-MNIST: train {train.Count}, validation {validation.Count}; MLP 784-256-128-10, {settings.Epochs} epochs, batch {settings.BatchSize}, seed {settings.Seed}, {Compute.ThreadCount} thread(s)");

IReadOnlyList<OptimizerRun> runs = Comparison.Run(train, validation, settings, progress: new ConsoleLines<OptimizerRun>(r =>
    Console.WriteLine(string.Create(inv, $"  {r.Contender.Name,-15} {r.Contender.Settings,-28} loss {r.InitialLoss:F3} -> {r.FinalTrainLoss:F4}  val acc {r.ValidationAccuracy:F4}  {r.TrainingTime.TotalSeconds,5:F1} s"))));

Directory.CreateDirectory(options.Output);
string table = Report.MarkdownTable(runs);
string plot = Path.Combine(options.Output, "loss-curves.png");
Report.SaveLossCurves(runs, settings.StepsPerPoint, plot);
Report.WriteLossCurvesCsv(runs, settings.StepsPerPoint, Path.Combine(options.Output, "loss-curves.csv"));
File.WriteAllText(Path.Combine(options.Output, "results.md"), table);
Console.WriteLine($"wrote {plot}, loss-curves.csv and results.md ({clock.Elapsed.TotalSeconds:F0} s in all)");
Console.WriteLine();
Console.Write(table);
return 0;

/// <summary>The sample's command-line options.</summary>
internal sealed record Options(int Epochs, int Seed, string Output)
{
    private const string Usage = """
        usage: OptimizerComparison [--epochs N] [--seed N] [--out FOLDER]
          --epochs  passes over the training set per optimizer (default 3)
          --seed    seed of the shared initialization, the validation split and the batch order (default 1)
          --out     folder for loss-curves.png, loss-curves.csv and results.md (default out/optimizer-comparison)
        """;

    public static Options? Parse(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = new Options(3, 1, Path.Combine("out", "optimizer-comparison"));
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
