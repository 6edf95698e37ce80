namespace NetGen.Benchmarks;

/// <summary>Summary statistics of the custom (non-BenchmarkDotNet) bench modes.</summary>
internal static class Stats
{
    /// <summary>The median of <paramref name="values"/>: the middle value, or the mean of the two middle values of an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
