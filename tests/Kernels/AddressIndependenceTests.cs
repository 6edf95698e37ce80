using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The order in which a kernel adds floats must depend only on the shapes and the thread count, never on where the
/// operands sit in memory: otherwise two identical runs differ in the last bits whenever the heap is laid out
/// differently (an unrelated allocation, a resumed checkpoint). Each case runs a kernel on operands carved at every
/// float offset 0..15 inside larger arrays, which covers every position relative to a 64-byte cache line, and asserts
/// bit-identical results. The shapes reach every path of the products: rows and columns left over from the 4×4
/// tiles, the batch-1 product, k shorter than a vector, k with a tail, and k long enough to be split into blocks.
/// </summary>
public class AddressIndependenceTests
{
    private const int Offsets = 16;

    /// <summary>(m, n, k) of <c>C[m×n] = A[m×k]·B[n×k]ᵀ</c>.</summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 64, 10, 128 },   // the Fashion MLP's last layer at batch 64: columns 8 and 9 left over from the 4-column tiles
        { 64, 128, 256 },  // its middle layer: whole tiles only
        { 1, 256, 784 },   // batch-1 inference of the first layer: one row of A against rows of B
        { 1, 10, 128 },
        { 3, 7, 100 },     // leftover rows and columns, k with a tail of 4
        { 6, 5, 65 },      // one float past a whole number of vectors
        { 5, 6, 1500 },    // k split into two blocks
        { 7, 9, 13 },      // k shorter than one vector
        { 64, 10, 64 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_times_B_transposed_gives_the_same_bits_at_every_address(int m, int n, int k) =>
        ForEachThreadCount(() => AssertSameAtEveryOffset(m * k, n * k, m * n, (a, b, c) => Gemm.MultiplyABt(m, n, k, a, b, c, accumulate: true)));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_times_B_gives_the_same_bits_at_every_address(int m, int n, int k) =>
        ForEachThreadCount(() => AssertSameAtEveryOffset(m * k, k * n, m * n, (a, b, c) => Gemm.MultiplyAB(m, n, k, a, b, c, accumulate: true)));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_transposed_times_B_gives_the_same_bits_at_every_address(int m, int n, int k) =>
        ForEachThreadCount(() => AssertSameAtEveryOffset(k * m, k * n, m * n, (a, b, c) => Gemm.MultiplyAtB(m, n, k, a, b, c, accumulate: true)));

    /// <summary>
    /// The dense pair at batch 1 on two threads splits the second layer along k, so its products start at a column
    /// offset inside the weights (<c>W2 + h0</c>): those must not depend on addresses either.
    /// </summary>
    [Theory]
    [InlineData(1, 784, 256, 10)]
    [InlineData(3, 200, 96, 7)]
    public void Dense_pair_gives_the_same_bits_at_every_address(int batch, int inputs, int hidden, int outputs)
    {
        float[] x0 = Random(batch * inputs, 1), w10 = Random(hidden * inputs, 2), b1 = Random(hidden, 3);
        float[] w20 = Random(outputs * hidden, 4), b2 = Random(outputs, 5);
        var x = new CacheLineArena(x0.Length);
        var w1 = new CacheLineArena(w10.Length);
        var w2 = new CacheLineArena(w20.Length);
        ForEachThreadCount(() =>
        {
            int[]? reference = null;
            for (int o = 0; o < Offsets; o++)
            {
                // x and W1 move together one way, W2 the other way, so their relative positions change too.
                int o2 = (Offsets - o) % Offsets;
                x0.CopyTo(x.At(o));
                w10.CopyTo(w1.At(o));
                w20.CopyTo(w2.At(o2));
                var y1 = new float[batch * hidden];
                var a1 = new float[batch * hidden];
                var y2 = new float[batch * outputs];
                Dense.ForwardPair(batch, inputs, hidden, outputs, x.At(o), w1.At(o), b1, y1, ActivationFunction.Relu, 0f, a1, w2.At(o2), b2, y2);
                int[] bits = Bits(y2);
                reference ??= bits;
                Assert.True(reference.AsSpan().SequenceEqual(bits), $"y2 differs with x and W1 at float offset {o}, W2 at {o2} (threads: {Compute.ThreadCount})");
            }
        });
    }

    /// <summary>A product on spans: A, B, and C (accumulated into).</summary>
    private delegate void Product(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c);

    /// <summary>
    /// Runs <paramref name="product"/> with A at every offset (B at 0), B at every offset (A at 0), both at unequal
    /// offsets, and C at every offset, and compares every result bit for bit with A, B and C at offset 0.
    /// </summary>
    private static void AssertSameAtEveryOffset(int aLength, int bLength, int cLength, Product product)
    {
        float[] a0 = Random(aLength, 11), b0 = Random(bLength, 12), c0 = Random(cLength, 13);
        var a = new CacheLineArena(aLength);
        var b = new CacheLineArena(bLength);
        var c = new CacheLineArena(cLength);
        int[] Run(int oa, int ob, int oc)
        {
            // The operands copied in at the offsets; C starts from the same values every time (the product accumulates).
            a0.CopyTo(a.At(oa));
            b0.CopyTo(b.At(ob));
            c0.CopyTo(c.At(oc));
            product(a.At(oa), b.At(ob), c.At(oc));
            return Bits(c.At(oc));
        }

        int[] reference = Run(0, 0, 0);
        for (int o = 1; o < Offsets; o++)
        {
            foreach ((int oa, int ob, int oc) in new[] { (o, 0, 0), (0, o, 0), (o, (o * 7) % Offsets, 0), (0, 0, o) })
            {
                int[] bits = Run(oa, ob, oc);
                Assert.True(reference.AsSpan().SequenceEqual(bits), $"C differs with A at float offset {oa}, B at {ob}, C at {oc} (threads: {Compute.ThreadCount})");
            }
        }
    }

    /// <summary>
    /// A pinned array with room for <c>length</c> floats at each of the offsets 0..15 floats from a 64-byte boundary,
    /// so that offset <c>o</c> always means the same position within a cache line (fresh arrays land anywhere).
    /// </summary>
    private sealed class CacheLineArena
    {
        private readonly float[] _array;
        private readonly int _start;
        private readonly int _length;

        public unsafe CacheLineArena(int length)
        {
            _length = length;
            _array = GC.AllocateArray<float>(length + 2 * Offsets, pinned: true);
            fixed (float* p = _array)
            {
                _start = (int)((64 - ((nuint)p % 64)) % 64 / sizeof(float));
            }
        }

        public Span<float> At(int offset) => _array.AsSpan(_start + offset, _length);
    }

    /// <summary>Runs <paramref name="body"/> on one thread and on two (each compared only with itself).</summary>
    private static void ForEachThreadCount(Action body)
    {
        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                body();
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    private static float[] Random(int length, int seed)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextGaussian();
        }

        return values;
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}
