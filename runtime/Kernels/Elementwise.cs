using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>Small vectorized loops shared by layers, losses and optimizers.</summary>
/// <remarks>
/// Below <see cref="TensorPrimitivesBelow"/> floats these call <see cref="TensorPrimitives"/>, which was as fast or
/// faster there; from that size on, the hand loops (<see cref="LaneLoop"/>), which were faster. Quiet host (AMD EPYC,
/// Zen 5, AVX-512), session 8, bench <c>--elementwise</c>, hand / TensorPrimitives time: at 16,384 floats Add 844/774 ns,
/// Multiply 1,171/1,047 ns, MultiplyAdd 1,498/1,111 ns, ScaleAdd 769/775 ns; at 262,144 floats Add 22.7/36.7 µs,
/// MultiplyAdd 37.5/45.1 µs, ScaleAdd 23.8/36.9 µs (Multiply 34.8/29.4 µs); at 1,048,576 floats the hand loops were
/// 1.2–1.8× faster for all four. TensorPrimitives writes destinations of 256 KB or more with non-temporal stores, which
/// bypass the caches that the next layer reads from.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Elementwise
{
    /// <summary>
    /// The length (64 Ki floats: 256 KB, TensorPrimitives' non-temporal store threshold) from which the hand loops run
    /// instead of <see cref="TensorPrimitives"/>. The multiply-adds call TensorPrimitives' fused form, and only where
    /// the hand loops fuse too (<see cref="LaneLoop.FusesMultiplyAdd"/>), so a result never depends on which one ran.
    /// </summary>
    internal const int TensorPrimitivesBelow = 65_536;

    /// <summary>From this many floats (128 KB) <see cref="CopyAcross"/> splits the copy between the threads.</summary>
    internal const int CopyAcrossFrom = 32_768;

    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="target"/>, split between the compute threads from
    /// <see cref="CopyAcrossFrom"/> floats on (one contiguous slice each, in per-thread blocks), else on this thread. For
    /// the network input's copy into the arena, which only a backward pass reads: at batch 256 of the Fashion MLP
    /// (784 KB) it was a serial ~10 µs in a 2-thread inference call of ~330 µs. At batch 64 (196 KB) in a 2-thread
    /// training step it took 25–29 µs on one thread against 10–12 µs in a 1-thread step: the previous step's weight
    /// gradient had read the arena's input on both cores, so every line written here was first taken back from the other
    /// core. Split, it took 15 µs (medians of 2,000 steps, Zen 5).
    /// </summary>
    internal static unsafe void CopyAcross(ReadOnlySpan<float> source, Span<float> target)
    {
        int threads = Compute.ThreadCount;
        if (threads <= 1 || source.Length < CopyAcrossFrom || Compute.WorkersBusy)
        {
            source.CopyTo(target);
            return;
        }

        Guard.AtLeast("Elementwise.CopyAcross", target.Length, source.Length, "target");
        fixed (float* ps = source, pt = target)
        {
            var job = new CopyJob { Source = ps, Target = pt, Length = source.Length };
            Compute.For(threads, threads, &CopyPart, &job, blocks: true);
        }
    }

    private static unsafe void CopyPart(void* state, int part, int parts)
    {
        ref readonly CopyJob g = ref *(CopyJob*)state;

        // Slices in steps of 16 floats: whole cache lines when the target starts on one.
        long lines = (g.Length + 15) / 16;
        long start = Math.Min(g.Length, lines * part / parts * 16), end = Math.Min(g.Length, lines * (part + 1) / parts * 16);
        Buffer.MemoryCopy(g.Source + start, g.Target + start, (end - start) * sizeof(float), (end - start) * sizeof(float));
    }

    private unsafe struct CopyJob
    {
        public float* Source;
        public float* Target;
        public long Length;
    }

    /// <summary><c>y[i] += x[i]</c>.</summary>
    /// <param name="x">The addend.</param>
    /// <param name="y">The accumulator, at least as long as <paramref name="x"/>.</param>
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.AtLeast("Elementwise.Add", y.Length, x.Length, nameof(y));
        if (x.Length < TensorPrimitivesBelow)
        {
            Span<float> sum = y.Slice(0, x.Length);
            TensorPrimitives.Add(x, sum, sum);
            return;
        }

        LaneLoop.Apply(default(AddOp), x, y);
    }

    /// <summary><c>z[i] = x[i]·y[i]</c>.</summary>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor, same length.</param>
    /// <param name="z">The product, same length.</param>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        CheckSameLength(x.Length, y.Length, z.Length);
        if (x.Length < TensorPrimitivesBelow)
        {
            TensorPrimitives.Multiply(x, y, z);
            return;
        }

        var body = new ProductBody<Overwrite>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary><c>z[i] += x[i]·y[i]</c>.</summary>
    /// <param name="x">The first factor.</param>
    /// <param name="y">The second factor, same length.</param>
    /// <param name="z">The accumulator, same length.</param>
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        CheckSameLength(x.Length, y.Length, z.Length);
        if (x.Length < TensorPrimitivesBelow && LaneLoop.FusesMultiplyAdd)
        {
            TensorPrimitives.FusedMultiplyAdd(x, y, z, z);
            return;
        }

        var body = new ProductBody<Accumulate>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z));
        LaneLoop.Run(ref body, (nuint)x.Length);
    }

    /// <summary>acc += s·x element-wise </summary>
    /// <param name="s">The scale.</param>
    /// <param name="x">The addend.</param>
    /// <param name="acc">The accumulator, as long as <paramref name="x"/>.</param>
    public static void ScaleAdd(float s, ReadOnlySpan<float> x, Span<float> acc)
    {
        Guard.Length("Elementwise.ScaleAdd", acc.Length, x.Length, nameof(acc));
        if (x.Length < TensorPrimitivesBelow && LaneLoop.FusesMultiplyAdd)
        {
            TensorPrimitives.FusedMultiplyAdd(x, s, acc, acc);
            return;
        }

        LaneLoop.Apply(new ScaleAddOp(s), x, acc);
    }

    private static void CheckSameLength(int x, int y, int z)
    {
        Guard.Length("Elementwise", y, x, "y");
        Guard.Length("Elementwise", z, x, "z");
    }

    private readonly struct AddOp : ILaneOp
    {
        public T Apply<T>(T x, T y)
            where T : struct, ILanes<T> => y + x;
    }

    private readonly struct ScaleAddOp(float s) : ILaneOp
    {
        public T Apply<T>(T x, T acc)
            where T : struct, ILanes<T> => T.MultiplyAdd(x, T.Create(s), acc);
    }

    /// <summary>Whether <see cref="ProductBody{TMode}"/> overwrites or adds to z.</summary>
    private interface IProductMode
    {
        static abstract bool Accumulates { get; }
    }

    private readonly struct Overwrite : IProductMode
    {
        public static bool Accumulates => false;
    }

    private readonly struct Accumulate : IProductMode
    {
        public static bool Accumulates => true;
    }

    /// <summary><c>z = x·y</c> or <c>z += x·y</c>; the mode is a type, so each loop compiles without the test.</summary>
    private readonly ref struct ProductBody<TMode> : ILaneLoop
        where TMode : struct, IProductMode
    {
        private readonly ref float _x;
        private readonly ref float _y;
        private readonly ref float _z;

        public ProductBody(ref float x, ref float y, ref float z)
        {
            _x = ref x;
            _y = ref y;
            _z = ref z;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T x = T.Load(ref _x, i), y = T.Load(ref _y, i);
            (TMode.Accumulates ? T.MultiplyAdd(x, y, T.Load(ref _z, i)) : x * y).Store(ref _z, i);
            return acc;
        }
    }
}
