using NetGen.Plotting;

namespace NetGen.Samples.InitStudy;

/// <summary>Writes one PNG per experiment: a histogram of each hidden layer's activations.</summary>
internal static class Plots
{
    public static void SaveHistograms(IReadOnlyList<Experiment> experiments, string folder)
    {
        foreach (Experiment e in experiments)
        {
            var panels = e.Layers.Select(l => new HistogramPanel($"layer {l.Layer}: mean {l.Mean:F3}, std {l.Std:F3}", l.Values)).ToList();
            string file = Path.Combine(folder, Slug(e.Name) + ".png");
            TrainingPlots.SaveHistogramGrid(panels, file, bins: 50, columns: 4, width: 1600, height: 700);
            Console.WriteLine($"wrote {file}");
        }
    }

    private static string Slug(string name)
        => new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Replace("--", "-").Trim('-');
}
