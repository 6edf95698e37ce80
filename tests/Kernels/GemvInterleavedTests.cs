using System;
using NetGen.Kernels;
using Xunit;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Batch-1 products with a weights cache run on the cache's interleaved rows (<see cref="GemmDot.GemvInterleaved"/>,
/// AVX-512 hosts): the results equal the unpacked path bit for bit (same blocks of k, same chains, the last rows of a
/// partial group on one chain), agree with a float64 reference, follow changes of the weights through
/// <see cref="PackedWeights.Invalidate"/>, and give the same bits on any thread count, alone and inside the dense pair.
/// On other hosts both sides take the unpacked path and the comparisons still hold.
/// </summary>
public class GemvInterleavedTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)(rng.NextDouble() - 0.5);
        }

        return v;
    }

    [Theory]
    [InlineData(256, 784, 1)]
    [InlineData(256, 784, 2)]
    [InlineData(10, 128, 1)]   // two rows past the last group of four
    [InlineData(7, 20, 1)]     // k not a multiple of 16
    [InlineData(1, 5, 1)]      // one row, k below one step
    [InlineData(33, 3136, 3)]  // k in three blocks, C between them; 33 rows over 3 threads
    [InlineData(128, 256, 2)]
    public void Single_row_products_on_the_cache_equal_the_unpacked_path(int n, int k, int threads)
    {
        float[] a = Random(k, n + k), b = Random(n * k, n * k + 1), bias = Random(n, n + 2), start = Random(n, n + 3);
        using var saved = new TestThreads();
        saved.Set(threads);
        var cache = new PackedWeights();
        foreach (bool accumulate in new[] { false, true })
        {
            float[] plain = (float[])start.Clone(), cached = (float[])start.Clone();
            Gemm.MultiplyABt(1, n, k, a, b, plain, accumulate);
            Gemm.MultiplyABt(1, n, k, a, b, cached, accumulate, cache);
            Assert.Equal(plain, cached);
            for (int j = 0; j < n; j++)
            {
                double dot = accumulate ? start[j] : 0;
                for (int p = 0; p < k; p++)
                {
                    dot += (double)a[p] * b[(j * k) + p];
                }

                Assert.True(Math.Abs(cached[j] - dot) <= 1e-5 * Math.Sqrt(k), $"row {j}: {cached[j]} vs {dot}");
            }
        }

        float[] plainBias = new float[n], cachedBias = new float[n];
        Gemm.MultiplyABtBias(1, n, k, a, b, bias, plainBias);
        Gemm.MultiplyABtBias(1, n, k, a, b, bias, cachedBias, cache);
        Assert.Equal(plainBias, cachedBias);
        if (GemmDot.HasInterleavedGemv)
        {
            Assert.True(cache.Floats >= n * k, "the single-row product should have packed the cache on this host");
        }
    }

    [Fact]
    public void The_cache_repacks_after_invalidate_and_for_other_weights()
    {
        const int n = 24, k = 40;
        float[] a = Random(k, 1), b = Random(n * k, 2), other = Random(n * k, 3);
        var cache = new PackedWeights();
        float[] Product(float[] weights, PackedWeights? packed)
        {
            float[] c = new float[n];
            Gemm.MultiplyABt(1, n, k, a, weights, c, accumulate: false, packed);
            return c;
        }

        float[] first = Product(b, cache);
        Assert.Equal(Product(b, null), first);
        Assert.Equal(Product(other, null), Product(other, cache)); // another matrix: packed anew
        Array.Copy(other, b, b.Length);
        cache.Invalidate();
        Assert.Equal(Product(other, null), Product(b, cache)); // same memory, new values
        Assert.NotEqual(first, Product(b, cache));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Batch_one_dense_pair_with_caches_gives_the_uncached_bits(int threads)
    {
        const int inputs = 784, hidden = 256, outputs = 128;
        float[] x = Random(inputs, 10), w1 = Random(hidden * inputs, 11), b1 = Random(hidden, 12), w2 = Random(outputs * hidden, 13), b2 = Random(outputs, 14);
        using var saved = new TestThreads();
        saved.Set(threads);
        float[][] Run(PackedWeights? p1, PackedWeights? p2)
        {
            float[] y1 = new float[hidden], a1 = new float[hidden], y2 = new float[outputs];
            Dense.ForwardPair(1, inputs, hidden, outputs, x, w1, b1, y1, ActivationFunction.Relu, 0f, a1, w2, b2, y2, p1, p2);
            return [y1, a1, y2];
        }

        float[][] plain = Run(null, null), cached = Run(new PackedWeights(), new PackedWeights());
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i], cached[i]);
        }

        Assert.Contains(plain[2], v => v != 0f);
    }
}
