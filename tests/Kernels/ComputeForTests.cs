using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// <see cref="Compute.For"/> runs every chunk exactly once, claiming the next free chunk or (with blocks) each thread's
/// own block first, whoever else calls it at the same time; and <see cref="FlatSplit.Clear"/> clears exactly its buffer.
/// </summary>
public unsafe class ComputeForTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_chunk_runs_exactly_once_on_any_thread_and_chunk_count(bool blocks)
    {
        int[] counts = new int[40];
        fixed (int* pc = counts)
        {
            foreach (int threads in new[] { 1, 2, 3, 4 })
            {
                foreach (int chunks in new[] { 1, 2, 3, 4, 5, 7, 8, 13, 40 })
                {
                    Array.Clear(counts);
                    for (int rep = 0; rep < 25; rep++)
                    {
                        Compute.For(chunks, threads, &Count, pc, blocks);
                    }

                    for (int c = 0; c < counts.Length; c++)
                    {
                        Assert.True(counts[c] == (c < chunks ? 25 : 0), $"threads {threads}, chunks {chunks}, blocks {blocks}: chunk {c} ran {counts[c]} times in 25 calls.");
                    }
                }
            }
        }
    }

    [Fact]
    public void Callers_on_several_threads_mixing_both_claiming_modes_each_run_all_their_chunks_once()
    {
        // One caller at a time gets the workers; the others run their chunks on their own thread. Jobs with and
        // without blocks follow each other on the same workers, so a worker late from one kind of job meets the other.
        const int Callers = 4, Chunks = 9, Reps = 400;
        int[] counts = new int[Callers * Chunks];
        Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, caller =>
        {
            using var threads = new TestThreads();
            threads.Set(3);
            fixed (int* pc = counts)
            {
                for (int rep = 0; rep < Reps; rep++)
                {
                    Compute.For(Chunks, 3, &Count, pc + (caller * Chunks), blocks: (rep + caller) % 2 == 0);
                }
            }
        });

        Assert.All(counts, c => Assert.Equal(Reps, c));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(235_146)]
    public void FlatSplit_clear_sets_every_element_to_zero_and_nothing_beyond(int n)
    {
        using var threads = new TestThreads();
        foreach (int count in new[] { 1, 2, 3 })
        {
            threads.Set(count);
            float[] buffer = new float[n + 5];
            Array.Fill(buffer, 3f);
            FlatSplit.Clear(buffer.AsSpan(0, n));
            Assert.All(buffer.AsSpan(0, n).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(buffer.AsSpan(n).ToArray(), v => Assert.Equal(3f, v));
        }
    }

    [Fact]
    public void FlatSplit_ranges_tile_the_buffer_in_whole_cache_lines()
    {
        foreach (int length in new[] { 1, 63, 64, 65_537, 235_146 })
        {
            foreach (int threads in new[] { 1, 2, 3, 5 })
            {
                int chunks = FlatSplit.Chunks(threads);
                long next = 0;
                for (int c = 0; c < chunks; c++)
                {
                    (long from, long to) = FlatSplit.Range(length, c, chunks);
                    Assert.Equal(next, from);
                    Assert.True(to >= from && (to == length || to % 16 == 0), $"length {length}, chunk {c} of {chunks}: [{from}, {to}).");
                    next = to;
                }

                Assert.Equal(length, next);
            }
        }
    }

    private static void Count(void* state, int chunk, int chunks) => Interlocked.Increment(ref ((int*)state)[chunk]);
}

/// <summary>
/// With blocks, each thread starts on its own block: the caller on chunk 0, the worker on the second half. Alone in its
/// collection, so that no other test holds the workers (a call would then run every chunk on its caller).
/// </summary>
[Collection(ThreadCountCollection.Name)]
public unsafe class ComputeForBlockTests
{
    [Fact]
    public void With_blocks_the_caller_starts_on_chunk_0_and_a_worker_on_its_own_block()
    {
        using var threads = new TestThreads();
        threads.Set(2);
        int caller = Environment.CurrentManagedThreadId;
        int workerRuns = 0;
        for (int rep = 0; rep < 10; rep++)
        {
            var log = new ChunkLog();
            Compute.For(4, 2, &Record, &log, blocks: true);
            Assert.Equal(caller, log.ThreadOf(0));
            Assert.Equal(0, log.FirstChunkOf(caller));

            // The worker's first chunk is in its block [2, 4): 2, or 3 when the caller finished its own block first
            // and took 2 (a worker that woke late). Claiming the next free chunk would have given it chunk 1.
            int worker = log.OtherThread(caller);
            if (worker != 0)
            {
                workerRuns++;
                Assert.InRange(log.FirstChunkOf(worker), 2, 3);
            }
        }

        Assert.True(workerRuns > 0, "No worker took part in 10 calls of 4 chunks of 3 ms.");
    }

    private static void Record(void* state, int chunk, int chunks)
    {
        ((ChunkLog*)state)->Add(chunk, Environment.CurrentManagedThreadId);

        // 3 ms of work, enough for a worker to wake and claim a chunk while the caller is busy.
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 3)
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>Which thread ran each of 4 chunks, in the order they started.</summary>
    private struct ChunkLog
    {
        private fixed int _chunk[4];
        private fixed int _thread[4];
        private int _count;

        public void Add(int chunk, int thread)
        {
            int slot = Interlocked.Increment(ref _count) - 1;
            _chunk[slot] = chunk;
            _thread[slot] = thread;
        }

        public readonly int ThreadOf(int chunk)
        {
            for (int i = 0; i < 4; i++)
            {
                if (_chunk[i] == chunk)
                {
                    return _thread[i];
                }
            }

            return 0;
        }

        public readonly int FirstChunkOf(int thread)
        {
            for (int i = 0; i < 4; i++)
            {
                if (_thread[i] == thread)
                {
                    return _chunk[i];
                }
            }

            return -1;
        }

        public readonly int OtherThread(int thread)
        {
            for (int i = 0; i < 4; i++)
            {
                if (_thread[i] != thread)
                {
                    return _thread[i];
                }
            }

            return 0;
        }
    }
}
