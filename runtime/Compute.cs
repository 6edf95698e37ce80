using System;
using System.Diagnostics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace NetGen;

/// <summary>
/// Compute settings for the kernels, in the spirit of <c>torch.set_num_threads</c>: a process-wide default thread count
/// and a scoped override (<see cref="UseThreads"/>) for the calling thread and the work it starts.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ThreadCount"/> defaults to <see cref="Environment.ProcessorCount"/>, as PyTorch does: the matrix products
/// only split work that is large enough to pay for it (tens of thousands of multiply-adds per thread), so small
/// problems stay on the calling thread whatever the setting. Set it to 1 to keep every kernel on the calling thread,
/// for instance when training several networks on separate threads.
/// </para>
/// <para>
/// <b>Scopes.</b> <c>using var threads = Compute.UseThreads(2);</c> makes <see cref="ThreadCount"/> read 2 on this
/// thread, and in the tasks and threads it starts (the value flows with the execution context, like an
/// <see cref="AsyncLocal{T}"/>), until the scope is disposed; other threads keep the process default. Two tests, two
/// trainings or two servers can so use different thread counts at the same time. Scopes nest; disposing one puts back
/// the value it replaced.
/// </para>
/// <para>
/// Parallel kernels run on <c>ThreadCount − 1</c> dedicated background worker threads plus the calling thread. Workers
/// spin for a short while after each job (so back-to-back kernels, such as the layers of one inference, start within
/// a fraction of a microsecond) and then block. One caller uses the workers at a time; a kernel called while another
/// thread holds them runs all its chunks on its own thread instead. A kernel splits its work by
/// <see cref="ThreadCount"/>, not by which threads happen to run the pieces, so its result does not depend on that.
/// </para>
/// <para>
/// <b>Thread safety.</b> The workers are shared safely: <em>different</em> network instances may run on different
/// threads at the same time, with results bit-identical to running them one after another (for a fixed
/// <see cref="ThreadCount"/>). One network instance must not be used by two threads at once; it detects overlapping
/// calls and throws <see cref="InvalidOperationException"/> (see <see cref="NetworkBase"/>, and
/// <see cref="NetworkPool{TNetwork}"/> for serving from many threads). Change the thread count of a network's thread
/// only while that network is not running: it decides how work is split, and scratch memory is sized for it when a
/// forward pass begins.
/// </para>
/// </remarks>
public static class Compute
{
    private static int threadCount = Math.Clamp(Environment.ProcessorCount, 1, MaxThreads);

    // The scoped override of the current execution context; 0 means none.
    private static readonly AsyncLocal<int> Scoped = new();

    /// <summary>The largest accepted <see cref="ThreadCount"/>.</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// The number of threads (the caller included) a kernel called from this thread may use: the innermost
    /// <see cref="UseThreads"/> scope's count, else the process default. Setting it changes the process default (the
    /// processor count unless set), which scopes override.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxThreads"/>.</exception>
    public static int ThreadCount
    {
        get
        {
            int scoped = Scoped.Value;
            return scoped != 0 ? scoped : Volatile.Read(ref threadCount);
        }

        set
        {
            CheckThreads(value);
            Volatile.Write(ref threadCount, value);
        }
    }

    /// <summary>The process-wide thread count, which <see cref="UseThreads"/> scopes override.</summary>
    public static int DefaultThreadCount => Volatile.Read(ref threadCount);

    /// <summary>
    /// Makes <see cref="ThreadCount"/> read <paramref name="threads"/> on the calling thread and in the work it starts
    /// (tasks, threads: the value flows with the execution context) until the returned scope is disposed; other threads
    /// keep their own value. Use it as <c>using var scope = Compute.UseThreads(1);</c>.
    /// </summary>
    /// <param name="threads">The thread count for the scope, in [1, <see cref="MaxThreads"/>].</param>
    /// <returns>The scope; disposing it puts back the value it replaced.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1 or above <see cref="MaxThreads"/>.</exception>
    public static ThreadCountScope UseThreads(int threads)
    {
        CheckThreads(threads);
        int previous = Scoped.Value;
        Scoped.Value = threads;
        return new ThreadCountScope(previous);
    }

    private static void CheckThreads(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
    }

    /// <summary>The scope <see cref="UseThreads"/> returns; disposing it restores the thread count it replaced.</summary>
    public readonly struct ThreadCountScope : IDisposable
    {
        private readonly int _previous;

        internal ThreadCountScope(int previous) => _previous = previous;

        /// <summary>Puts back the thread count that was in effect before the scope began.</summary>
        public void Dispose() => Scoped.Value = _previous;
    }

