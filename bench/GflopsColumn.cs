using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>
/// A "GFLOP/s" column: the <see cref="FlopCountAttribute"/> of the benchmark method divided by its mean time.
/// GFLOP/s = FLOP per call / mean nanoseconds per call (FLOP/ns = 10⁹ FLOP/s).
/// </summary>
public sealed class GflopsColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(GflopsColumn);

    /// <inheritdoc />
    public string ColumnName => "GFLOP/s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "Matrix-product FLOP per call (FlopCount attribute) divided by the mean time per call, in 10⁹ FLOP/s";

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? gflops = Gflops(summary, benchmarkCase);
        return gflops is null ? "NA" : gflops.Value.ToString("F2", CultureInfo.InvariantCulture);
    }

    /// <summary>The case's GFLOP/s (FLOP per call over the mean nanoseconds), or null without a FLOP count or a result.</summary>
    /// <param name="summary">The run's summary.</param>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>GFLOP/s, or null.</returns>
    public static double? Gflops(Summary summary, BenchmarkCase benchmarkCase)
    {
        double? flops = FlopCountAttribute.Of(benchmarkCase);
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return flops is null || meanNanoseconds is not > 0 ? null : flops.Value / meanNanoseconds.Value;
    }

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
