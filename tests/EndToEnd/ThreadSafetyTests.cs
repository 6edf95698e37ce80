using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// The threading model: one instance refuses overlapping calls from two threads (and never returns a wrong output
/// silently), separate instances run concurrently with bit-identical results, and inference clones share one copy of
/// the parameters. The 20-second pool test is in <see cref="NetworkPoolTests"/>.
/// </summary>
/// <remarks>The tests fix the thread count (bit-identical results need one split) with <see cref="Compute.UseThreads"/>, which the threads they start inherit, so they run in parallel with other classes.</remarks>
public class ThreadSafetyTests
{
    private static readonly int[] Batches = [1, 3, 8, 32, 64];

    [Fact]
    public void One_instance_hammered_by_8_threads_refuses_overlapping_calls_and_never_returns_a_wrong_output()
    {
        using var threads = Compute.UseThreads(2);
        var net = new FashionMlp(1) { Mode = NetworkMode.Inference };
        var cases = Cases(Batches, FashionMlp.InputFeatures, seed: 3);
        float[][] expected = cases.ConvertAll(c => net.Forward(c.Input, c.Batch).ToArray()).ToArray();

        const int workers = 8;
        using var barrier = new Barrier(workers);
        int refused = 0, correct = 0, wrong = 0, rounds = 0;
        bool done = false;
        var unexpected = new ConcurrentQueue<Exception>();
        var stop = Stopwatch.StartNew();
        Run(workers, worker =>
        {
            var output = new float[64 * FashionMlp.OutputFeatures];
            for (int round = 0; ; round++)
            {
                barrier.SignalAndWait(); // all eight start together, so their calls overlap
                int k = (worker + round) % cases.Count;
                try
                {
                    net.Forward(cases[k].Input, cases[k].Batch, output);
                    bool same = output.AsSpan(0, expected[k].Length).SequenceEqual(expected[k]);
                    Interlocked.Increment(ref same ? ref correct : ref wrong);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("already in use by another thread", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                    if (!e.Message.Contains("NetworkPool<FashionMlp>", StringComparison.Ordinal))
                    {
                        unexpected.Enqueue(e);
                    }
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e);
                }

                // Worker 0 decides for everyone, between two barriers, so nobody is left waiting at one.
                if (worker == 0)
                {
                    rounds++;
                    Volatile.Write(ref done, (Volatile.Read(ref refused) >= 100 && rounds >= 200) || stop.Elapsed > TimeSpan.FromSeconds(15));
                }

                barrier.SignalAndWait();
                if (Volatile.Read(ref done))
                {
                    return;
                }
            }
        });

        Assert.Empty(unexpected);
        Assert.Equal(0, wrong);
        Assert.True(refused > 0, $"no overlap was refused in {rounds} rounds");
        Assert.True(correct > 0, "no call succeeded");

        // The refused calls left the instance intact: it still computes every case exactly.
        for (int k = 0; k < cases.Count; k++)
        {
            Assert.True(net.Forward(cases[k].Input, cases[k].Batch).SequenceEqual(expected[k]));
        }
    }

