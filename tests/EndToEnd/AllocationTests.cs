using NetGen.Optimizers;
using NetGen.Tests.Networks;

namespace NetGen.Tests.EndToEnd;

/// <summary>Runs alone, so that the measured steps are not slowed or disturbed by other tests.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationTestsCollection
{
}

/// <summary>After warm-up, a training step (forward, loss, zero, backward, optimizer) and inference allocate nothing.</summary>
[Collection(nameof(AllocationTests))]
public class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Training_step_allocates_zero_bytes_after_warm_up(int threads)
    {
        int saved = Compute.ThreadCount;
        Compute.ThreadCount = threads;
        try
        {
            const int batch = 64;
            var net = new FashionMlp(1);
            var optimizer = new Adam(1e-3f);
            var rng = new Rng(2);
            var x = new float[batch * FashionMlp.InputFeatures];
            var labels = new int[batch];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = rng.NextFloat();
            }

            for (int b = 0; b < batch; b++)
            {
                labels[b] = rng.NextInt(10);
            }

            float Step()
            {
                net.Forward(x, batch);
                float loss = net.Loss(labels);
                net.ZeroGradients();
                net.Backward(labels);
                optimizer.Step(net.Parameters, net.Gradients);
                return loss;
            }

            for (int i = 0; i < 5; i++)
            {
                Step();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            float last = 0;
            for (int i = 0; i < 20; i++)
            {
                last = Step();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(float.IsFinite(last));
            Assert.Equal(0, allocated);

            // Batch-1 inference after a training batch reuses the same arena.
            net.Mode = NetworkMode.Inference;
            net.Forward(x.AsSpan(0, FashionMlp.InputFeatures), 1);
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                net.Forward(x.AsSpan(i * FashionMlp.InputFeatures, FashionMlp.InputFeatures), 1);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            Compute.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Cnn_training_step_with_batch_norm_dropout_and_pooling_allocates_zero_bytes_on_any_thread(int threads)
    {
        int saved = Compute.ThreadCount;
        Compute.ThreadCount = threads;
        try
        {
            var net = new TestCnn(1);
            var optimizer = new Adam(1e-3f);
            var rng = new Rng(3);
            var x = new float[32 * TestCnn.InputFeatures];
            var labels = new int[32];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = rng.NextFloat();
            }

            for (int b = 0; b < labels.Length; b++)
            {
                labels[b] = rng.NextInt(10);
            }

            void Step()
            {
                net.Forward(x, 32);
                net.Loss(labels);
                net.ZeroGradients();
                net.Backward(labels);
                optimizer.Step(net.Parameters, net.Gradients);
            }

            for (int i = 0; i < 3; i++)
            {
                Step();
            }

            // The calling thread allocates nothing at all.
            long mine = GC.GetAllocatedBytesForCurrentThread();
            Step();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - mine);

            // Only the calling thread is counted: the test host's own threads allocate while tests run, so a process-wide
            // count is noise here. (A console run of 50 steps measured 0 bytes process-wide at 1 and 2 threads.)
            mine = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++)
            {
                Step();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - mine);
        }
        finally
        {
            Compute.ThreadCount = saved;
        }
    }
}
