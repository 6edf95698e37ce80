using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Samples.FineTuning;

// Pretrain on classes 0-4, transfer the feature layers, train a new head on 500 samples of classes 5-9:
//   dotnet run -c Release --project samples/TransferLearning [-- --epochs 3 --small 500 --seed 1 --out out/transfer-learning]
if (Options.Parse(args) is not { } options)
{
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var settings = new TransferSettings { PretrainEpochs = options.Epochs, SmallCount = options.Small, Seed = options.Seed };
var clock = Stopwatch.StartNew();
TransferData data = TransferStudy.LoadData(settings);
Console.WriteLine($"classes 0-4: {data.Pretrain.Count} training samples, pretraining {settings.PretrainEpochs} epochs; classes 5-9: {settings.SmallCount} training samples ({settings.Repeats} draws), {settings.FineTuneEpochs} epochs, Adam lr {settings.FineTuneLearningRate.ToString(inv)}; seed {settings.Seed}, {Compute.ThreadCount} thread(s)");

TransferOutcome outcome = TransferStudy.Run(data, settings, new ConsoleLines<string>(Console.WriteLine));

var table = new System.Text.StringBuilder();
table.AppendLine(string.Create(inv, $"Test accuracy on classes 5-9 ({data.TargetTest.Count} test samples) after training on {settings.SmallCount} samples, mean ± sd over {settings.Repeats} draws"));
table.AppendLine();
table.AppendLine("| model | trainable parameters | test accuracy | min | max | time per run (s) |");
table.AppendLine("|---|---:|---:|---:|---:|---:|");
foreach (StrategyResult r in outcome.Results)
{
    string name = r.Strategy switch
    {
        Strategy.FrozenFeatures => "pretrained features, frozen; new head",
        Strategy.FineTuneAll => "pretrained features at 0.1× lr; new head",
        _ => "from scratch",
    };
    table.AppendLine(string.Create(inv, $"| {name} | {r.TrainableParameters:N0} | {r.Mean:F4} ± {r.StandardDeviation:F4} | {r.Accuracies.Min():F4} | {r.Accuracies.Max():F4} | {r.Seconds:F2} |"));
}

Directory.CreateDirectory(options.Output);
string file = Path.Combine(options.Output, "results.md");
File.WriteAllText(file, table.ToString());
Console.WriteLine(string.Create(inv, $"source network: test accuracy {outcome.PretrainAccuracy:F4} on classes 0-4; wrote {file} ({clock.Elapsed.TotalSeconds:F0} s in all)"));
Console.WriteLine();
Console.Write(table);
return 0;

/// <summary>The sample's command-line options.</summary>
internal sealed record Options(int Epochs, int Small, int Seed, string Output)
{
    private const string Usage = """
        usage: TransferLearning [--epochs N] [--small N] [--seed N] [--out FOLDER]
          --epochs  pretraining epochs on classes 0-4 (default 3)
          --small   labelled samples of classes 5-9 for the target task (default 500)
          --seed    seed of the initializations, the small sets and the batch orders (default 1)
          --out     folder for results.md (default out/transfer-learning)
        """;

    public static Options? Parse(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = new Options(3, 500, 1, Path.Combine("out", "transfer-learning"));
        for (int i = 0; i < args.Length; i += 2)
        {
            string name = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (name)
            {
                case "--epochs" when int.TryParse(value, inv, out int epochs) && epochs > 0:
                    o = o with { Epochs = epochs };
                    break;
                case "--small" when int.TryParse(value, inv, out int small) && small > 0:
                    o = o with { Small = small };
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