    /// <summary>
    /// Runs <c>body(state, chunk, chunks)</c> for every <c>chunk</c> in <c>[0, chunks)</c> on the calling thread and up to
    /// <c>threads − 1</c> workers, and returns when all are done. Chunks are claimed one at a time, so a worker that
    /// wakes late (or is descheduled on a loaded machine) costs nothing: the others take its share. When the workers
    /// are busy with another caller's job, every chunk runs here. Allocates nothing after the workers exist.
    /// </summary>
    /// <param name="chunks">The number of pieces of work.</param>
    /// <param name="threads">How many threads, the caller included, may take part; at most <see cref="MaxThreads"/>.</param>
    /// <param name="body">A static function taking the shared state, the chunk index and the chunk count.</param>
    /// <param name="state">Opaque state for <paramref name="body"/>; must stay valid (pinned or on the stack) until return.</param>
    /// <param name="blocks">
    /// Give each thread a block of chunks of its own: thread t (the caller being 0) first takes the chunks
    /// <c>[t·chunks/threads, (t+1)·chunks/threads)</c>, then helps with the blocks of the others (a late worker still
    /// costs nothing). Jobs that split the same buffer the same way then find each slice in the cache of the core that
    /// touched it last (see <see cref="Kernels.FlatSplit"/>). It costs a few more transfers of bookkeeping lines
    /// between the cores than claiming the next free chunk (~0.5 µs per job on the 2-vCPU Zen 5 host), so short jobs,
    /// such as batch-1 inference's, do without it.
    /// </param>
    internal static unsafe void For(int chunks, int threads, delegate*<void*, int, int, void> body, void* state, bool blocks = false)
    {
        if (threads > 1 && chunks > 1 && Interlocked.CompareExchange(ref Pool.Busy, 1, 0) == 0)
        {
            try
            {
                Pool.Run(chunks, threads, body, state, blocks);
            }
            finally
            {
                Volatile.Write(ref Pool.Busy, 0);
            }

            return;
        }

        for (int chunk = 0; chunk < chunks; chunk++)
        {
            body(state, chunk, chunks);
        }
    }

    /// <summary>
    /// Whether the workers are taken by a job (this thread's own, when called from inside a <see cref="For"/> body, or
    /// another caller's), so that a <see cref="For"/> started now would run every chunk on the calling thread. A
    /// kernel can then skip cutting its work into chunks that only made sense for several threads.
    /// </summary>
    internal static bool WorkersBusy => Volatile.Read(ref Pool.Busy) != 0;

    /// <summary>The dedicated workers; only the thread that set <see cref="Busy"/> publishes jobs.</summary>
    private static unsafe class Pool
    {
        /// <summary>1 while a caller owns the workers.</summary>
        internal static int Busy;

        // How long a worker keeps polling for the next job before it blocks, in Stopwatch ticks (~200 µs).
        private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

        private static readonly object Gate = new();
        private static Thread[] workers = [];

        // The current job, written by the owner before it publishes the generation and left alone until every chunk
        // is done.
        private static delegate*<void*, int, int, void> jobBody;
        private static void* jobState;
        private static int jobChunks;
        private static int jobThreads;

        // Bumped by 2 per job; workers wait for a value other than the last one they saw. Each job's generation is
        // also the high half of `claim`, whose low half is the next unclaimed chunk: a worker claims with a
        // compare-exchange that fails once the job is over, so a worker that wakes late never touches a later job.
        private static int generation;
        private static long claim;

        // A job with blocks claims through one cursor per thread instead of `claim`, with the same generation in the
        // high half and the next unclaimed chunk of that thread's block in the low half; a cache line apart.
        // `cursorsOpen` is how many the last job with blocks opened (0 once they are closed again).
        private const int CursorStride = 8;
        private static readonly long[] Cursors = new long[MaxThreads * CursorStride];
        private static int cursorsOpen;
        private static bool jobBlocks;

        // Chunks finished in the current job, and workers blocked on Gate.
        private static int done;
        private static int sleepers;

