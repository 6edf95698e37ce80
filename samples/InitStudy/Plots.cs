namespace NetGen.Samples.InitStudy;

/// <summary>Writes the per-layer activation histograms (filled in once the plotting project is available).</summary>
internal static class Plots
{
    public static void SaveHistograms(IReadOnlyList<Experiment> experiments, string folder)
    {
        _ = experiments;
        Console.WriteLine($"(histograms: see {folder})");
    }
}
