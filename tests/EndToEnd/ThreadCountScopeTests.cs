namespace NetGen.Tests.EndToEnd;

/// <summary><see cref="Compute.UseThreads"/>: a scoped thread count for the calling thread and the work it starts.</summary>
public class ThreadCountScopeTests
{
    [Fact]
    public void A_scope_sets_the_count_for_its_thread_nests_and_restores_the_default()
    {
        int process = Compute.DefaultThreadCount;
        using (Compute.UseThreads(3))
        {
            Assert.Equal(3, Compute.ThreadCount);
            using (Compute.UseThreads(1))
            {
                Assert.Equal(1, Compute.ThreadCount);
            }

            Assert.Equal(3, Compute.ThreadCount);
            Assert.Equal(process, Compute.DefaultThreadCount);
        }

        Assert.Equal(Compute.DefaultThreadCount, Compute.ThreadCount);
    }

    [Fact]
    public void The_scoped_count_flows_into_started_work_but_not_into_other_threads()
    {
        int seenByUnrelated = 0;
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();

        // A thread started before the scope: it keeps whatever its own context says (the process default).
        var unrelated = new Thread(() =>
        {
            started.Set();
            gate.Wait();
            seenByUnrelated = Compute.ThreadCount;
        });
        unrelated.Start();
        started.Wait();

        using (Compute.UseThreads(Compute.MaxThreads))
        {
            int inTask = 0;
            using (var done = new ManualResetEventSlim())
            {
                ThreadPool.QueueUserWorkItem(_ => { inTask = Compute.ThreadCount; done.Set(); });
                done.Wait();
            }

            int inThread = 0;
            var child = new Thread(() => inThread = Compute.ThreadCount);
            child.Start();
            child.Join();
            gate.Set();
            unrelated.Join();

            Assert.Equal(Compute.MaxThreads, inTask); // a pool work item
            Assert.Equal(Compute.MaxThreads, inThread);
        }

        Assert.NotEqual(Compute.MaxThreads, seenByUnrelated);
        Assert.InRange(seenByUnrelated, 1, Compute.MaxThreads);
    }

    [Fact]
    public void A_scope_rejects_counts_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute.UseThreads(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute.UseThreads(Compute.MaxThreads + 1));
    }
}
