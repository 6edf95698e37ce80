using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// <see cref="NetworkPool{TNetwork}"/>: eight threads served for 20 seconds with outputs bit-identical to
/// single-threaded calls and flat memory; leases, bounds and reuse.
/// </summary>
/// <remarks>The tests fix the thread count (bit-identical results need one split) with <see cref="Compute.UseThreads"/>; the soak test measures the process-wide heap, so the class runs alone in <see cref="ThreadCountCollection"/>.</remarks>
[Collection(ThreadCountCollection.Name)]
public class NetworkPoolTests
{
    /// <summary>How long the soak test runs: 20 s as the issue asks; <c>NETGEN_POOL_SOAK_SECONDS</c> overrides it.</summary>
    private static readonly TimeSpan SoakDuration = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("NETGEN_POOL_SOAK_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double s) ? s : 20);

    [Fact]
    public void Pool_serves_8_threads_for_20_seconds_with_outputs_bit_identical_to_single_threaded_calls_and_flat_memory()
    {
        using var threads = Compute.UseThreads(2);
        var prototype = new FashionMlp(1) { Mode = NetworkMode.Inference };
        var cases = ThreadSafetyTests.Cases([1, 2, 5, 8, 16], FashionMlp.InputFeatures, seed: 21);
        float[][] expected = cases.ConvertAll(c => prototype.Forward(c.Input, c.Batch).ToArray()).ToArray();

        // Fewer instances than threads, so renters also wait for returns.
        var pool = new NetworkPool<FashionMlp>(prototype, maxInstances: 4);
        const int workers = 8;
        long calls = 0, wrong = 0, measuredCalls = 0, measuredBytes = 0;
        var unexpected = new ConcurrentQueue<Exception>();
        var warmUp = TimeSpan.FromSeconds(Math.Min(2, SoakDuration.TotalSeconds / 4));
        using var warm = new Barrier(workers + 1);
        var clock = Stopwatch.StartNew();
        long heapAfterWarmUp = 0;
        var main = new Thread(() =>
        {
            // Once every worker is past its warm-up: the heap after a full collection, the baseline for "flat".
            warm.SignalAndWait();
            heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
        });
        main.Start();
        ThreadSafetyTests.Run(workers, worker =>
        {
            var output = new float[16 * FashionMlp.OutputFeatures];
            long n = 0, bytesAtStart = 0, callsAtStart = 0;
            bool measuring = false;
            while (true)
            {
                TimeSpan now = clock.Elapsed;
                if (!measuring && now > warmUp)
                {
                    warm.SignalAndWait();
                    measuring = true;
                    callsAtStart = n;
                    bytesAtStart = GC.GetAllocatedBytesForCurrentThread();
                }

                if (now > SoakDuration)
                {
                    break;
                }

                int k = (int)((n + worker) % cases.Count);
                try
                {
                    pool.Predict(cases[k].Input, cases[k].Batch, output);
                    if (!output.AsSpan(0, expected[k].Length).SequenceEqual(expected[k]))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e);
                }

                n++;
            }

            Interlocked.Add(ref measuredBytes, GC.GetAllocatedBytesForCurrentThread() - bytesAtStart);
            Interlocked.Add(ref measuredCalls, n - callsAtStart);
            Interlocked.Add(ref calls, n);
        });
        main.Join();
        long heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Empty(unexpected);
        Assert.Equal(0, wrong);
        Assert.True(calls > workers * 10, $"only {calls} calls");
        Assert.True(pool.InstanceCount <= 4, $"{pool.InstanceCount} instances");
        // Renting, running and returning allocate nothing once warm (a few bytes per million calls for the runtime's
        // own bookkeeping, e.g. tiered compilation, are tolerated).
        Assert.True(measuredBytes <= 64 * 1024, $"{measuredBytes} bytes allocated in {measuredCalls} calls after warm-up");
        Assert.True(heapAtEnd - heapAfterWarmUp < 1 << 20, $"the heap grew from {heapAfterWarmUp} to {heapAtEnd} bytes");
        Console.WriteLine($"pool soak: {calls} calls in {SoakDuration.TotalSeconds} s on {workers} threads, {pool.InstanceCount} instances, {measuredBytes} bytes allocated in {measuredCalls} measured calls, heap {heapAfterWarmUp} -> {heapAtEnd}");
    }

    [Fact]
    public void Pool_is_bounded_reuses_its_instances_and_checks_leases()
    {
        var prototype = new FashionMlp(1);
        var pool = new NetworkPool<FashionMlp>(prototype, maxInstances: 2);
        Assert.Equal(2, pool.MaxInstances);
        Assert.Same(prototype, pool.Prototype);

        var first = pool.Rent();
        var second = pool.Rent();
        Assert.NotSame(first.Network, second.Network);
        Assert.True(first.Network.IsInferenceClone);
        Assert.Equal(NetworkMode.Inference, first.Network.Mode);
        Assert.Equal(2, pool.InstanceCount);

        // Both rented: a third renter waits, here until its cancellation.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => pool.Rent(cancel.Token));
        }

        FashionMlp reused = first.Network;
        var copy = first;
        first.Dispose();
        first.Dispose(); // a second disposal of the same lease does nothing
        Assert.Throws<InvalidOperationException>(() => first.Network);
        Assert.Throws<InvalidOperationException>(() => copy.Network);
        var third = pool.Rent();
        Assert.Same(reused, third.Network);
        Assert.Equal(2, pool.InstanceCount);
        Assert.Throws<InvalidOperationException>(() => copy.Dispose()); // would hand back the instance third holds
        Assert.Same(reused, third.Network);
        third.Dispose();
        second.Dispose();

        // A waiting renter gets the instance returned by another thread.
        var a = pool.Rent();
        var b = pool.Rent();
        FashionMlp? got = null;
        var waiter = new Thread(() =>
        {
            using var lease = pool.Rent();
            got = lease.Network;
        });
        waiter.Start();
        Thread.Sleep(50);
        Assert.True(waiter.IsAlive);
        FashionMlp returned = a.Network;
        a.Dispose();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
        Assert.Same(returned, got);
        b.Dispose();
    }

    [Fact]
    public void Pool_predicts_like_the_prototype_and_rejects_networks_it_cannot_clone()
    {
        var prototype = new FashionMlp(4) { Mode = NetworkMode.Inference };
        var pool = new NetworkPool<FashionMlp>(prototype);
        Assert.Equal(Math.Max(2, Environment.ProcessorCount * 2), pool.MaxInstances);
        var c = ThreadSafetyTests.Cases([3], FashionMlp.InputFeatures, seed: 2)[0];
        var output = new float[30];
        pool.Predict(c.Input, 3, output);
        Assert.True(prototype.Forward(c.Input, 3).SequenceEqual(output));

        var e = Assert.Throws<ArgumentException>(() => pool.Predict(c.Input, 3, new float[29]));
        Assert.Equal("output", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkPool<FashionMlp>(prototype, -1));
        Assert.Throws<NotSupportedException>(() => new NetworkPool<SoftmaxRegression>(new SoftmaxRegression(3, 2)));
    }
}
