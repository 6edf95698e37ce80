using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --scaling [rounds] [batch]</c>: the MLP training step (batch 64 unless
/// given) in NetGen and in TorchSharp, and the FMA peak probe, on one and on two threads, interleaved in short blocks in
/// one process, so that the one- and two-thread figures (and the percentage of the peak) come from the same minutes of
/// the machine.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each case on its own for seconds, one after another: on the shared 2-vCPU virtual machine the
/// results were measured on, the training step on one thread moved by up to ±20 % from one minute to the next, so the
/// ratio of two cases measured minutes apart moves with it (the two-thread speed-up read 1.18× and 1.47× in two runs of
/// the same build). Each round here runs, for 1 and then 2 threads, a probe, a block of NetGen steps and a block of
/// TorchSharp steps (each block after 3 untimed steps); every figure is a median over all rounds, and the ratios are
/// those of the medians. The per-decile lines show how much the machine moved during the run.
/// </remarks>
public static class ThreadScaling
{
    private const int StepsPerBlock = 15;
    private const int WarmSteps = 3;

    /// <summary>Runs <paramref name="rounds"/> rounds (about 40 ms each at batch 64) and prints the medians and ratios as markdown.</summary>
    /// <param name="rounds">How many rounds; each runs every case once.</param>
    /// <param name="batch">The mini-batch size.</param>
    public static void Run(int rounds, int batch = TrainingStepBenchmarks.DefaultBatch)
    {
        using var pair = new TrainingPair(new FashionMlp(seed: 1), net => new TorchFashionMlp((FashionMlp)net), batch, threads: 1);
        var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        string[] cases = ["probe 1", "NetGen 1", "TorchSharp 1", "probe 2", "NetGen 2", "TorchSharp 2"];
        foreach (string c in cases)
        {
            samples[c] = [];
        }

        // Tiered JIT and both libraries' first-call work, before anything is timed.
        for (int threads = 1; threads <= 2; threads++)
        {
            SetThreads(threads);
            for (int i = 0; i < 50; i++)
            {
                pair.NetGenStep();
                pair.TorchSharpStep();
                FmaPeak.Run(threads);
            }
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{Environment.ProcessorCount} logical processors, {FmaPeak.VectorBits}-bit FMA probe; MLP 784-256-128-10, batch {batch}, Adam; {rounds} rounds of {StepsPerBlock} steps per case");
        Console.WriteLine();
        Console.WriteLine("| rounds | probe 1T GFLOP/s | NetGen 1T µs | TorchSharp 1T µs | probe 2T GFLOP/s | NetGen 2T µs | TorchSharp 2T µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        int report = Math.Max(1, rounds / 10), from = 0;
        for (int round = 0; round < rounds; round++)
        {
            for (int threads = 1; threads <= 2; threads++)
            {
                SetThreads(threads);
                samples[$"probe {threads}"].Add(Probe(threads));
                Block(pair.NetGenStep, samples[$"NetGen {threads}"]);
                Block(pair.TorchSharpStep, samples[$"TorchSharp {threads}"]);
            }

            if ((round + 1) % report == 0 || round + 1 == rounds)
            {
                string Cell(string c, int per, int start) => Stats.Median(samples[c].GetRange(start * per, (round + 1 - start) * per)).ToString("F1", inv);
                Console.WriteLine($"| {from + 1}–{round + 1} | {Cell("probe 1", 1, from)} | {Cell("NetGen 1", StepsPerBlock, from)} | {Cell("TorchSharp 1", StepsPerBlock, from)} | {Cell("probe 2", 1, from)} | {Cell("NetGen 2", StepsPerBlock, from)} | {Cell("TorchSharp 2", StepsPerBlock, from)} |");
                from = round + 1;
            }
        }

        double p1 = Stats.Median(samples["probe 1"]), p2 = Stats.Median(samples["probe 2"]);
        double n1 = Stats.Median(samples["NetGen 1"]), n2 = Stats.Median(samples["NetGen 2"]);
        double t1 = Stats.Median(samples["TorchSharp 1"]), t2 = Stats.Median(samples["TorchSharp 2"]);
        double gflop = FashionMlpFlops.TrainingStepPerSample * (double)batch / 1e9;
        Console.WriteLine();
        Console.WriteLine("| threads | probe GFLOP/s | NetGen µs | NetGen GFLOP/s | % of probe | TorchSharp µs | NetGen speed-up over TorchSharp |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(inv, $"| 1 | {p1:F1} | {n1:F1} | {gflop / (n1 * 1e-6):F1} | {100 * gflop / (n1 * 1e-6) / p1:F1} | {t1:F1} | {t1 / n1:F2} |"));
        Console.WriteLine(string.Create(inv, $"| 2 | {p2:F1} | {n2:F1} | {gflop / (n2 * 1e-6):F1} | {100 * gflop / (n2 * 1e-6) / p2:F1} | {t2:F1} | {t2 / n2:F2} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"Two threads over one: NetGen {n1 / n2:F2}×, TorchSharp {t1 / t2:F2}×, FMA probe {p2 / p1:F2}×."));
    }

    private static void SetThreads(int threads)
    {
        Compute.ThreadCount = threads;
        torch.set_num_threads(threads);
    }

    /// <summary>The probe's best of 5 runs, in GFLOP/s.</summary>
    private static double Probe(int threads)
    {
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            long start = Stopwatch.GetTimestamp();
            FmaPeak.Run(threads);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, FmaPeak.FlopsPerThread * threads / seconds / 1e9);
        }

        return best;
    }

    private static void Block(Func<float> step, List<double> into)
    {
        for (int i = 0; i < WarmSteps; i++)
        {
            step();
        }

        for (int i = 0; i < StepsPerBlock; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            into.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }
}
