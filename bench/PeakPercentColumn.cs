using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>
/// A "% FMA peak" column: the case's GFLOP/s (<see cref="GflopsColumn"/>) as a percentage of the FMA peak on the
/// case's thread count, measured in the same run — the <see cref="FmaPeakBenchmarks"/> result of the summary when it
/// holds one for that thread count, else <see cref="FmaPeak.Measure"/> in this process (Program measures one and two threads at
/// start-up, before any benchmark runs, while no other library's threads are spinning).
/// </summary>
public sealed class PeakPercentColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(PeakPercentColumn);

    /// <inheritdoc />
    public string ColumnName => "% FMA peak";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 1;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "GFLOP/s as a percentage of the FP32 FMA peak on the same thread count, measured in the same run (FmaPeak)";

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? gflops = GflopsColumn.Gflops(summary, benchmarkCase);
        if (gflops is null)
        {
            return "NA";
        }

        int threads = FlopCountAttribute.ThreadsOf(benchmarkCase);
        double peak = PeakOf(summary, threads) ?? FmaPeak.Measure(threads);
        return (100 * gflops.Value / peak).ToString("F1", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public override string ToString() => ColumnName;

    /// <summary>The probe's GFLOP/s on <paramref name="threads"/> threads in this summary, if it ran.</summary>
    private static double? PeakOf(Summary summary, int threads)
    {
        foreach (BenchmarkReport report in summary.Reports)
        {
            BenchmarkCase probe = report.BenchmarkCase;
            if (probe.Descriptor.Type == typeof(FmaPeakBenchmarks) && FlopCountAttribute.ThreadsOf(probe) == threads)
            {
                return GflopsColumn.Gflops(summary, probe);
            }
        }

        return null;
    }
}
