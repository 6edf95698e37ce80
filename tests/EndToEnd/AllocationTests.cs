using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
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

            float last = Step();
            Assert.True(float.IsFinite(last));
            AllocationAssert.None(() => last = Step(), calls: 20);
            Assert.True(float.IsFinite(last));

            // Batch-1 inference after a training batch reuses the same arena.
            net.Mode = NetworkMode.Inference;
            int sample = 0;
            AllocationAssert.None(() =>
            {
                net.Forward(x.AsSpan(sample * FashionMlp.InputFeatures, FashionMlp.InputFeatures), 1);
                sample = (sample + 1) % batch;
            }, calls: 20);
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

            // Only the calling thread is counted: the test host's own threads allocate while tests run, so a process-wide
            // count is noise here. (A console run of 50 steps measured 0 bytes process-wide at 1 and 2 threads.)
            AllocationAssert.None(Step, calls: 5);
        }
        finally
        {
            Compute.ThreadCount = saved;
        }
    }
}

/// <summary>The allocation check itself catches code that allocates on every call or now and then.</summary>
public class AllocationAssertTests
{
    [Fact]
    public void Fails_for_code_that_allocates_on_every_call() =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AllocationAssert.None(() => GC.KeepAlive(new byte[16]), warmUp: 1));

    [Fact]
    public void Fails_for_code_that_allocates_on_every_fifth_call()
    {
        int calls = 0;
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AllocationAssert.None(() =>
        {
            if (++calls % 5 == 0)
            {
                GC.KeepAlive(new byte[16]);
            }
        }, calls: 10, warmUp: 1));
    }

    [Fact]
    public void Passes_for_code_that_allocates_nothing()
    {
        float sum = 0;
        AllocationAssert.None(() => sum += 1f, warmUp: 1);
        Assert.True(sum > 0);
    }
}
