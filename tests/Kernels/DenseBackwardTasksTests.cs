using NetGen.Kernels;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Kernels;

/// <summary>
/// <see cref="Dense.Backward"/> on two threads as two concurrent tasks (dx on the caller, dW and the bias gradient on the
/// worker, <see cref="Dense.BackwardRunsAsTasks"/>): the same bits as on one thread, where the products run one after
/// the other, and within float rounding of a double-precision reference; and whole training steps of the Fashion MLP,
/// whose 256→128 layer takes the tasks at batch 64, with the bits of one thread.
/// </summary>
/// <remarks>
/// In the collection that runs alone: with another test's job holding the workers (<see cref="Compute.WorkersBusy"/>),
/// <see cref="Dense.Backward"/> takes the one-thread path, and these tests would not see the tasks.
/// </remarks>
[Collection(ThreadCountCollection.Name)]
public class DenseBackwardTasksTests
{
    /// <summary>Shapes on which the tasks run on two threads: the Fashion MLP's hidden layer, and odd sizes with tails.</summary>
    public static TheoryData<int, int, int> TaskShapes => new()
    {
        { 64, 256, 128 },
        { 33, 201, 97 },
        { 128, 96, 80 },
    };

    /// <summary>
    /// Runs one backward pass on <paramref name="threads"/> threads, from the same starting dx, dW and dBias, and returns
    /// them.
    /// </summary>
    private static (float[] Dx, float[] DWeights, float[] DBias) Run(int threads, int batch, int inputs, int outputs, bool overwrite)
    {
        float[] x = TestData.Gaussian(batch * inputs, 1), w = TestData.Gaussian(outputs * inputs, 2), dy = TestData.Gaussian(batch * outputs, 3);
        float[] dx = overwrite ? Enumerable.Repeat(float.NaN, batch * inputs).ToArray() : TestData.Gaussian(batch * inputs, 4);
        float[] dw = overwrite ? Enumerable.Repeat(float.NaN, outputs * inputs).ToArray() : TestData.Gaussian(outputs * inputs, 5);
        float[] db = overwrite ? Enumerable.Repeat(float.NaN, outputs).ToArray() : TestData.Gaussian(outputs, 6);
        using var scope = new TestThreads();
        scope.Set(threads);
        Dense.Backward(batch, inputs, outputs, x, w, dy, dx, dw, db, overwriteDx: overwrite, overwriteGradients: overwrite);
        return (dx, dw, db);
    }

    [Theory]
    [MemberData(nameof(TaskShapes))]
    public void Tasks_run_on_two_threads_only_for_these_shapes(int batch, int inputs, int outputs)
    {
        Assert.True(Dense.BackwardRunsAsTasks(batch, inputs, outputs, threads: 2));
        Assert.False(Dense.BackwardRunsAsTasks(batch, inputs, outputs, threads: 1));
    }

    [Fact]
    public void Small_and_large_layers_split_each_product_instead()
    {
        Assert.False(Dense.BackwardRunsAsTasks(8, 256, 128, threads: 2)); // the MLP layer at batch 8
        Assert.False(Dense.BackwardRunsAsTasks(64, 128, 10, threads: 2)); // the MLP's head
        Assert.False(Dense.BackwardRunsAsTasks(64, 3136, 128, threads: 2)); // the CNN's first dense layer
    }

