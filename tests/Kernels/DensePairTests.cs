using System;
using System.Collections.Generic;
using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// <see cref="Dense.ForwardPair"/> (two dense layers with an activation between them, run as one parallel job for small
/// batches) against a double-precision reference, on 1–4 threads, for every activation, with and without biases, and
/// on both sides of <see cref="Dense.MaxPairBatch"/>.
/// </summary>
/// <remarks>
/// Tests here vary the thread count through <see cref="TestThreads"/> scopes (their own thread only), so they run in
/// parallel with the others.
/// </remarks>
public class DensePairTests
{
    /// <summary>Shapes that split into 2–4 parts (the batch-1 MLP pair among them), odd hidden sizes, tiny pairs and batches above the limit.</summary>
    public static IEnumerable<object[]> Cases()
    {
        var shapes = new (int Batch, int Inputs, int Hidden, int Outputs)[]
        {
            (1, 784, 256, 128), // the Fashion-MNIST MLP at batch 1: two parts on two threads
            (3, 300, 200, 100),
            (8, 257, 40, 17),   // hidden 40: three 16-unit ranges, the last one short
            (2, 1041, 33, 10),  // k of the first layer crosses a k block
            (1, 5, 7, 3),       // too small to split: the layer-by-layer path
            (9, 200, 64, 32),   // above MaxPairBatch: the layer-by-layer path
            (4, 600, 1, 9),     // one hidden unit
            (96, 300, 70, 40),  // large batch (row-split on AVX-512): a 64-unit panel plus masked tails in both layers
            (130, 200, 128, 64), // row chunks of 32 and 33 rows: 6-, 4- and 1-row tiles
        };
        foreach (var (batch, inputs, hidden, outputs) in shapes)
        {
            foreach (ActivationFunction activation in Enum.GetValues<ActivationFunction>())
            {
                yield return [batch, inputs, hidden, outputs, activation, true];
            }

            yield return [batch, inputs, hidden, outputs, ActivationFunction.Relu, false];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pair_matches_double_precision_reference_on_any_thread_count(int batch, int inputs, int hidden, int outputs, ActivationFunction activation, bool biases)
    {
        var rng = new Random((batch * 31) + (inputs * 7) + hidden + (int)activation);
        float[] x = Random(rng, batch * inputs), w1 = Random(rng, hidden * inputs), w2 = Random(rng, outputs * hidden);
        float[] b1 = biases ? Random(rng, hidden) : [], b2 = biases ? Random(rng, outputs) : [];
        const float alpha = 0.3f;

        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2, 3, 4 })
            {
                saved.Set(threads);

                // Outputs start as NaN and carry sentinels past their end: an element skipped or read before it is
                // written shows up, and so does a write past the shape.
                float[] y1 = Filled(batch * hidden), a1 = Filled(batch * hidden), y2 = Filled(batch * outputs);
                Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, y1, activation, alpha, a1, w2, b2, y2);
                string where = $"{batch}×{inputs}→{hidden}→{outputs} {activation} biases={biases} threads={threads}";

                // First layer against the exact dot products (Higham's bound for a sum of k+1 terms in any order).
                for (int b = 0; b < batch; b++)
                {
                    for (int h = 0; h < hidden; h++)
                    {
                        double exact = biases ? b1[h] : 0, magnitude = Math.Abs(exact);
                        for (int i = 0; i < inputs; i++)
                        {
                            double term = (double)x[(b * inputs) + i] * w1[(h * inputs) + i];
                            exact += term;
                            magnitude += Math.Abs(term);
                        }

                        AssertClose(y1[(b * hidden) + h], exact, magnitude, inputs, $"{where}: y1[{b},{h}]");
                    }
                }

                // The activation: exactly what the element-wise kernel gives for the same y1.
                float[] expectedA1 = new float[batch * hidden];
                Activations.Forward(activation, alpha, y1.AsSpan(0, batch * hidden), expectedA1);
                Assert.True(expectedA1.AsSpan().SequenceEqual(a1.AsSpan(0, batch * hidden)), $"{where}: a1 is not f(y1)");

                // Second layer against the exact products of the a1 it was given.
                for (int b = 0; b < batch; b++)
                {
                    for (int o = 0; o < outputs; o++)
                    {
                        double exact = biases ? b2[o] : 0, magnitude = Math.Abs(exact);
                        for (int h = 0; h < hidden; h++)
                        {
                            double term = (double)a1[(b * hidden) + h] * w2[(o * hidden) + h];
                            exact += term;
                            magnitude += Math.Abs(term);
                        }

                        AssertClose(y2[(b * outputs) + o], exact, magnitude, hidden, $"{where}: y2[{b},{o}]");
                    }
                }

                AssertSentinels(y1, batch * hidden, where);
                AssertSentinels(a1, batch * hidden, where);
                AssertSentinels(y2, batch * outputs, where);
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Results_are_bit_identical_from_call_to_call_for_a_thread_count_and_close_to_the_layer_by_layer_path()
    {
        const int batch = 1, inputs = 784, hidden = 256, outputs = 128;
        var rng = new Random(3);
        float[] x = Random(rng, batch * inputs), w1 = Random(rng, hidden * inputs), b1 = Random(rng, hidden);
        float[] w2 = Random(rng, outputs * hidden), b2 = Random(rng, outputs);
        float[] y1 = new float[hidden], a1 = new float[hidden], y2 = new float[outputs];

        // The layer-by-layer path, as the generated code ran it before pairs existed.
        float[] r1 = new float[hidden], ra = new float[hidden], r2 = new float[outputs];
        Dense.Forward(batch, inputs, hidden, x, w1, b1, r1);
        Relu.Forward(r1, ra);
        Dense.Forward(batch, hidden, outputs, ra, w2, b2, r2);

        var saved = new TestThreads();
        try
        {
            saved.Set(2);
            Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, y1, ActivationFunction.Relu, 0, a1, w2, b2, y2);
            float[] first = y2.ToArray();
            for (int call = 0; call < 2000; call++)
            {
                y2.AsSpan().Fill(float.NaN);
                Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, y1, ActivationFunction.Relu, 0, a1, w2, b2, y2);
                Assert.True(first.AsSpan().SequenceEqual(y2), $"call {call} differs from the first");
            }

            // The first layer's outputs have the same tiles as Dense.Forward; the second layer's sums are grouped by
            // thread, so only rounding may differ: both are within Higham's bound of the exact sum, hence within twice
            // that bound of each other (relative to Σ|terms|, not to the result, which cancellation can make small).
            Assert.True(r1.AsSpan().SequenceEqual(y1), "y1 differs from Dense.Forward");
            bool anyDifferent = false;
            for (int o = 0; o < outputs; o++)
            {
                double magnitude = Math.Abs(b2[o]);
                for (int h = 0; h < hidden; h++)
                {
                    magnitude += Math.Abs((double)ra[h] * w2[(o * hidden) + h]);
                }

                double u = Math.Pow(2, -24), j = hidden + 2;
                double bound = 2 * j * u / (1 - (j * u)) * magnitude;
                Assert.True(Math.Abs(r2[o] - y2[o]) <= bound, $"y2[{o}]: pair {y2[o]}, layer by layer {r2[o]} (bound {bound:E2})");
                anyDifferent |= r2[o] != y2[o];
            }

            // On two threads the pair really took the split path (otherwise this test would compare a path with itself).
            Assert.True(anyDifferent, "the pair gave the layer-by-layer sums exactly: it did not split the second layer");
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Large_batches_match_the_layer_by_layer_path_bit_for_bit_and_see_new_weights()
    {
        // Batch 256 of the Fashion-MNIST MLP: on AVX-512 the pair splits the batch by rows and fuses the ReLU into the
        // first product's stores; every element is computed as Dense.Forward computes it, so the results are the
        // layer-by-layer path's exactly, on any thread count. Each thread caches its packed weights for one call
        // only: a second call after changing the weights must see them. With the layers' caches of packed weights
        // the threads share the cached packing instead, repacked after the owner invalidates it.
        const int batch = 256, inputs = 784, hidden = 256, outputs = 128;
        var rng = new Random(21);
        float[] x = Random(rng, batch * inputs), w1 = Random(rng, hidden * inputs), b1 = Random(rng, hidden);
        float[] w2 = Random(rng, outputs * hidden), b2 = Random(rng, outputs);
        var cache1 = new PackedWeights();
        var cache2 = new PackedWeights();
        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                saved.Set(threads);
                for (int round = 0; round < 2; round++)
                {
                    float[] r1 = new float[batch * hidden], ra = new float[batch * hidden], r2 = new float[batch * outputs];
                    Dense.Forward(batch, inputs, hidden, x, w1, b1, r1);
                    Relu.Forward(r1, ra);
                    Dense.Forward(batch, hidden, outputs, ra, w2, b2, r2);

                    float[] y1 = Filled(batch * hidden), a1 = Filled(batch * hidden), y2 = Filled(batch * outputs);
                    Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, y1, ActivationFunction.Relu, 0, a1, w2, b2, y2);
                    string where = $"threads={threads} round={round}";
                    Assert.True(r1.AsSpan().SequenceEqual(y1.AsSpan(0, r1.Length)), $"{where}: y1 differs from Dense.Forward");
                    Assert.True(ra.AsSpan().SequenceEqual(a1.AsSpan(0, ra.Length)), $"{where}: a1 differs from Relu.Forward");
                    Assert.True(r2.AsSpan().SequenceEqual(y2.AsSpan(0, r2.Length)), $"{where}: y2 differs from Dense.Forward");
                    AssertSentinels(y1, batch * hidden, where);
                    AssertSentinels(a1, batch * hidden, where);
                    AssertSentinels(y2, batch * outputs, where);

                    // With the layers' caches of packed weights (an inference forward): packed on the first call of
                    // the round, read as they are on the second.
                    for (int call = 0; call < 2; call++)
                    {
                        float[] z1 = Filled(batch * hidden), za = Filled(batch * hidden), z2 = Filled(batch * outputs);
                        Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, z1, ActivationFunction.Relu, 0, za, w2, b2, z2, cache1, cache2);
                        // Hosts without a packed path (SSE only) leave the caches alone.
                        bool packs = Gemm.UseTransposed(batch, hidden, inputs) || Gemm.UsePackedBWithoutAvx512(batch, hidden, inputs);
                        Assert.True(!packs || (cache1.IsValid && cache2.IsValid), $"{where} call={call}: the caches were not marked packed");
                        Assert.True(r1.AsSpan().SequenceEqual(z1.AsSpan(0, r1.Length)), $"{where} call={call}: cached y1 differs from Dense.Forward");
                        Assert.True(ra.AsSpan().SequenceEqual(za.AsSpan(0, ra.Length)), $"{where} call={call}: cached a1 differs");
                        Assert.True(r2.AsSpan().SequenceEqual(z2.AsSpan(0, r2.Length)), $"{where} call={call}: cached y2 differs");
                        AssertSentinels(z2, batch * outputs, where);
                    }

                    // New weights for the next round; the caches' owner invalidates them (as a network does).
                    w1[(round * 977) % w1.Length] += 0.5f;
                    w2[(round * 331) % w2.Length] -= 0.5f;
                    cache1.Invalidate();
                    cache2.Invalidate();
                }
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Concurrent_callers_get_the_single_caller_result_bit_for_bit()
    {
        // Four threads run batch-1 pairs at once: one owns the workers, the others find them busy and run every part
        // themselves; the parts (and so the sums) depend only on the thread count, so all agree bit for bit.
        const int inputs = 784, hidden = 256, outputs = 128;
        var rng = new Random(8);
        float[] w1 = Random(rng, hidden * inputs), b1 = Random(rng, hidden), w2 = Random(rng, outputs * hidden), b2 = Random(rng, outputs);
        float[][] inputsPerCaller = [Random(rng, inputs), Random(rng, inputs), Random(rng, inputs), Random(rng, inputs)];
        var saved = new TestThreads();
        try
        {
            saved.Set(2);
            float[][] expected = new float[4][];
            for (int caller = 0; caller < 4; caller++)
            {
                expected[caller] = new float[outputs];
                Dense.ForwardPair(1, inputs, hidden, outputs, inputsPerCaller[caller], w1, b1, new float[hidden], ActivationFunction.Elu, 1f, new float[hidden], w2, b2, expected[caller]);
            }

            System.Threading.Tasks.Parallel.For(0, 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
            {
                float[] y1 = new float[hidden], a1 = new float[hidden], y2 = new float[outputs];
                for (int call = 0; call < 300; call++)
                {
                    Dense.ForwardPair(1, inputs, hidden, outputs, inputsPerCaller[caller], w1, b1, y1, ActivationFunction.Elu, 1f, a1, w2, b2, y2);
                    Assert.True(expected[caller].AsSpan().SequenceEqual(y2), $"caller {caller}, call {call} differs");
                }
            });
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pair_allocates_nothing_after_warm_up(int threads)
    {
        var saved = new TestThreads();
        saved.Set(threads);
        try
        {
            var rng = new Random(2);
            float[] x = Random(rng, 9 * 784), w1 = Random(rng, 256 * 784), b1 = Random(rng, 256), w2 = Random(rng, 128 * 256);
            float[] y1 = new float[9 * 256], a1 = new float[9 * 256], y2 = new float[9 * 128];
            int[] batches = [1, 3, 8, 9];
            void Run()
            {
                foreach (int batch in batches)
                {
                    Dense.ForwardPair(batch, 784, 256, 128, x, w1, b1, y1, ActivationFunction.Tanh, 0, a1, w2, default, y2);
                }
            }

            // Warm-up covers the JIT (through tier 1), the workers and the partial-sum buffer.
            AllocationAssert.None(Run, calls: 50, warmUp: 200);
        }
        finally
        {
            saved.Dispose();
        }
    }

    [Fact]
    public void Short_spans_and_wrong_biases_throw_naming_the_argument()
    {
        const int batch = 2, inputs = 5, hidden = 4, outputs = 3;
        float[] x = new float[batch * inputs], w1 = new float[hidden * inputs], b1 = new float[hidden];
        float[] y1 = new float[batch * hidden], a1 = new float[batch * hidden], w2 = new float[outputs * hidden], b2 = new float[outputs], y2 = new float[batch * outputs];
        void Call(float[]? xs = null, float[]? w1s = null, float[]? b1s = null, float[]? y1s = null, float[]? a1s = null, float[]? w2s = null, float[]? b2s = null, float[]? y2s = null) =>
            Dense.ForwardPair(batch, inputs, hidden, outputs, xs ?? x, w1s ?? w1, b1s ?? b1, y1s ?? y1, ActivationFunction.Relu, 0, a1s ?? a1, w2s ?? w2, b2s ?? b2, y2s ?? y2);

        Call(); // exact lengths are fine
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Call(xs: new float[(batch * inputs) - 1])).ParamName);
        Assert.Equal("weights1", Assert.Throws<ArgumentException>(() => Call(w1s: new float[1])).ParamName);
        Assert.Equal("y1", Assert.Throws<ArgumentException>(() => Call(y1s: new float[3])).ParamName);
        Assert.Equal("a1", Assert.Throws<ArgumentException>(() => Call(a1s: new float[3])).ParamName);
        Assert.Equal("weights2", Assert.Throws<ArgumentException>(() => Call(w2s: new float[11])).ParamName);
        Assert.Equal("y2", Assert.Throws<ArgumentException>(() => Call(y2s: new float[5])).ParamName);
        Assert.Equal("bias1", Assert.Throws<ArgumentException>(() => Call(b1s: new float[hidden - 1])).ParamName);
        Assert.Equal("bias2", Assert.Throws<ArgumentException>(() => Call(b2s: new float[1])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Dense.ForwardPair(batch, inputs, 0, outputs, x, w1, b1, y1, ActivationFunction.Relu, 0, a1, w2, b2, y2));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Dense.ForwardPair(batch, inputs, hidden, outputs, x, w1, b1, y1, (ActivationFunction)99, 0, a1, w2, b2, y2));
    }

    private static void AssertClose(float actual, double exact, double magnitude, int terms, string what)
    {
        double u = Math.Pow(2, -24), j = terms + 2;
        double bound = (j * u / (1 - (j * u)) * magnitude) + 1e-30;
        double error = Math.Abs(actual - exact);
        Assert.True(error <= bound, $"{what} = {actual}, expected {exact} (error {error:E2} > bound {bound:E2})");
    }

    private static void AssertSentinels(float[] values, int used, string where)
    {
        for (int i = used; i < values.Length; i++)
        {
            Assert.True(values[i] == 12345f, $"{where}: element {i} past the output was written");
        }
    }

    private static float[] Filled(int used)
    {
        float[] values = new float[used + 3];
        values.AsSpan(0, used).Fill(float.NaN);
        values.AsSpan(used).Fill(12345f);
        return values;
    }

    private static float[] Random(Random rng, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }
}
