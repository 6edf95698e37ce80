using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Benchmarks;

/// <summary>
/// Two facts about how this process's two CPUs sit on the host, printed before the benchmarks because multi-threaded
/// results on a virtual machine depend on them: the round trip of a cache line between two threads, and whether two
/// threads of arithmetic run as fast as one (two physical cores) or share one core's execution units.
/// </summary>
/// <remarks>
/// On the 2-vCPU machine the benchmarks were run on, both change from minute to minute with the host's placement of
/// the vCPUs: round trips of ~70–90 ns or ~320 ns, and two threads of arithmetic at 1.0× or ~2× the time of one. Batch-1
/// inference on two threads depends on both (one hand-off between cores per call, and two halves of the weights
/// streamed at once), so <c>bench/RESULTS.md</c> quotes this line with every 2-thread run.
/// </remarks>
public static class MachineProbe
{
    /// <summary>Measures and returns a one-line description.</summary>
    public static string Describe()
    {
        double roundTrip = RoundTripNanoseconds();
        (double one, double two) = ArithmeticMilliseconds();
        return $"Machine probe: cache-line round trip between two threads {roundTrip:F0} ns; "
            + $"2 threads of FMA take {two / one:F2}× the time of 1 (1.0 = separate cores, 2.0 = one shared core)";
    }

    /// <summary>Median of 9 rounds of 100,000 ping-pongs of one cache line between the caller and a second thread.</summary>
    private static unsafe double RoundTripNanoseconds()
    {
        long* flag = (long*)NativeMemory.AlignedAlloc(128, 128);
        try
        {
            *flag = 0;
            const int Rounds = 9, Trips = 100_000;
            var partner = new Thread(() =>
            {
                for (long v = 1; v < 2L * Rounds * Trips; v += 2)
                {
                    while (Volatile.Read(ref *flag) != v)
                    {
                    }

                    Volatile.Write(ref *flag, v + 1);
                }
            }) { IsBackground = true };
            partner.Start();
            var rounds = new double[Rounds];
            long next = 0;
            for (int r = 0; r < Rounds; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < Trips; i++)
                {
                    Volatile.Write(ref *flag, next + 1);
                    while (Volatile.Read(ref *flag) != next + 2)
                    {
                    }

                    next += 2;
                }

                rounds[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Trips;
            }

            partner.Join();
            Array.Sort(rounds);
            return rounds[Rounds / 2];
        }
        finally
        {
            NativeMemory.AlignedFree(flag);
        }
    }

    /// <summary>The time of a fixed FMA loop on one thread, then on two threads at once (the slower of the two).</summary>
    private static (double One, double Two) ArithmeticMilliseconds()
    {
        const long Steps = 20_000_000;
        Fma(Steps / 10); // compiled before timing (AggressiveOptimization: no tier-0 or OSR code)
        double one = Fma(Steps);
        double[] two = new double[2];
        using var start = new Barrier(2);
        var threads = new Thread[2];
        for (int t = 0; t < 2; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                two[index] = Fma(Steps);
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return (one, Math.Max(two[0], two[1]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static double Fma(long steps)
    {
        // Eight independent chains of fused multiply-adds (latency 4, two pipes): bound by the core's FMA units.
        var m = Vector128.Create(0.9999999f);
        var c = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < steps; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, c);
            a1 = Vector128.FusedMultiplyAdd(a1, m, c);
            a2 = Vector128.FusedMultiplyAdd(a2, m, c);
            a3 = Vector128.FusedMultiplyAdd(a3, m, c);
            a4 = Vector128.FusedMultiplyAdd(a4, m, c);
            a5 = Vector128.FusedMultiplyAdd(a5, m, c);
            a6 = Vector128.FusedMultiplyAdd(a6, m, c);
            a7 = Vector128.FusedMultiplyAdd(a7, m, c);
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).ToScalar();
        return elapsed;
    }

    private static float Sink { get; set; }
}