        internal static void Run(int chunks, int threads, delegate*<void*, int, int, void> body, void* state, bool blocks)
        {
            EnsureWorkers(threads - 1);
            threads = Math.Min(threads, chunks);

            // Close the claims of the previous (finished) job before touching the fields: a worker that read them for
            // that job and then loses its claim never runs them.
            int job = generation + 2;
            Interlocked.Exchange(ref claim, ((long)job << 32) | int.MaxValue);
            for (int t = 0; t < cursorsOpen; t++)
            {
                Interlocked.Exchange(ref Cursors[t * CursorStride], ((long)job << 32) | int.MaxValue);
            }

            cursorsOpen = 0;
            jobBody = body;
            jobState = state;
            jobChunks = chunks;
            jobThreads = threads;
            jobBlocks = blocks;
            Volatile.Write(ref done, 0);
            if (blocks)
            {
                for (int t = 0; t < threads; t++)
                {
                    Interlocked.Exchange(ref Cursors[t * CursorStride], ((long)job << 32) | (uint)BlockStart(t, chunks, threads));
                }

                cursorsOpen = threads;
            }
            else
            {
                Interlocked.Exchange(ref claim, (long)job << 32);
            }

            // Publish the job (a full fence), then wake blocked workers. A worker about to block re-checks the
            // generation after announcing itself in `sleepers` (also a full fence), so no wake-up is lost.
            Interlocked.Exchange(ref generation, job);
            if (Volatile.Read(ref sleepers) > 0)
            {
                lock (Gate)
                {
                    Monitor.PulseAll(Gate);
                }
            }

            if (blocks)
            {
                WorkBlocks(job, body, state, chunks, 0, threads);
            }
            else
            {
                Work(job, body, state, chunks);
            }

            // Wait for chunks that workers claimed; each is no longer than one of ours, so spin, yielding now and then.
            var spinner = new SpinWait();
            while (Volatile.Read(ref done) != chunks)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        /// <summary>Claims and runs chunks of job <paramref name="job"/> until none is left (or the job is over).</summary>
        private static void Work(int job, delegate*<void*, int, int, void> body, void* state, int chunks)
        {
            while (true)
            {
                long current = Volatile.Read(ref claim);
                int chunk = (int)current;
                if ((int)(current >> 32) != job || chunk >= chunks)
                {
                    return;
                }

                if (Interlocked.CompareExchange(ref claim, current + 1, current) == current)
                {
                    body(state, chunk, chunks);
                    Interlocked.Increment(ref done);
                }
            }
        }

        /// <summary>The first chunk of thread <paramref name="t"/>'s block.</summary>
        private static int BlockStart(int t, int chunks, int threads) => (int)((long)chunks * t / threads);

        /// <summary>
        /// <see cref="Work"/> for a job with blocks: claims and runs the chunks of thread <paramref name="index"/>'s own
        /// block first, then those left in the others' blocks, until none is left (or the job is over).
        /// </summary>
        private static void WorkBlocks(int job, delegate*<void*, int, int, void> body, void* state, int chunks, int index, int threads)
        {
            for (int i = 0; i < threads; i++)
            {
                int t = index + i < threads ? index + i : index + i - threads;
                int end = BlockStart(t + 1, chunks, threads);
                ref long cursor = ref Cursors[t * CursorStride];
                while (true)
                {
                    long current = Volatile.Read(ref cursor);
                    int chunk = (int)current;
                    if ((int)(current >> 32) != job)
                    {
                        return;
                    }

                    if (chunk >= end)
                    {
                        break;
                    }

                    if (Interlocked.CompareExchange(ref cursor, current + 1, current) == current)
                    {
                        body(state, chunk, chunks);
                        Interlocked.Increment(ref done);
                    }
                }
            }
        }

        private static void EnsureWorkers(int count)
        {
            if (workers.Length >= count)
            {
                return;
            }

            // Only the owner of the pool grows it, so no other thread races on `workers`.
            var grown = new Thread[count];
            Array.Copy(workers, grown, workers.Length);
            for (int i = workers.Length; i < count; i++)
            {
                int index = i + 1; // the caller is thread 0
                int seen = generation; // the job about to be published is the new worker's first
                grown[i] = new Thread(() => WorkerLoop(index, seen), maxStackSize: 256 * 1024)
                {
                    IsBackground = true,
                    Name = $"NetGen compute {index}",
                };
                grown[i].Start();
            }

            workers = grown;
        }

        private static void WorkerLoop(int index, int seen)
        {
            while (true)
            {
                seen = WaitForJob(seen);

                // These fields belong to job `seen` while its claims are open; the owner closes them before it
                // writes the next job, so a claim that succeeds in Work proves this copy was of job `seen`.
                var body = jobBody;
                void* state = jobState;
                int chunks = jobChunks;
                int threads = jobThreads;
                if (index >= threads)
                {
                    continue;
                }

                if (jobBlocks)
                {
                    WorkBlocks(seen, body, state, chunks, index, threads);
                }
                else
                {
                    Work(seen, body, state, chunks);
                }
            }
        }

        /// <summary>Returns the first generation other than <paramref name="seen"/>: spins for a while, then blocks.</summary>
        private static int WaitForJob(int seen)
        {
            int now = Volatile.Read(ref generation);
            if (now != seen)
            {
                return now;
            }

            long start = Stopwatch.GetTimestamp();
            int polls = 0;
            while (true)
            {
                Pause();
                now = Volatile.Read(ref generation);
                if (now != seen)
                {
                    return now;
                }

                if ((++polls & 63) == 0 && Stopwatch.GetTimestamp() - start > SpinTicks)
                {
                    break;
                }
            }

            lock (Gate)
            {
                Interlocked.Increment(ref sleepers);
                while ((now = Volatile.Read(ref generation)) == seen)
                {
                    Monitor.Wait(Gate);
                }

                Interlocked.Decrement(ref sleepers);
            }

            return now;
        }

        /// <summary>One short wait between polls: the pause instruction (~25 ns) where there is one.</summary>
        private static void Pause()
        {
            if (X86Base.IsSupported)
            {
                X86Base.Pause();
            }
            else if (ArmBase.IsSupported)
            {
                ArmBase.Yield();
            }
            else
            {
                Thread.SpinWait(1);
            }
        }
    }
}
