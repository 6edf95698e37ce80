using System;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Training;

/// <summary>
/// <see cref="NetworkBase.ZeroGradients"/> clears at once only the gradients that the backward pass adds to; the
/// dense layers' gradients are written by the next backward pass instead (<c>overwriteGradients</c>). Whatever the
/// caller does in between, the gradients must read exactly as if every one had been cleared: the tests compare, on the
/// same forward pass, a backward onto gradients cleared by hand (every layer adds) with a backward after
/// <see cref="NetworkBase.ZeroGradients"/> onto gradients first filled with garbage.
/// </summary>
public class LazyGradientZeroingTests
{
    private const float Garbage = 1234.5f;

    public static TheoryData<string> Networks => new() { "FashionMlp", "KitchenSinkNet", "ResidualOracleNet", "TestCnn", "RegressionNet" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Backward_after_ZeroGradients_gives_the_gradients_of_a_backward_onto_cleared_gradients(string name)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            using var scope = new TestThreads();
            scope.Set(threads);
            (NetworkBase net, Action backward) = Prepare(name);

            float[] expected = ClearedByHand(net, backward, passes: 1);
            net.Gradients.Fill(Garbage);
            net.ZeroGradients();
            backward();
            AssertSame(expected, net.Gradients, $"{name}, {threads} thread(s), one backward pass");

            // A second pass adds to what the first wrote.
            expected = ClearedByHand(net, backward, passes: 2);
            net.Gradients.Fill(Garbage);
            net.ZeroGradients();
            backward();
            backward();
            AssertSame(expected, net.Gradients, $"{name}, {threads} thread(s), two backward passes");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Gradients_read_between_ZeroGradients_and_Backward_are_zero_and_the_backward_still_adds_up(string name)
    {
        (NetworkBase net, Action backward) = Prepare(name);
        float[] expected = ClearedByHand(net, backward, passes: 1);

        net.Gradients.Fill(Garbage);
        net.ZeroGradients();
        AssertAllZero(net.Gradients, name);

        // Read (and so cleared) before the backward pass, which then adds to zeros.
        backward();
        AssertSame(expected, net.Gradients, name);
    }

    [Fact]
    public void A_backward_pass_that_fails_after_ZeroGradients_leaves_the_gradients_zero()
    {
        (NetworkBase net, Action backward) = Prepare("FashionMlp");
        backward();
        net.Gradients.Fill(Garbage);
        net.ZeroGradients();
        var labels = new int[net.LastBatchSize];
        labels[0] = net.OutputSize; // not a class
        Assert.ThrowsAny<ArgumentException>(() => net.Backward(labels));
        AssertAllZero(net.Gradients, "after the failed backward pass");

        // And the next backward pass starts from zero.
        float[] expected = ClearedByHand(net, backward, passes: 1);
        net.Gradients.Fill(Garbage);
        net.ZeroGradients();
        Assert.ThrowsAny<ArgumentException>(() => net.Backward(labels));
        backward();
        AssertSame(expected, net.Gradients, "a backward pass after the failed one");
    }

    /// <summary>A network of the given kind in training mode after one forward pass of a seeded batch, and a backward pass against fixed targets.</summary>
    private static (NetworkBase Net, Action Backward) Prepare(string name)
    {
        NetworkBase net = name switch
        {
            "FashionMlp" => new FashionMlp(seed: 3),
            "KitchenSinkNet" => new KitchenSinkNet(seed: 3),
            "ResidualOracleNet" => new ResidualOracleNet(seed: 3),
            "TestCnn" => new TestCnn(seed: 3),
            "RegressionNet" => new RegressionNet(seed: 3),
            _ => throw new ArgumentException(name),
        };
        net.Mode = NetworkMode.Training;
        const int batch = 5;
        var rng = new Random(11);
        var x = new float[batch * net.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        net.Forward(x, batch);
        if (name == "RegressionNet")
        {
            var targets = new float[batch * net.OutputSize];
            for (int i = 0; i < targets.Length; i++)
            {
                targets[i] = (float)rng.NextDouble();
            }

            return (net, () => net.Backward(targets));
        }

        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            labels[i] = i % net.OutputSize;
        }

        return (net, () => net.Backward(labels));
    }

    /// <summary>The gradients of <paramref name="passes"/> backward passes onto gradients cleared through the span (no pending zeroing: every layer adds).</summary>
    private static float[] ClearedByHand(NetworkBase net, Action backward, int passes)
    {
        net.Gradients.Clear();
        for (int i = 0; i < passes; i++)
        {
            backward();
        }

        float[] g = net.Gradients.ToArray();
        Assert.Contains(g, v => v != 0f);
        return g;
    }

    private static void AssertSame(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // Bit for bit, but a zero's sign: a written sum of zeros may be −0 where 0 + (−0) gave +0.
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]) && !(expected[i] == 0f && actual[i] == 0f))
            {
                Assert.Fail($"{what}: gradient {i} is {actual[i]:R}, expected {expected[i]:R}.");
            }
        }
    }

    private static void AssertAllZero(ReadOnlySpan<float> gradients, string what)
    {
        for (int i = 0; i < gradients.Length; i++)
        {
            Assert.True(gradients[i] == 0f, $"{what}: gradient {i} is {gradients[i]:R}, expected 0.");
        }
    }
}
