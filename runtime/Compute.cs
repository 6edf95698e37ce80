using System;
using System.Diagnostics;
using System.Threading;

namespace NetGen;

/// <summary>
/// Process-wide compute settings for the kernels, in the spirit of <c>torch.set_num_threads</c>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ThreadCount"/> defaults to <see cref="Environment.ProcessorCount"/>, as PyTorch does: the matrix products
/// only split work that is large enough to pay for it (tens of thousands of multiply-adds per thread), so small
/// problems stay on the calling thread whatever the setting. Set it to 1 to keep every kernel on the calling thread,
/// for instance when training several networks on separate threads.
/// </para>
/// <para>
/// Parallel kernels run on <c>ThreadCount − 1</c> dedicated background worker threads plus the calling thread. Workers
/// spin for a short while after each job (so back-to-back kernels, such as the layers of one inference, start within
/// a fraction of a microsecond) and then block. One caller uses the workers at a time; a kernel called while another
/// thread holds them runs on its own thread instead, so concurrent use is safe.
/// </para>
/// </remarks>
public static class Compute
{
    private static int threadCount = Math.Clamp(Environment.ProcessorCount, 1, MaxThreads);

    /// <summary>The largest accepted <see cref="ThreadCount"/>.</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// The number of threads (the caller included) a kernel may use; defaults to the processor count.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxThreads"/>.</exception>
    public static int ThreadCount
    {
        get => Volatile.Read(ref threadCount);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
            Volatile.Write(ref threadCount, value);
        }
    }

    /// <summary>
    /// Runs <c>body(state, t, threads)</c> for every <c>t</c> in <c>[0, threads)</c>, part 0 on the calling thread and the
    /// others on workers, and returns when all are done. Falls back to fewer threads (down to running every part on the
    /// caller) when the workers are busy with another caller's job. Allocates nothing after the workers exist.
    /// </summary>
    /// <param name="threads">The number of parts; at most <see cref="ThreadCount"/> are run concurrently.</param>
    /// <param name="body">A static function taking the shared state, the part index and the part count.</param>
    /// <param name="state">Opaque state for <paramref name="body"/>; must stay valid (pinned or on the stack) until return.</param>
    internal static unsafe void For(int threads, delegate*<void*, int, int, void> body, void* state)
    {
        if (threads > 1 && Interlocked.CompareExchange(ref Pool.Busy, 1, 0) == 0)
        {
            try
            {
                Pool.Run(threads, body, state);
            }
            finally
            {
                Volatile.Write(ref Pool.Busy, 0);
            }

            return;
        }

        // The workers are taken (or one part was asked for): run every part here, in order.
        for (int t = 0; t < threads; t++)
        {
            body(state, t, threads);
        }
    }

    /// <summary>The dedicated workers; only the thread that set <see cref="Busy"/> touches the job fields.</summary>
    private static unsafe class Pool
    {
        /// <summary>1 while a caller owns the workers.</summary>
        internal static int Busy;

        // How long a worker keeps polling for the next job before it blocks, in Stopwatch ticks (~200 µs).
        private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

        private static readonly object Gate = new();
        private static Thread[] workers = [];

        // The current job. Written by the owner before it bumps Generation; read by workers after they see the bump.
        private static delegate*<void*, int, int, void> jobBody;
        private static void* jobState;
        private static int jobThreads;

        // A sequence counter: odd while the owner writes the job fields, even once the job is published. Workers
        // compare it with the last generation they saw, and re-read it after copying the fields to be sure they
        // copied one job (a worker that sat out the previous job may look at the fields while the next is written).
        private static int generation;

        // Workers still running the current job, and workers blocked on Gate.
        private static int pending;
        private static int sleepers;

        internal static void Run(int threads, delegate*<void*, int, int, void> body, void* state)
        {
            EnsureWorkers(threads - 1);
            Interlocked.Increment(ref generation);
            jobBody = body;
            jobState = state;
            jobThreads = threads;
            Volatile.Write(ref pending, threads - 1);

            // Publish the job (a full fence), then wake blocked workers. A worker about to block re-checks the
            // generation after announcing itself in `sleepers` (also a full fence), so no wake-up is lost.
            Interlocked.Increment(ref generation);
            if (Volatile.Read(ref sleepers) > 0)
            {
                lock (Gate)
                {
                    Monitor.PulseAll(Gate);
                }
            }

            body(state, 0, threads);

            // Wait for the workers' parts; they finish within the time of our own part, so spin, yielding now and then.
            var spinner = new SpinWait();
            while (Volatile.Read(ref pending) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
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
                int index = i + 1; // part 0 is the caller's
                int start = generation; // even, and the job about to be published is the new worker's first
                grown[i] = new Thread(() => WorkerLoop(index, start), maxStackSize: 256 * 1024)
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
                int now = WaitForJob(seen);
                var body = jobBody;
                void* state = jobState;
                int threads = jobThreads;
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref generation) != now)
                {
                    continue; // the owner moved on to a later job while we copied: take that one
                }

                seen = now;
                if (index < threads)
                {
                    body(state, index, threads);
                    Interlocked.Decrement(ref pending);
                }
            }
        }

        /// <summary>Returns the first published generation other than <paramref name="seen"/>: spins, then blocks.</summary>
        private static int WaitForJob(int seen)
        {
            int now = Volatile.Read(ref generation);
            if (IsNew(now, seen))
            {
                return now;
            }

            long start = Stopwatch.GetTimestamp();
            int polls = 0;
            while (true)
            {
                Thread.SpinWait(20);
                now = Volatile.Read(ref generation);
                if (IsNew(now, seen))
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
                while (!IsNew(now = Volatile.Read(ref generation), seen))
                {
                    Monitor.Wait(Gate);
                }

                Interlocked.Decrement(ref sleepers);
            }

            return now;
        }

        private static bool IsNew(int now, int seen) => now != seen && (now & 1) == 0;
    }
}
