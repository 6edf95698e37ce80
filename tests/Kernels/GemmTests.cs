using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The three matrix products against a double-precision triple loop, over shapes that hit every tile edge
/// (1, 3, 15, 16, 17, 33, 64, 100, 257, 784 in each dimension), on one and two threads.
/// </summary>
/// <remarks>
/// Tests here vary the thread count through <see cref="TestThreads"/> scopes (their own thread only), so they run in
/// parallel with the others.
/// </remarks>
public class GemmTests
{
    public enum Product
    {
        ABt,
        AB,
        AtB,
    }

    private static readonly int[] Edges = [1, 3, 15, 16, 17, 33, 64, 100, 257, 784];

    /// <summary>Every edge size in every dimension (the other two small and odd), the layer shapes, and big odd ones that split across threads.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        var shapes = new List<(int M, int N, int K)>();
        foreach (int v in Edges)
        {
            shapes.Add((v, 17, 33));
            shapes.Add((15, v, 33));
            shapes.Add((17, 15, v));
            shapes.Add((v, v, 3));
            shapes.Add((3, v, v));
        }

        // The hot layer shapes (forward m=batch, n=out, k=in; weight gradient m=out, n=in, k=batch), batch-1 GEMVs,
        // and large odd shapes that take the multi-threaded path split along m and along n.
        shapes.AddRange([(64, 256, 784), (64, 128, 256), (64, 10, 128), (1, 256, 784), (1, 128, 256), (1, 10, 128),
            (256, 784, 64), (128, 256, 64), (10, 128, 64), (64, 784, 256), (64, 256, 10),
            (257, 100, 64), (784, 17, 33), (33, 784, 100), (100, 257, 1), (16, 16, 1041), (3, 5, 2100),
            (257, 33, 784), (300, 20, 1041), // these two cross the row and k blocks of A·Bᵀ
            (65, 37, 19), (71, 300, 785), (64, 4, 16), (129, 33, 100), (64, 3, 16), (64, 4, 15), // A·Bᵀ as Cᵀ = B·Aᵀ (m ≥ 64) and its edges
            (8, 130, 64), (14, 200, 9), (9, 64, 7), (128, 70, 64)]); // the 6-row tiles of A·B and Aᵀ·B with each remainder
        foreach (Product product in Enum.GetValues<Product>())
        {
            foreach (var (m, n, k) in shapes.Distinct())
            {
                yield return [product, m, n, k];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Product_matches_double_precision_reference(Product product, int m, int n, int k)
    {
        var rng = new Random(m * 7919 + n * 104729 + k);
        float[] a = Random(rng, m * k + 1);
        float[] b = Random(rng, n * k + 1);
        float[] c0 = Random(rng, m * n);
        ReadOnlySpan<float> aSpan = a.AsSpan(1); // one float in: the kernels must not assume alignment
        ReadOnlySpan<float> bSpan = b.AsSpan(1);
        (double[] exact, double[] magnitude) = Reference(product, m, n, k, aSpan, bSpan);

        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                foreach (bool accumulate in new[] { false, true })
                {
                    // C carries sentinels past m·n; when overwriting it starts as NaN, so an element read instead of
                    // written (or skipped) shows up.
                    float[] c = new float[m * n + 3];
                    for (int i = 0; i < c.Length; i++)
                    {
                        c[i] = i >= m * n ? 12345f : accumulate ? c0[i] : float.NaN;
                    }

                    Multiply(product, m, n, k, aSpan, bSpan, c, accumulate);

                    // Error bound for a sum of k+1 products and terms in any order, each term and partial sum
                    // rounded once (FMA rounds once per step): |computed − exact| ≤ γ(k+1)·Σ|terms|, with
                    // γ(j) = j·u/(1 − j·u), u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1). The kernels' blocked
                    // sums (16 lanes, then a tree) stay far below this worst case, but it holds for any order.
                    double u = Math.Pow(2, -24), j = k + 2;
                    double gamma = j * u / (1 - j * u);
                    for (int i = 0; i < m * n; i++)
                    {
                        double expected = exact[i] + (accumulate ? c0[i] : 0);
                        double bound = gamma * (magnitude[i] + (accumulate ? Math.Abs(c0[i]) : 0)) + 1e-30;
                        double error = Math.Abs(c[i] - expected);
                        Assert.True(error <= bound, $"{product} {m}×{n}×{k} threads={threads} accumulate={accumulate}: C[{i / n},{i % n}] = {c[i]}, expected {expected} (error {error:E2} > bound {bound:E2})");
                    }

                    Assert.All(c.Skip(m * n), x => Assert.Equal(12345f, x));
                }
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <summary>
    /// <c>C = bias + A·Bᵀ</c> (the dense forward): against the double-precision reference, and bit for bit equal to
    /// the bias copied into C followed by the accumulating product, on one and two threads. The shapes with m ≥ 64 and
    /// n ≤ m run on the packed, panel-major Bᵀ with the bias fused into the tiles (whole and partial 64-column panels,
    /// 16-column tails); the others take the copy-then-accumulate path.
    /// </summary>
    [Theory]
    [InlineData(256, 256, 784)]
    [InlineData(256, 128, 256)]
    [InlineData(256, 10, 128)]
    [InlineData(301, 12, 130)]
    [InlineData(257, 100, 64)]
    [InlineData(300, 20, 1041)]
    [InlineData(128, 70, 64)]
    [InlineData(65, 37, 19)]
    [InlineData(64, 256, 784)]
    [InlineData(71, 300, 785)] // A·Bᵀ as Cᵀ = B·Aᵀ: the bias added in the transpose back, with odd edges
    [InlineData(64, 4, 16)]
    [InlineData(15, 33, 17)]
    [InlineData(1, 256, 784)]
    public void Product_with_bias_matches_reference_and_the_unfused_path(int m, int n, int k)
    {
        var rng = new Random(m * 31 + n * 17 + k);
        float[] a = Random(rng, m * k), b = Random(rng, n * k), bias = Random(rng, n);
        (double[] exact, double[] magnitude) = Reference(Product.ABt, m, n, k, a, b);
        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                float[] c = new float[m * n + 3];
                Array.Fill(c, float.NaN, 0, m * n);
                Array.Fill(c, 12345f, m * n, 3);
                Gemm.MultiplyABtBias(m, n, k, a, b, bias, c);

                float[] unfused = new float[m * n];
                for (int i = 0; i < m; i++)
                {
                    bias.CopyTo(unfused, i * n);
                }

                Gemm.MultiplyABt(m, n, k, a, b, unfused, accumulate: true);
                double u = Math.Pow(2, -24), j = k + 2;
                double gamma = j * u / (1 - j * u);
                for (int i = 0; i < m * n; i++)
                {
                    double expected = exact[i] + bias[i % n];
                    double bound = gamma * (magnitude[i] + Math.Abs(bias[i % n])) + 1e-30;
                    Assert.True(Math.Abs(c[i] - expected) <= bound, $"{m}×{n}×{k} threads={threads}: C[{i / n},{i % n}] = {c[i]}, expected {expected}");
                    Assert.Equal(BitConverter.SingleToInt32Bits(unfused[i]), BitConverter.SingleToInt32Bits(c[i]));
                }

                Assert.All(c.Skip(m * n), x => Assert.Equal(12345f, x));
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <summary>
    /// The transposed A·Bᵀ (Cᵀ = B·Aᵀ: the training forward's 64×784→256) sums each block of k on its own, in
    /// sequential fused multiply-adds from zero, and adds each block's sum to the running total once; the bias, or the
    /// C added to, comes in as Cᵀ is transposed back. A scalar model of exactly that gives the same bits for every
    /// element, whichever register tile (6 or 4 rows of B, or single rows) computed it.
    /// </summary>
    [Theory]
    [InlineData(64, 256, 784, false, true)]
    [InlineData(64, 256, 784, true, false)]
    [InlineData(71, 250, 300, false, false)]
    [InlineData(64, 128, 129, false, true)]
    [InlineData(64, 96, 2100, true, false)] // beyond one pass on every host: three passes of 700 on AVX-512
    [InlineData(64, 80, 1500, false, true)]
    public void Transposed_product_sums_each_block_of_k_on_its_own_in_every_tile(int m, int n, int k, bool accumulate, bool withBias)
    {
        if (!Gemm.UseTransposed(m, n, k) || n <= m)
        {
            return; // the transposed path runs on AVX-512 hosts only
        }

        var rng = new Random((m * 7) + n + k);
        float[] a = Random(rng, m * k), b = Random(rng, n * k), bias = Random(rng, n), start = Random(rng, m * n);
        int kc = GemmOuter.PassLength(k);
        Assert.InRange(kc, 1, k);
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float total = 0f;
                for (int p0 = 0; p0 < k; p0 += kc)
                {
                    float block = 0f;
                    for (int p = p0; p < Math.Min(k, p0 + kc); p++)
                    {
                        block = MathF.FusedMultiplyAdd(b[(j * k) + p], a[(i * k) + p], block);
                    }

                    total = p0 == 0 ? block : block + total;
                }

                expected[(i * n) + j] = accumulate ? start[(i * n) + j] + total : withBias ? total + bias[j] : total;
            }
        }

        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                float[] c = (float[])start.Clone();
                if (withBias)
                {
                    Gemm.MultiplyABtBias(m, n, k, a, b, bias, c);
                }
                else
                {
                    Gemm.MultiplyABt(m, n, k, a, b, c, accumulate);
                }

                for (int e = 0; e < m * n; e++)
                {
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[e]) == BitConverter.SingleToInt32Bits(c[e]),
                        $"{m}×{n}×{k} threads={threads}: C[{e / n},{e % n}] = {c[e]:R}, the blocked sum gives {expected[e]:R}");
                }
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <summary>
    /// The split of a product between threads follows whole tiles, so every element is summed in the same order
    /// whatever the thread count: one and two threads give the same bits.
    /// </summary>
    [Theory]
    [InlineData(Product.ABt, 64, 256, 784)]
    [InlineData(Product.ABt, 71, 300, 785)]
    [InlineData(Product.ABt, 129, 33, 100)]
    [InlineData(Product.ABt, 256, 10, 128)] // one column panel: split by rows on a Bᵀ packed before the split
    [InlineData(Product.ABt, 301, 12, 130)]
    [InlineData(Product.AB, 64, 784, 256)]
    [InlineData(Product.AB, 67, 255, 130)]
    [InlineData(Product.AtB, 256, 784, 64)]
    [InlineData(Product.AtB, 130, 259, 65)]
    public void One_and_two_threads_give_identical_bits(Product product, int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        float[] a = Random(rng, m * k), b = Random(rng, n * k), c0 = Random(rng, m * n);
        var saved = new TestThreads();
        try
        {
            float[][] results = new float[2][];
            for (int t = 0; t < 2; t++)
            {
                saved.Set(t + 1);
                results[t] = (float[])c0.Clone();
                Multiply(product, m, n, k, a, b, results[t], accumulate: true);
            }

            Assert.Equal(results[0], results[1]);
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <summary>
    /// The dense weight gradient, split by rows in per-thread blocks on several threads, adds exactly what
    /// <see cref="Gemm.MultiplyAtB"/> adds on one thread (which the reference test checks), on any thread count, for
    /// shapes with many row tiles per thread and with too few to split by rows.
    /// </summary>
    [Theory]
    [InlineData(256, 784, 64)]
    [InlineData(130, 259, 65)]
    [InlineData(128, 256, 8)]
    [InlineData(10, 128, 64)]
    [InlineData(7, 300, 40)]
    public void Weight_gradient_adds_the_bits_of_the_one_thread_product_on_any_thread_count(int m, int n, int k)
    {
        var rng = new Random(m * 7 + n + k);
        float[] dy = Random(rng, k * m), x = Random(rng, k * n), start = Random(rng, m * n);
        using var threads = new TestThreads();
        threads.Set(1);
        float[] expected = (float[])start.Clone();
        Gemm.MultiplyAtB(m, n, k, dy, x, expected, accumulate: true);
        foreach (int count in new[] { 1, 2, 3, 4 })
        {
            threads.Set(count);
            float[] actual = (float[])start.Clone();
            Gemm.WeightGradient(m, n, k, dy, x, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Products_allocate_nothing_after_warm_up(int threads)
    {
        var saved = new TestThreads();
        saved.Set(threads);
        try
        {
            // The forward, input-gradient and weight-gradient shapes of a 784-256 layer at batch 64, and a GEMV.
            var rng = new Random(1);
            float[] a = Random(rng, 256 * 784), b = Random(rng, 256 * 784), c = new float[256 * 784];
            void Step()
            {
                Gemm.MultiplyABt(64, 256, 784, a, b, c, accumulate: false);
                Gemm.MultiplyABt(1, 256, 784, a, b, c, accumulate: true);
                Gemm.MultiplyAB(64, 784, 256, a, b, c, accumulate: true);
                Gemm.MultiplyAtB(256, 784, 64, a, b, c, accumulate: true);
                Gemm.MultiplyAtB(10, 17, 3, a, b, c, accumulate: false);
            }

            // Warms past tiering (the transposed A·Bᵀ grows its scratch once) and measures up to three windows.
            AllocationAssert.None(Step, calls: 20);
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Theory]
    [InlineData(Product.ABt)]
    [InlineData(Product.AB)]
    [InlineData(Product.AtB)]
    public void Too_short_spans_throw(Product product)
    {
        const int m = 5, n = 7, k = 9;
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n];
        Assert.Throws<ArgumentException>(() => Multiply(product, m, n, k, a.AsSpan(1), b, c, false));
        Assert.Throws<ArgumentException>(() => Multiply(product, m, n, k, a, b.AsSpan(1), c, false));
        Assert.Throws<ArgumentException>(() => Multiply(product, m, n, k, a, b, c.AsSpan(1), true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Multiply(product, -1, n, k, a, b, c, false));
        Multiply(product, m, n, k, a, b, c, false); // exact lengths are fine
    }

    [Theory]
    [InlineData(Product.ABt)]
    [InlineData(Product.AB)]
    [InlineData(Product.AtB)]
    public void Empty_k_overwrites_with_zeros_or_leaves_c(Product product)
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Multiply(product, 2, 3, 0, [], [], c, accumulate: true);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);
        Multiply(product, 2, 3, 0, [], [], c, accumulate: false);
        Assert.All(c, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Concurrent_callers_get_correct_results()
    {
        var saved = new TestThreads();
        saved.Set(2);
        try
        {
            // Four threads hammer the shared workers with products big enough to go parallel; the ones that find
            // the workers busy run alone. Every result must still be exact to float rounding.
            const int m = 64, n = 256, k = 784;
            var rng = new Random(5);
            float[] a = Random(rng, m * k), b = Random(rng, n * k);
            float[] expected = new float[m * n];
            saved.Set(1);
            Gemm.MultiplyABt(m, n, k, a, b, expected, accumulate: false);
            saved.Set(2);
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            {
                float[] c = new float[m * n];
                for (int iteration = 0; iteration < 50; iteration++)
                {
                    Gemm.MultiplyABt(m, n, k, a, b, c, accumulate: false);

                    // Same tiles and summation order on any thread count: bit-identical.
                    Assert.True(c.AsSpan().SequenceEqual(expected), $"iteration {iteration} differs");
                }
            });
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Workers_wake_from_spinning_and_from_blocking()
    {
        var saved = new TestThreads();
        try
        {
            // Batch-1 GEMVs split across two threads, back to back (workers still spinning) and after pauses long
            // enough for them to block; each must match the single-threaded result bit for bit (same tiles).
            const int n = 256, k = 784;
            var rng = new Random(9);
            float[] x = Random(rng, k), w = Random(rng, n * k);
            float[] expected = new float[n], y = new float[n];
            saved.Set(1);
            Gemm.MultiplyABt(1, n, k, x, w, expected, accumulate: false);
            saved.Set(2);
            for (int i = 0; i < 3000; i++)
            {
                if (i % 500 == 499)
                {
                    Thread.Sleep(5);
                }

                y.AsSpan().Fill(float.NaN);
                Gemm.MultiplyABt(1, n, k, x, w, y, accumulate: false);
                Assert.True(y.AsSpan().SequenceEqual(expected), $"call {i} differs");
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Thread_count_rejects_values_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute.ThreadCount = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute.ThreadCount = Compute.MaxThreads + 1);
        Assert.InRange(Compute.ThreadCount, 1, Compute.MaxThreads);
    }

    private static void Multiply(Product product, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
    {
        switch (product)
        {
            case Product.ABt:
                Gemm.MultiplyABt(m, n, k, a, b, c, accumulate);
                break;
            case Product.AB:
                Gemm.MultiplyAB(m, n, k, a, b, c, accumulate);
                break;
            default:
                Gemm.MultiplyAtB(m, n, k, a, b, c, accumulate);
                break;
        }
    }

    /// <summary>The exact product in double (every float product is exact in double) and Σ|terms| per element.</summary>
    private static (double[] Exact, double[] Magnitude) Reference(Product product, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var exact = new double[m * n];
        var magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = product == Product.AtB ? a[p * m + i] : a[i * k + p];
                    double y = product == Product.ABt ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                    abs += Math.Abs(x * y);
                }

                exact[i * n + j] = sum;
                magnitude[i * n + j] = abs;
            }
        }

        return (exact, magnitude);
    }

    private static float[] Random(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(rng.NextDouble() * 2 - 1);
        }

        return values;
    }
}
