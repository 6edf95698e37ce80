using System;
using System.Collections.Generic;
using System.Threading;

namespace NetGen.Kernels;

/// <summary>
/// Which parameters each compute thread's share of the last backward pass wrote the gradients of, so that an
/// optimizer's update of that network hands each thread the same parameters (<see cref="Optimizers.UpdateLoop"/>):
/// the gradients it reads are still in its cache, and the weights it writes are the rows it multiplies in the next
/// forward and backward pass.
/// </summary>
/// <remarks>
/// <para>
/// A network publishes its split after each backward pass (<see cref="Publish"/>); an update over exactly that
/// network's parameter and gradient buffers, on as many threads, uses it (<see cref="Find"/>), and any other update
/// cuts its buffers evenly (<see cref="FlatSplit"/>). The split only decides which thread updates which element:
/// every element's update depends on that element alone, so the result is the same bits either way.
/// </para>
/// <para>
/// Cut evenly, the Fashion MLP's update split W1 at row 150 of 256 where its products split at row 128, and gave all of
/// W2 to the second thread where the products give each thread half of its rows, so ~33 K parameters' gradients and
/// weights crossed between the cores every step.
/// </para>
/// </remarks>
internal sealed class UpdateSplit
{
    private static UpdateSplit? s_last;

    // Thread t's ranges are _bounds[_starts[t] .. _starts[t + 1]) in [from, to) pairs; pinned, so a job on the stack can
    // point at them.
    private readonly long[] _bounds;
    private readonly int[] _starts;

    private UpdateSplit(nint parameters, nint gradients, int length, int batch, List<(long From, long To)>[] ranges)
    {
        Parameters = parameters;
        Gradients = gradients;
        Length = length;
        Batch = batch;
        _starts = GC.AllocateArray<int>(ranges.Length + 1, pinned: true);
        int pairs = 0;
        foreach (List<(long From, long To)> list in ranges)
        {
            pairs += list.Count;
        }

        _bounds = GC.AllocateArray<long>(2 * pairs, pinned: true);
        int at = 0;
        for (int t = 0; t < ranges.Length; t++)
        {
            _starts[t] = at;
            foreach ((long from, long to) in ranges[t])
            {
                _bounds[at++] = from;
                _bounds[at++] = to;
            }
        }

        _starts[ranges.Length] = at;
    }

    /// <summary>The threads the split is for.</summary>
    public int Threads => _starts.Length - 1;

    /// <summary>The batch size of the backward pass it describes.</summary>
    public int Batch { get; }

    private nint Parameters { get; }

    private nint Gradients { get; }

    private int Length { get; }

    /// <summary>
    /// Builds the split for a buffer of <paramref name="length"/> floats from each thread's ranges (in any order, not
    /// overlapping, together covering the buffer).
    /// </summary>
    public static UpdateSplit Create(nint parameters, nint gradients, int length, int batch, List<(long From, long To)>[] ranges)
        => new(parameters, gradients, length, batch, ranges);

    /// <summary>Makes <paramref name="split"/> the one an update of its buffers uses (the last published wins).</summary>
    public static void Publish(UpdateSplit split) => Volatile.Write(ref s_last, split);

    /// <summary>The published split for exactly these buffers on <paramref name="threads"/> threads, or null.</summary>
    public static UpdateSplit? Find(nint parameters, nint gradients, int length, int threads)
    {
        UpdateSplit? last = Volatile.Read(ref s_last);
        return last is not null && last.Parameters == parameters && last.Gradients == gradients && last.Length == length && last.Threads == threads
            ? last
            : null;
    }

    /// <summary>Every range as (thread, from, to), for checks.</summary>
    public IEnumerable<(int Thread, long From, long To)> Ranges()
    {
        for (int t = 0; t < Threads; t++)
        {
            for (int i = _starts[t]; i < _starts[t + 1]; i += 2)
            {
                yield return (t, _bounds[i], _bounds[i + 1]);
            }
        }
    }

    /// <summary>The pinned ranges: thread t's are <c>bounds[starts[t] .. starts[t + 1])</c> in [from, to) pairs.</summary>
    public unsafe void Pinned(out long* bounds, out int* starts)
    {
        // Pinned arrays (GC.AllocateArray pinned: true) do not move, so the pointers outlive the fixed blocks.
        fixed (long* b = _bounds)
        fixed (int* s = _starts)
        {
            bounds = b;
            starts = s;
        }
    }
}