    [Theory]
    [MemberData(nameof(TaskShapes))]
    public void Two_threads_give_the_bits_of_one_thread_and_match_a_double_reference(int batch, int inputs, int outputs)
    {
        foreach (bool overwrite in new[] { true, false })
        {
            var one = Run(1, batch, inputs, outputs, overwrite);
            var two = Run(2, batch, inputs, outputs, overwrite);
            TensorAssert.AllClose(one.Dx, two.Dx, 0, 0, $"dx (overwrite {overwrite})");
            TensorAssert.AllClose(one.DWeights, two.DWeights, 0, 0, $"dW (overwrite {overwrite})");
            TensorAssert.AllClose(one.DBias, two.DBias, 0, 0, $"dBias (overwrite {overwrite})");

            // The reference: the same sums in double, from the same starting values.
            float[] x = TestData.Gaussian(batch * inputs, 1), w = TestData.Gaussian(outputs * inputs, 2), dy = TestData.Gaussian(batch * outputs, 3);
            float[] dx0 = overwrite ? new float[batch * inputs] : TestData.Gaussian(batch * inputs, 4);
            float[] dw0 = overwrite ? new float[outputs * inputs] : TestData.Gaussian(outputs * inputs, 5);
            float[] db0 = overwrite ? new float[outputs] : TestData.Gaussian(outputs, 6);
            var dx = new double[batch * inputs];
            var dw = new double[outputs * inputs];
            var db = new double[outputs];
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double g = dy[(b * outputs) + o];
                    db[o] += g;
                    for (int i = 0; i < inputs; i++)
                    {
                        dx[(b * inputs) + i] += g * w[(o * inputs) + i];
                        dw[(o * inputs) + i] += g * x[(b * inputs) + i];
                    }
                }
            }

            TensorAssert.AllClose(dx.Select((v, i) => (float)(v + dx0[i])).ToArray(), two.Dx, 1e-4, 1e-4, "dx against double");
            TensorAssert.AllClose(dw.Select((v, i) => (float)(v + dw0[i])).ToArray(), two.DWeights, 1e-4, 1e-4, "dW against double");
            TensorAssert.AllClose(db.Select((v, i) => (float)(v + db0[i])).ToArray(), two.DBias, 1e-4, 1e-4, "dBias against double");
        }
    }

    [Fact]
    public void Spans_too_short_are_rejected_before_any_thread_starts()
    {
        const int batch = 64, inputs = 256, outputs = 128;
        float[] x = new float[batch * inputs], w = new float[outputs * inputs], dy = new float[batch * outputs];
        float[] dx = new float[batch * inputs], dw = new float[(outputs * inputs) - 1], db = new float[outputs];
        using var scope = new TestThreads();
        scope.Set(2);
        var error = Assert.Throws<ArgumentException>(() => Dense.Backward(batch, inputs, outputs, x, w, dy, dx, dw, db));
        Assert.Contains("dWeights", error.Message);
        Assert.All(dx, v => Assert.Equal(0f, v));
    }

    /// <summary>
    /// Ten Adam steps of the Fashion MLP at batch 64 (the hidden layer's backward as tasks) on two threads end with the
    /// parameters, gradients and losses of the same steps on one thread, bit for bit.
    /// </summary>
    [Fact]
    public void Training_steps_on_two_threads_give_the_bits_of_one_thread()
    {
        const int batch = 64;
        Assert.True(Dense.BackwardRunsAsTasks(batch, 256, 128, threads: 2));
        float[] x = TestData.Gaussian(10 * batch * FashionMlp.InputFeatures, 7).Select(v => Math.Abs(v) * 0.3f).ToArray();
        var rng = new Rng(8);
        int[] labels = Enumerable.Range(0, 10 * batch).Select(_ => rng.NextInt(10)).ToArray();

        (float[] Parameters, float[] Gradients, float[] Losses) Train(int threads)
        {
            using var scope = new TestThreads();
            scope.Set(threads);
            var net = new FashionMlp(seed: 3);
            var adam = new Adam(1e-3f);
            var losses = new float[10];
            for (int s = 0; s < 10; s++)
            {
                net.Forward(x.AsSpan(s * batch * FashionMlp.InputFeatures, batch * FashionMlp.InputFeatures), batch);
                losses[s] = net.Loss(labels.AsSpan(s * batch, batch));
                net.ZeroGradients();
                net.Backward(labels.AsSpan(s * batch, batch));
                adam.Step(net.Parameters, net.Gradients);
            }

            return (net.Parameters.ToArray(), net.Gradients.ToArray(), losses);
        }

        var one = Train(1);
        var two = Train(2);
        TensorAssert.AllClose(one.Losses, two.Losses, 0, 0, "losses");
        TensorAssert.AllClose(one.Gradients, two.Gradients, 0, 0, "gradients");
        TensorAssert.AllClose(one.Parameters, two.Parameters, 0, 0, "parameters");
    }
}
