using System;
using NetGen.Kernels;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Kernels;

/// <summary>
/// After a backward pass on several threads a network publishes which parameters each thread's share wrote the
/// gradients of (<see cref="UpdateSplit"/>), and the optimizers' update of that network follows it. The split must
/// cover every parameter exactly once, and the update must give the bits of an evenly cut update.
/// </summary>
public class UpdateSplitTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string net in new[] { "FashionMlp", "InitNet", "TestCnn" })
        {
            foreach (int batch in new[] { 1, 8, 64 })
            {
                foreach (int threads in new[] { 2, 3, 4 })
                {
                    data.Add(net, batch, threads);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void The_published_split_covers_every_parameter_once(string name, int batch, int threads)
    {
        using var scope = new TestThreads();
        scope.Set(threads);
        (NetworkBase net, int[] labels) = Prepare(name, batch);
        net.ZeroGradients();
        net.Backward(labels);

        int length = net.ParameterCount;
        UpdateSplit? split;
        fixed (float* p = net.Parameters, g = net.Gradients)
        {
            split = UpdateSplit.Find((nint)p, (nint)g, length, FlatSplit.Threads(length));
        }

        Assert.NotNull(split);
        var count = new int[length];
        var perThread = new long[split.Threads];
        foreach ((int thread, long from, long to) in split.Ranges())
        {
            Assert.InRange(from, 0, to - 1);
            Assert.InRange(to, from + 1, length);
            perThread[thread] += to - from;
            for (long i = from; i < to; i++)
            {
                count[i]++;
            }
        }

        int wrong = Array.FindIndex(count, c => c != 1);
        Assert.True(wrong < 0, $"{name}, batch {batch}, {threads} threads: parameter {wrong} is in {(wrong < 0 ? 0 : count[wrong])} ranges.");

        // Every thread has work (the products split the large layers between all of them).
        Assert.All(perThread, n => Assert.True(n > 0, $"{name}, batch {batch}, {threads} threads: a thread updates nothing ({string.Join(", ", perThread)})."));
    }

    [Theory]
    [InlineData("FashionMlp", 64)]
    [InlineData("FashionMlp", 8)]
    [InlineData("TestCnn", 16)]
    public void Adam_steps_split_like_the_backward_pass_give_the_bits_of_evenly_cut_steps(string name, int batch)
    {
        using var scope = new TestThreads();
        scope.Set(2);
        (NetworkBase split, int[] labels) = Prepare(name, batch);
        (NetworkBase even, _) = Prepare(name, batch);
        var adamSplit = new Adam(1e-2f);
        var adamEven = new Adam(1e-2f);
        for (int step = 0; step < 3; step++)
        {
            split.ZeroGradients();
            split.Backward(labels);
            adamSplit.Step(split.Parameters, split.Gradients);

            // The same update on copies of the buffers, which no split describes: FlatSplit cuts them evenly.
            even.ZeroGradients();
            even.Backward(labels);
            float[] p = even.Parameters.ToArray(), g = even.Gradients.ToArray();
            adamEven.Step(p, g);
            p.CopyTo(even.Parameters);

            for (int i = 0; i < p.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(split.Parameters[i]) != BitConverter.SingleToInt32Bits(p[i]))
                {
                    Assert.Fail($"{name}: parameter {i} after step {step + 1} is {split.Parameters[i]:R} with the backward pass's split, {p[i]:R} cut evenly.");
                }
            }

            // Same network, same inputs: the next forward passes start equal.
            float[] x = Input(split, batch);
            split.Forward(x, batch);
            even.Forward(x, batch);
        }
    }

    [Fact]
    public void Backward_passes_alternating_a_full_and_a_last_smaller_batch_allocate_nothing_once_warm()
    {
        using var scope = new TestThreads();
        scope.Set(2);
        (NetworkBase net, int[] labels) = Prepare("FashionMlp", 64);
        float[] full = Input(net, 64), last = Input(net, 40);
        int[] lastLabels = labels[..40];
        AllocationAssert.None(() =>
        {
            net.Forward(full, 64);
            net.ZeroGradients();
            net.Backward(labels);
            net.Forward(last, 40);
            net.ZeroGradients();
            net.Backward(lastLabels);
        });
    }

    private static (NetworkBase Net, int[] Labels) Prepare(string name, int batch)
    {
        NetworkBase net = name switch
        {
            "FashionMlp" => new FashionMlp(seed: 5),
            "InitNet" => new InitNet(seed: 5),
            "TestCnn" => new TestCnn(seed: 5),
            _ => throw new ArgumentException(name),
        };
        net.Mode = NetworkMode.Training; // TestCnn's dropout draws the same masks in two networks of one seed

        net.Forward(Input(net, batch), batch);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            labels[i] = (i * 7) % net.OutputSize;
        }

        return (net, labels);
    }

    private static float[] Input(NetworkBase net, int batch)
    {
        var rng = new Random(batch);
        var x = new float[batch * net.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
        }

        return x;
    }
}