    [Fact]
    public void Every_state_touching_call_throws_while_another_thread_is_inside_forward_and_leaves_the_instance_intact()
    {
        var net = new GatedMlp();
        var input = Cases([4], FashionMlp.InputFeatures, seed: 5)[0].Input;
        var labels = new int[] { 1, 2, 3, 4 };
        float[] expected = new FashionMlp(1) { Mode = NetworkMode.Inference }.Forward(input, 4).ToArray();
        net.Mode = NetworkMode.Inference;
        net.Forward(input, 4);
        net.Gate = true;
        float[]? got = null;
        var holder = new Thread(() => got = net.Forward(input, 4).ToArray()) { IsBackground = true };
        holder.Start();
        Assert.True(net.Inside.Wait(TimeSpan.FromSeconds(30)));

        var refusals = new List<Action>
        {
            () => net.Forward(input, 4),
            () => net.Forward(input, 4, new float[40]),
            () => net.Loss(labels),
            () => net.Loss(new float[40]),
            () => net.Backward(labels),
            () => net.Backward(new float[40]),
            () => net.ZeroGradients(),
            () => net.EnsureBatchCapacity(1000),
            () => net.ArgMax(new int[4]),
            () => net.LayerOutput(0),
            () => net.Profile(input, labels, 4, 1),
        };
        try
        {
            foreach (Action call in refusals)
            {
                var e = Assert.Throws<InvalidOperationException>(call);
                Assert.Contains("GatedMlp is already in use by another thread", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            net.Release.Set();
            holder.Join();
        }

        Assert.Equal(4, net.BatchCapacity); // EnsureBatchCapacity(1000) did nothing
        Assert.True(expected.AsSpan().SequenceEqual(got));

        // Sequential use from other threads is fine: the instance is free again.
        float[]? again = null;
        var other = new Thread(() => again = net.Forward(input, 4).ToArray());
        other.Start();
        other.Join();
        Assert.True(expected.AsSpan().SequenceEqual(again));
    }

    [Fact]
    public void Eight_instances_on_eight_threads_give_outputs_bit_identical_to_single_threaded_calls()
    {
        using var threads = Compute.UseThreads(2);
        var nets = new NetworkBase[8];
        var cases = new List<(float[] Input, int Batch)>[8];
        var expected = new float[8][][];
        for (int i = 0; i < nets.Length; i++)
        {
            // MLPs at batch 1 (the dense pair, one parallel job) and 64 (parallel GEMMs); CNNs (convolution scratch,
            // batch norm, pooling) at batch 2 and 5.
            nets[i] = i % 2 == 0 ? new FashionMlp(i) : new TestCnn(i);
            nets[i].Mode = NetworkMode.Inference;
            cases[i] = Cases(i % 2 == 0 ? [1, 64] : [2, 5], nets[i].InputSize, seed: 10 + i);
            expected[i] = cases[i].ConvertAll(c => nets[i].Forward(c.Input, c.Batch).ToArray()).ToArray();
        }

        int calls = 0, wrong = 0;
        var stop = Stopwatch.StartNew();
        Run(nets.Length, i =>
        {
            for (int n = 0; n < 20 || stop.Elapsed < TimeSpan.FromSeconds(3); n++)
            {
                var c = cases[i][n % 2];
                if (!nets[i].Forward(c.Input, c.Batch).SequenceEqual(expected[i][n % 2]))
                {
                    Interlocked.Increment(ref wrong);
                }

                Interlocked.Increment(ref calls);
            }
        });

        Assert.Equal(0, wrong);
        Assert.True(calls >= 160);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Instances_with_the_same_seed_give_bit_identical_outputs_wherever_their_buffers_land(int threadCount)
    {
        // Some kernels pick their first vector step by an operand's address; buffers aligned the same way in every
        // instance (and never moved by the garbage collector) make the result independent of where they land.
        using var threads = Compute.UseThreads(threadCount);
        var cases = Cases([1, 2, 4, 5, 8, 16, 32], FashionMlp.InputFeatures, seed: 9);
        var reference = new FashionMlp(1) { Mode = NetworkMode.Inference };
        float[][] expected = cases.ConvertAll(c => reference.Forward(c.Input, c.Batch).ToArray()).ToArray();
        var keep = new List<object>();
        for (int i = 0; i < 8; i++)
        {
            keep.Add(new byte[(i * 20) + 4]); // shifts where the next instance's arrays start
            var other = new FashionMlp(1) { Mode = NetworkMode.Inference };
            for (int k = 0; k < cases.Count; k++)
            {
                Assert.True(other.Forward(cases[k].Input, cases[k].Batch).SequenceEqual(expected[k]), $"instance {i}, batch {cases[k].Batch}");
            }

            GC.Collect(); // compacts the heap: unpinned arrays would move
            Assert.True(reference.Forward(cases[i % cases.Count].Input, cases[i % cases.Count].Batch).SequenceEqual(expected[i % cases.Count]), $"after collection {i}");
        }

        GC.KeepAlive(keep);
    }

    [Fact]
    public void Inference_clone_shares_the_parameters_and_buffers_and_sees_updates_of_the_prototype()
    {
        var net = new TestCnn(1);
        var clone = (TestCnn)net.CloneForInference();
        var input = Cases([3], TestCnn.InputFeatures, seed: 7)[0].Input;
        var labels = new int[] { 0, 4, 9 };

        Assert.True(clone.IsInferenceClone);
        Assert.False(net.IsInferenceClone);
        Assert.Equal(NetworkMode.Inference, clone.Mode);
        net.Mode = NetworkMode.Inference;
        float[] before = net.Forward(input, 3).ToArray();
        Assert.True(clone.Forward(input, 3).SequenceEqual(before));

        // A training step on the prototype changes its parameters (optimizer) and running statistics (batch norm).
        net.Mode = NetworkMode.Training;
        net.Forward(input, 3);
        net.ZeroGradients();
        net.Backward(labels);
        new global::NetGen.Optimizers.Sgd(0.5f).Step(net.Parameters, net.Gradients);
        net.Mode = NetworkMode.Inference;
        float[] after = net.Forward(input, 3).ToArray();
        Assert.False(after.AsSpan().SequenceEqual(before));
        Assert.True(clone.Forward(input, 3).SequenceEqual(after));

        // The same memory, not a copy.
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref net.Parameters[0], ref clone.Parameters[0]));
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref net.Buffers[0], ref clone.Buffers[0]));
    }

    [Fact]
    public void Inference_clone_refuses_training_and_has_no_gradient_buffer()
    {
        var net = new FashionMlp(1);
        NetworkBase clone = net.CloneForInference();
        var input = Cases([2], FashionMlp.InputFeatures, seed: 8)[0].Input;
        var labels = new int[] { 3, 5 };

        Assert.IsType<FashionMlp>(clone);
        Assert.Equal(0, clone.Gradients.Length);
        clone.Forward(input, 2);
        Assert.True(float.IsFinite(clone.Loss(labels)));
        foreach (Action call in new Action[]
        {
            () => clone.Backward(labels),
            () => clone.Backward(new float[20]),
            () => clone.ZeroGradients(),
            () => clone.Profile(input, labels, 2, 1),
            () => clone.Mode = NetworkMode.Training,
        })
        {
            var e = Assert.Throws<InvalidOperationException>(call);
            Assert.Contains("inference clone", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(NetworkMode.Inference, clone.Mode);
        Assert.Throws<NotSupportedException>(() => new SoftmaxRegression(3, 2).CloneForInference());
    }

    /// <summary>Inputs of the given batch sizes, uniform in [0, 1).</summary>
    internal static List<(float[] Input, int Batch)> Cases(int[] batches, int inputSize, int seed)
    {
        var rng = new Rng(seed);
        var cases = new List<(float[] Input, int Batch)>();
        foreach (int batch in batches)
        {
            var x = new float[batch * inputSize];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = rng.NextFloat();
            }

            cases.Add((x, batch));
        }

        return cases;
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> dedicated threads and rethrows the first failure.</summary>
    internal static void Run(int count, Action<int> body)
    {
        var failures = new ConcurrentQueue<Exception>();
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    body(index);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            });
            threads[i].Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        if (failures.TryDequeue(out Exception? first))
        {
            throw new AggregateException(first);
        }
    }

    /// <summary>The MLP with a gate in its forward pass, to hold a thread inside a call as long as a test needs.</summary>
    private sealed class GatedMlp : FashionMlp
    {
        public GatedMlp()
            : base(1)
        {
        }

        private int _gate;

        /// <summary>When set, the next forward pass (one only) waits inside until <see cref="Release"/>.</summary>
        public bool Gate
        {
            get => Volatile.Read(ref _gate) != 0;
            set => Volatile.Write(ref _gate, value ? 1 : 0);
        }

        public ManualResetEventSlim Inside { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        protected override ReadOnlySpan<float> ForwardCore(ReadOnlySpan<float> input, int batchSize)
        {
            if (Interlocked.Exchange(ref _gate, 0) != 0)
            {
                Inside.Set();
                Release.Wait();
            }

            return base.ForwardCore(input, batchSize);
        }
    }
}
