using System.Diagnostics;
using System.Globalization;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --stability [seconds]</c>: batch-1 inference of the benchmark MLP on one
/// and on two threads, alternating every ~0.5 s in the same process on the same network, printed as a time series.
/// </summary>
/// <remarks>
/// On the shared 2-vCPU virtual machine the results were measured on, the 2-thread figure moves between two levels over
/// time (about 5.2–5.5 µs and 7.5–8.5 µs) while the 1-thread figure stays put; this shows that the change comes from
/// the machine (both halves of the work slow down together), not from the process, the network or its memory.
/// </remarks>
public static class InferenceStability
{
    /// <summary>Runs for about <paramref name="seconds"/> seconds and prints one line per round.</summary>
    /// <param name="seconds">How long to run.</param>
    public static void Run(int seconds)
    {
        var net = new FashionMlp(seed: 1) { Mode = NetworkMode.Inference };
        float[] sample = BenchData.Test.GetFeatures(0).ToArray();
        float sink = 0;
        Console.WriteLine("| time (s) | 1 thread median µs | 2 threads median µs |");
        Console.WriteLine("|---:|---:|---:|");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            double one = Median(1), two = Median(2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {clock.Elapsed.TotalSeconds:F1} | {one:F2} | {two:F2} |"));
        }

        GC.KeepAlive(sink);

        // The median over 9 blocks of 2,000 calls, after 50 ms of warm-up at this thread count.
        double Median(int threads)
        {
            Compute.ThreadCount = threads;
            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 50)
            {
                sink += net.Forward(sample, 1)[0];
            }

            var blocks = new double[9];
            for (int b = 0; b < blocks.Length; b++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < 2000; i++)
                {
                    sink += net.Forward(sample, 1)[0];
                }

                blocks[b] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 2000;
            }

            Array.Sort(blocks);
            return blocks[blocks.Length / 2];
        }
    }
}
