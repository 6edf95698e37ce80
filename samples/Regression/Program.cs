using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Samples.Regression;
using NetGen.Training;

// Predicts the price of a diamond from its carat, cut, colour, clarity and size (ggplot2's diamonds table, MIT):
//   dotnet run -c Release --project samples/Regression [-- --epochs 20 --seed 1]
var inv = CultureInfo.InvariantCulture;
var settings = new RegressionSettings();
for (int i = 0; i + 1 < args.Length; i += 2)
{
    settings = args[i] switch
    {
        "--epochs" => settings with { Epochs = int.Parse(args[i + 1], inv) },
        "--seed" => settings with { Seed = int.Parse(args[i + 1], inv) },
        "--lr" => settings with { LearningRate = float.Parse(args[i + 1], inv) },
        "--train-limit" => settings with { TrainLimit = int.Parse(args[i + 1], inv) },
        _ => throw new ArgumentException($"Unknown option {args[i]}; the options are --epochs N --seed N --lr X --train-limit N."),
    };
}

var clock = Stopwatch.StartNew();
Dataset all = Diamonds.Load();
Console.WriteLine($"diamonds: {all.Count} rows, features {string.Join(", ", Diamonds.FeatureNames)} -> {Diamonds.TargetName}; {settings.Epochs} epochs, Adam {settings.LearningRate.ToString(inv)}, seed {settings.Seed}, {Compute.ThreadCount} thread(s)");
RegressionOutcome outcome = RegressionStudy.Run(all, settings, new ConsoleProgress());
Console.WriteLine(outcome.Network.Summary());
Console.WriteLine(string.Create(inv, $"train {outcome.TrainCount} rows, test {outcome.TestCount} rows, {clock.Elapsed.TotalSeconds:F0} s"));
Console.WriteLine(string.Create(inv, $"test (MLP):           R² {outcome.Test.RSquared:F4}  RMSE ${Math.Sqrt(outcome.Test.MeanSquaredError):F0}  MAE ${outcome.Test.MeanAbsoluteError:F0}"));
Console.WriteLine(string.Create(inv, $"test (least squares): R² {outcome.LinearBaseline.RSquared:F4}  RMSE ${Math.Sqrt(outcome.LinearBaseline.MeanSquaredError):F0}  MAE ${outcome.LinearBaseline.MeanAbsoluteError:F0}"));
