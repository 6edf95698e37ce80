using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// Inference of the sample's CNN with each batch norm folded into the convolution before it (the default) against the
/// same network with <see cref="NetworkBase.FoldBatchNormForInference"/> off, at batch 1 and 64 on one thread. Both
/// networks hold the same weights and non-trivial running statistics (a few training-mode passes).
/// </summary>
[BenchmarkCategory("Inference")]
public class BatchNormFoldBenchmarks
{
    private FashionCnn _folded = null!;
    private FashionCnn _unfolded = null!;
    private float[] _inputs = null!;

    /// <summary>The batch size of each inference call.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>One thread; builds both networks with the same state and the first test images.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = 1;
        _inputs = BenchData.Test.Features[..(Batch * FashionCnn.InputFeatures)].ToArray();
        _folded = new FashionCnn(seed: 1);
        float[] warm = BenchData.Test.Features[..(64 * FashionCnn.InputFeatures)].ToArray();
        for (int i = 0; i < 3; i++)
        {
            _folded.Forward(warm, 64); // training mode: moves the running statistics
        }

        _folded.Mode = NetworkMode.Inference;
        _unfolded = new FashionCnn(seed: 2) { Mode = NetworkMode.Inference, FoldBatchNormForInference = false };
        _unfolded.SetState(_folded.GetState());
    }

    /// <summary>The unfolded path: each convolution, then the batch norm's pass over its output.</summary>
    [Benchmark(Baseline = true, Description = "CNN inference, batch norm unfolded")]
    public float Unfolded() => _unfolded.Forward(_inputs, Batch)[0];

    /// <summary>The folded path: each convolution with the folded weights straight into the batch norm's output.</summary>
    [Benchmark(Description = "CNN inference, batch norm folded")]
    public float Folded() => _folded.Forward(_inputs, Batch)[0];
}

/// <summary>
/// <c>dotnet run -c Release --project bench -- --fold [rounds]</c>: the same comparison as
/// <see cref="BatchNormFoldBenchmarks"/>, interleaved: each round times a block of folded and a block of unfolded calls
/// back to back (alternating which goes first), so drift of a shared machine hits both; prints the median time per call
/// of each and the median of the per-round ratios.
/// </summary>
public static class BatchNormFoldComparison
{
    /// <summary>Runs <paramref name="rounds"/> rounds at batch 1 and at batch 64 on one thread and prints a table.</summary>
    /// <param name="rounds">Rounds per batch size.</param>
    public static void Run(int rounds)
    {
        Console.WriteLine("| batch | unfolded median µs | folded median µs | folded / unfolded (median of rounds) |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (int batch in new[] { 1, 64 })
        {
            var bench = new BatchNormFoldBenchmarks { Batch = batch };
            bench.Setup();
            int calls = batch == 1 ? 200 : 4;
            var folded = new List<double>();
            var unfolded = new List<double>();
            var ratios = new List<double>();
            for (int r = 0; r < rounds + 3; r++)
            {
                double f, u;
                if (r % 2 == 0)
                {
                    f = Time(bench.Folded, calls);
                    u = Time(bench.Unfolded, calls);
                }
                else
                {
                    u = Time(bench.Unfolded, calls);
                    f = Time(bench.Folded, calls);
                }

                if (r >= 3)
                {
                    folded.Add(f);
                    unfolded.Add(u);
                    ratios.Add(f / u);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {Median(unfolded):F1} | {Median(folded):F1} | {Median(ratios):F3} |"));
        }
    }

    private static double Time(Func<float> call, int calls)
    {
        float sink = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            sink += call();
        }

        double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
        GC.KeepAlive(sink);
        return us;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
