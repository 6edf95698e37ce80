using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// The single-precision fused multiply-add peak of this host, measured: independent chains of the widest accelerated
/// vector on each thread, so that neither the FMA latency nor loads limit the rate: 16 chains of Vector512 (32
/// registers with AVX-512), else 12 of Vector256 or Vector128 (16 registers without AVX-512: 16 chains plus the two
/// operands spilled to memory and measured an AVX2-only Zen 3 at ~70 % of its rate; 12 still cover the 5-cycle FMA
/// latency of two pipes). Every table's "% FMA peak" column divides by this figure, measured in the same run.
/// </summary>
public static unsafe class FmaPeak
{
    /// <summary>FLOP per thread of one <see cref="Run"/> call: 3·2²³ (a multiply-add counts as two), a whole number of
    /// rounds of 16 or 12 chains at every width.</summary>
    public const long FlopsPerThread = 3L << 23;

    private const int Chains = 16;

    private const int NarrowChains = 12;

    private static readonly Dictionary<int, double> Measured = [];

    /// <summary>The vector width the probe uses, in bits.</summary>
    public static int VectorBits => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    /// <summary>Runs <see cref="FlopsPerThread"/> FLOP of independent FMA chains on each of <paramref name="threads"/> threads (the NetGen pool).</summary>
    /// <param name="threads">1 or more threads, the caller included.</param>
    /// <returns>A value that depends on every chain, so that the work is not optimized away.</returns>
    public static float Run(int threads)
    {
        if (threads <= 1)
        {
            return Chain();
        }

        float* results = stackalloc float[threads];
        Compute.For(threads, threads, &Part, results);
        float sum = 0;
        for (int t = 0; t < threads; t++)
        {
            sum += results[t];
        }

        return sum;
    }

    /// <summary>
    /// The peak in GFLOP/s on <paramref name="threads"/> threads: the median of 21 timed calls after a warm-up, measured
    /// once per process and thread count (a fallback for tables run without <see cref="FmaPeakBenchmarks"/>).
    /// </summary>
    /// <param name="threads">1 or more threads.</param>
    /// <returns>GFLOP/s.</returns>
    public static double Measure(int threads)
    {
        lock (Measured)
        {
            if (Measured.TryGetValue(threads, out double known))
            {
                return known;
            }

            using var scope = Compute.UseThreads(threads);
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 300)
            {
                Run(threads);
            }

            var rounds = new double[21];
            for (int r = 0; r < rounds.Length; r++)
            {
                sw.Restart();
                Run(threads);
                rounds[r] = sw.Elapsed.TotalNanoseconds;
            }

            Array.Sort(rounds);
            double gflops = FlopsPerThread * threads / rounds[rounds.Length / 2];
            Measured[threads] = gflops;
            return gflops;
        }
    }

    private static void Part(void* state, int part, int parts) => ((float*)state)[part] = Chain();

    /// <summary>One thread's chains at the widest accelerated width.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain()
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Chain512();
        }

        return Vector256.IsHardwareAccelerated ? Chain256() : Chain128();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain512()
    {
        long iterations = FlopsPerThread / (Chains * 2 * Vector512<float>.Count);
        Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }

        return Vector512.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain256()
    {
        long iterations = FlopsPerThread / (NarrowChains * 2 * Vector256<float>.Count);
        Vector256<float> m = Vector256.Create(0.999999f), a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector256<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }

        return Vector256.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain128()
    {
        long iterations = FlopsPerThread / (NarrowChains * 2 * Vector128<float>.Count);
        Vector128<float> m = Vector128.Create(0.999999f), a = Vector128.Create(1e-7f);
        Vector128<float> c0 = Vector128.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        Vector128<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, m, a); c1 = Vector128.FusedMultiplyAdd(c1, m, a);
            c2 = Vector128.FusedMultiplyAdd(c2, m, a); c3 = Vector128.FusedMultiplyAdd(c3, m, a);
            c4 = Vector128.FusedMultiplyAdd(c4, m, a); c5 = Vector128.FusedMultiplyAdd(c5, m, a);
            c6 = Vector128.FusedMultiplyAdd(c6, m, a); c7 = Vector128.FusedMultiplyAdd(c7, m, a);
            c8 = Vector128.FusedMultiplyAdd(c8, m, a); c9 = Vector128.FusedMultiplyAdd(c9, m, a);
            c10 = Vector128.FusedMultiplyAdd(c10, m, a); c11 = Vector128.FusedMultiplyAdd(c11, m, a);
        }

        return Vector128.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
    }
}

/// <summary>
/// The FMA peak as a benchmark (<see cref="FmaPeak"/>) on 1 and 2 threads: run it in the same BenchmarkDotNet
/// invocation as other tables (e.g. <c>--filter '*FmaPeak*' '*TrainingStep*'</c>) and their "% FMA peak" column
/// divides by these results; without it the column measures the peak itself when the summary is printed.
/// </summary>
[BenchmarkCategory("Peak")]
public class FmaPeakBenchmarks
{
    /// <summary>Threads running the chains (the NetGen pool).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Sets <see cref="Compute.ThreadCount"/>.</summary>
    [GlobalSetup]
    public void Setup() => Compute.ThreadCount = Threads;

    /// <summary><see cref="FmaPeak.FlopsPerThread"/> FLOP of independent FMA chains per thread.</summary>
    /// <returns>A value depending on every chain.</returns>
    [Benchmark(Description = "FMA peak probe")]
    [FlopCount(FmaPeak.FlopsPerThread, PerThread = true)]
    public float Peak() => FmaPeak.Run(Threads);
}
