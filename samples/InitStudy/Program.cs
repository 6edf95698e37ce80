using System.Globalization;
using NetGen.Samples.InitStudy;

// The weight-initialization study: dotnet run -c Release --project samples/InitStudy [-- --out <folder>]
string output = args.Length >= 2 && args[0] == "--out" ? args[1] : "init-study";
IReadOnlyList<Experiment> experiments = Study.Run();
Directory.CreateDirectory(output);
foreach (Experiment e in experiments)
{
    Console.WriteLine(e.Name);
    foreach (LayerStats l in e.Layers)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  layer {l.Layer}: mean {l.Mean,9:F5}  std {l.Std,9:F5}  |a| > 0.9: {Study.SaturatedFraction(l.Values),6:P1}"));
    }
}

Plots.SaveHistograms(experiments, output);
