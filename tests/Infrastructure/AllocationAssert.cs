using System.Threading;

namespace NetGen.Tests.Infrastructure;

/// <summary>
/// Asserts that code allocates nothing on the calling thread once warm, robustly against the runtime's own rare
/// blips: tier-1 recompilation and GC bookkeeping can charge a few kilobytes to a thread that allocated nothing
/// (dotnet/runtime#13502 and #63487 show <see cref="GC.GetAllocatedBytesForCurrentThread"/> over-counting by ~6 KB
/// in the runtime's own tests).
/// </summary>
/// <remarks>
/// The code is warmed past the tiering threshold (30 calls, then the 100 ms tiering delay), then measured over
/// <c>calls</c> calls up to <c>attempts</c> times; it passes when one window allocates zero bytes. Code that allocates
/// on every call, or on every n-th call with n ≤ <c>calls</c>, fails every window, so the check still catches it.
/// </remarks>
public static class AllocationAssert
{
    /// <summary>Fails unless one of <paramref name="attempts"/> windows of <paramref name="calls"/> calls allocates nothing.</summary>
    /// <param name="code">The code to measure (warmed up here first).</param>
    /// <param name="calls">Calls per measured window.</param>
    /// <param name="attempts">Windows tried before failing.</param>
    /// <param name="warmUp">Calls before measuring; past the 30-call tiering threshold by default.</param>
    public static void None(Action code, int calls = 10, int attempts = 3, int warmUp = 35)
    {
        for (int i = 0; i < warmUp; i++)
        {
            code();
        }

        // Let the background tier-1 compilations of the warm-up land, then run the new code once.
        Thread.Sleep(150);
        code();

        var windows = new long[attempts];
        for (int a = 0; a < attempts; a++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                code();
            }

            windows[a] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (windows[a] == 0)
            {
                return;
            }
        }

        Assert.Fail($"Every window of {calls} calls allocated on the calling thread: {string.Join(", ", windows)} bytes.");
    }

    /// <summary>
    /// Fails unless one of <paramref name="attempts"/> runs of <paramref name="measure"/> reports at most
    /// <paramref name="limit"/> bytes: for measurements that compare two runs rather than expect zero.
    /// </summary>
    /// <param name="limit">The most bytes a run may report.</param>
    /// <param name="measure">Runs the code once and returns the bytes it counts against the limit.</param>
    /// <param name="what">What the bytes are, for the failure message.</param>
    /// <param name="attempts">Runs tried before failing.</param>
    public static void AtMost(long limit, Func<long> measure, string what, int attempts = 3)
    {
        var runs = new long[attempts];
        for (int a = 0; a < attempts; a++)
        {
            runs[a] = measure();
            if (runs[a] <= limit)
            {
                return;
            }
        }

        Assert.Fail($"{what}: {string.Join(", ", runs)} bytes in {attempts} runs, over the limit of {limit} bytes.");
    }
}
