using System;

namespace NetGen.Kernels;

/// <summary>
/// How a flat buffer of the parameters' size (the parameters, their gradients, an optimizer's moments) is split
/// between the compute threads: the optimizers' update (<see cref="Optimizers.UpdateLoop"/>, unless the network's last
/// backward pass published its own split, <see cref="UpdateSplit"/>) and <see cref="NetworkBase.ZeroGradients"/> both
/// use it, so that <see cref="Compute.For"/>, which gives each thread the
/// same block of chunks every time, hands each thread the slices it touched last: the gradients it just read stay in
/// its cache to be cleared, and its moments never move between the cores.
/// </summary>
/// <remarks>
/// With the update's chunks claimed by whichever thread came first and the clearing on one thread, the Fashion MLP's
/// batch-64 training step on the 2-vCPU Zen 5 host spent ~10 µs more clearing on two threads than on one (the other
/// core's half of the gradients came across), and its moments changed cores about every other step.
/// </remarks>
internal static class FlatSplit
{
    /// <summary>
    /// Below this many floats per thread a buffer stays on one thread. An Adam step streams seven floats per parameter
    /// (2.3 ns per 16 on one Zen 5 core at 235 K parameters: ~100 µs for the Fashion MLP), while handing a job to a
    /// worker costs ~1 µs; at 32 Ki floats per thread the hand-off is under a tenth of the work.
    /// </summary>
    internal const int MinFloatsPerThread = 32 * 1024;

    /// <summary>Chunks are whole multiples of this many floats (a cache line of each buffer, whole vectors of every width).</summary>
    private const int ChunkUnit = 64;

    /// <summary>The threads a buffer of <paramref name="length"/> floats is split between; 1 means run it on the caller.</summary>
    internal static int Threads(int length) => Math.Max(1, Math.Min(Compute.ThreadCount, length / MinFloatsPerThread));

    /// <summary>
    /// The chunks for <paramref name="threads"/> threads: two per thread, so a thread that starts late leaves its second
    /// chunk to the others.
    /// </summary>
    internal static int Chunks(int threads) => 2 * threads;

    /// <summary>The floats <c>[from, to)</c> of chunk <paramref name="chunk"/> of <paramref name="chunks"/>: whole <see cref="ChunkUnit"/>s.</summary>
    internal static (long From, long To) Range(long length, int chunk, int chunks)
    {
        long units = (length + ChunkUnit - 1) / ChunkUnit;
        return (Math.Min(length, units * chunk / chunks * ChunkUnit), Math.Min(length, units * (chunk + 1) / chunks * ChunkUnit));
    }

    /// <summary>Sets every float of <paramref name="buffer"/> to zero, in the update's slices.</summary>
    internal static unsafe void Clear(Span<float> buffer)
    {
        int threads = Threads(buffer.Length);
        if (threads <= 1)
        {
            buffer.Clear();
            return;
        }

        fixed (float* p = buffer)
        {
            var job = new ClearJob { Buffer = p, Length = buffer.Length };
            Compute.For(Chunks(threads), threads, &ClearChunk, &job, blocks: true);
        }
    }

    private static unsafe void ClearChunk(void* state, int chunk, int chunks)
    {
        ref readonly ClearJob job = ref *(ClearJob*)state;
        (long from, long to) = Range(job.Length, chunk, chunks);
        new Span<float>(job.Buffer + from, (int)(to - from)).Clear();
    }

    private unsafe struct ClearJob
    {
        public float* Buffer;
        public long Length;
    }
}
