using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Kernels;

namespace NetGen.Optimizers;

// The one loop every optimizer runs. An optimizer writes its update rule once, generically over "a few floats at a
// time" (ILanes<T>); UpdateLoop.Run hands it to LaneLoop, which instantiates it at the widest vector width the hardware
// has, then Vector<float>, then a scalar tail. The rules use only IEEE-exact operations (no fused multiply-add, no
// exp), so an element's update does not depend on which width handled it.

/// <summary>An element-wise optimizer update: new parameter values from the old ones and the gradients.</summary>
internal interface IUpdateRule
{
    /// <summary>
    /// Returns the updated parameters at <paramref name="index"/>; reads and writes the rule's own state buffers at the
    /// same index.
    /// </summary>
    T Update<T>(T param, T grad, nuint index)
        where T : struct, ILanes<T>;
}

/// <summary>
/// Runs an <see cref="IUpdateRule"/> over flat buffers through <see cref="LaneLoop"/>, split across
/// <see cref="Compute.ThreadCount"/> threads when the buffers are large (<see cref="FlatSplit"/>). Every element's
/// update depends only on that element (and the rule's scalars), so the result is bit for bit the same on any number of
/// threads.
/// </summary>
internal static class UpdateLoop
{
    /// <summary><c>parameters[i] = rule.Update(parameters[i], gradients[i], i)</c> for every i; lengths are checked by the caller.</summary>
    public static unsafe void Run<TRule>(ref TRule rule, Span<float> parameters, ReadOnlySpan<float> gradients)
        where TRule : struct, IUpdateRule
    {
        int threads = FlatSplit.Threads(parameters.Length);
        if (threads <= 1)
        {
            var body = new Body<TRule>(ref rule, ref MemoryMarshal.GetReference(parameters), ref MemoryMarshal.GetReference(gradients));
            LaneLoop.Run(ref body, 0, (nuint)parameters.Length);
            return;
        }

        fixed (float* p = parameters, g = gradients)
        {
            var job = new Job { Rule = Unsafe.AsPointer(ref rule), Parameters = p, Gradients = g, Length = parameters.Length };
            if (UpdateSplit.Find((nint)p, (nint)g, parameters.Length, threads) is { } split)
            {
                // The network's last backward pass: each thread updates the parameters whose gradients it wrote.
                split.Pinned(out job.Bounds, out job.Starts);
                Compute.For(threads, threads, &RunSplitChunk<TRule>, &job, blocks: true);
                return;
            }

            // FlatSplit's chunks, as ZeroGradients clears them: each thread updates the slices it will clear.
            Compute.For(FlatSplit.Chunks(threads), threads, &RunChunk<TRule>, &job, blocks: true);
        }
    }

    /// <summary>Updates thread <paramref name="chunk"/>'s ranges of an <see cref="UpdateSplit"/>.</summary>
    private static unsafe void RunSplitChunk<TRule>(void* state, int chunk, int chunks)
        where TRule : struct, IUpdateRule
    {
        ref readonly Job job = ref *(Job*)state;
        var body = new Body<TRule>(ref Unsafe.AsRef<TRule>(job.Rule), ref *job.Parameters, ref *job.Gradients);
        for (int i = job.Starts[chunk]; i < job.Starts[chunk + 1]; i += 2)
        {
            LaneLoop.Run(ref body, (nuint)job.Bounds[i], (nuint)job.Bounds[i + 1]);
        }
    }

    /// <summary>Updates chunk <paramref name="chunk"/> of <paramref name="chunks"/> (<see cref="FlatSplit.Range"/>).</summary>
    private static unsafe void RunChunk<TRule>(void* state, int chunk, int chunks)
        where TRule : struct, IUpdateRule
    {
        ref readonly Job job = ref *(Job*)state;
        (long start, long end) = FlatSplit.Range(job.Length, chunk, chunks);
        nuint from = (nuint)start, to = (nuint)end;

        // The rule lives on the caller's stack, which stays put until every chunk is done (Compute.For returns after).
        var body = new Body<TRule>(ref Unsafe.AsRef<TRule>(job.Rule), ref *job.Parameters, ref *job.Gradients);
        LaneLoop.Run(ref body, from, to);
    }

    /// <summary>What the chunks share: the rule (on the caller's stack) and the pinned buffers.</summary>
    private unsafe struct Job
    {
        public void* Rule;
        public float* Parameters;
        public float* Gradients;
        public long Length;
        public long* Bounds;
        public int* Starts;
    }

    private readonly ref struct Body<TRule> : ILaneLoop
        where TRule : struct, IUpdateRule
    {
        private readonly ref TRule _rule;
        private readonly ref float _p;
        private readonly ref float _g;

        public Body(ref TRule rule, ref float p, ref float g)
        {
            _rule = ref rule;
            _p = ref p;
            _g = ref g;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            _rule.Update(T.Load(ref _p, i), T.Load(ref _g, i), i).Store(ref _p, i);
            return acc;
        }
    }
}

/// <summary>The pieces the update rules share: torch's coupled L2 weight decay and reading and writing a state buffer.</summary>
internal static class RulePieces
{
    /// <summary><c>grad + l2·param</c>, torch's coupled weight decay; <paramref name="grad"/> itself when l2 is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T WithL2<T>(T grad, T param, float l2)
        where T : struct, ILanes<T> => l2 != 0f ? grad + (param * l2) : grad;

    /// <summary>The state buffer's values at <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<T>(float[] buffer, nuint index)
        where T : struct, ILanes<T> => T.Load(ref MemoryMarshal.GetArrayDataReference(buffer), index);

    /// <summary>Writes <paramref name="value"/> into the state buffer at <paramref name="index"/> and returns it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Store<T>(float[] buffer, nuint index, T value)
        where T : struct, ILanes<T>
    {
        value.Store(ref MemoryMarshal.GetArrayDataReference(buffer), index);
        return value;
    }
}
