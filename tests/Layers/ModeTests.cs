using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>Training vs inference behaviour of the mode-dependent layers, through generated networks.</summary>
public class ModeTests
{
    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    [Fact]
    public void Inference_mode_is_deterministic_and_training_mode_is_not()
    {
        var net = new KitchenSinkNet(1);
        float[] x = Gaussian(8 * KitchenSinkNet.InputFeatures, 2);

        // Some training steps so that the running statistics are not the initial ones.
        for (int i = 0; i < 3; i++)
        {
            net.Forward(x, 8);
        }

        float[] trainA = net.Forward(x, 8).ToArray();
        float[] trainB = net.Forward(x, 8).ToArray();
        Assert.NotEqual(trainA, trainB); // new dropout/DropConnect/RReLU/stochastic-depth draws

        net.Mode = NetworkMode.Inference;
        float[] a = net.Forward(x, 8).ToArray();
        float[] buffers = net.Buffers.ToArray();
        float[] b = net.Forward(x, 8).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(buffers, net.Buffers.ToArray()); // inference never updates running statistics
    }

    [Fact]
    public void Batch_norm_in_inference_mode_does_not_depend_on_the_batch()
    {
        var net = new ResidualOracleNet(3);
        float[] x = Gaussian(6 * ResidualOracleNet.InputFeatures, 4);
        for (int i = 0; i < 5; i++)
        {
            net.Forward(x, 6); // training: updates the running statistics
        }

        net.Mode = NetworkMode.Inference;
        float[] batch = net.Forward(x, 6).ToArray();
        for (int s = 0; s < 6; s++)
        {
            float[] alone = net.Forward(x.AsSpan(s * ResidualOracleNet.InputFeatures, ResidualOracleNet.InputFeatures), 1).ToArray();
            // Equal up to float rounding: a batch of 1 runs other GEMM tile paths than a batch of 6.
            float[] inBatch = batch.AsSpan(s * ResidualOracleNet.OutputFeatures, ResidualOracleNet.OutputFeatures).ToArray();
            Assert.All(inBatch.Zip(alone), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
        }

        // In training mode the same sample's output does depend on its batch companions.
        net.Mode = NetworkMode.Training;
        float[] trainBatch = net.Forward(x, 6).ToArray();
        float[] trainPair = net.Forward(x.AsSpan(0, 2 * ResidualOracleNet.InputFeatures), 2).ToArray();
        double change = trainBatch.Take(ResidualOracleNet.OutputFeatures).Zip(trainPair).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(change > 1e-3, $"training-mode output changed by only {change}");
    }

    [Fact]
    public void Same_seed_gives_the_same_training_run_including_masks()
    {
        float[] x = Gaussian(4 * KitchenSinkNet.InputFeatures, 7);
        var a = new KitchenSinkNet(9);
        var b = new KitchenSinkNet(9);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a.Forward(x, 4).ToArray(), b.Forward(x, 4).ToArray());
        }
    }

    [Fact]
    public void Backward_through_batch_norm_after_an_inference_forward_says_what_is_wrong()
    {
        var net = new ResidualOracleNet(1) { Mode = NetworkMode.Inference };
        net.Forward(Gaussian(2 * ResidualOracleNet.InputFeatures, 1), 2);
        var ex = Assert.Throws<InvalidOperationException>(() => net.Backward(new[] { 0, 1 }));
        Assert.Contains("training-mode forward", ex.Message);
    }
}
