using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>
/// A backward pass no longer clears the whole activation-gradient arena: the generated code has the first layer to
/// reach each buffer write it (<c>overwriteDx</c>, or a clear just before its call) and later writers add. A network
/// whose arena still holds the gradients of an earlier backward pass must then give exactly the parameter gradients of
/// a fresh twin; a buffer that some layer added to without anyone writing it first would carry the old values in.
/// </summary>
public class GradientBufferTests
{
    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    /// <summary>Parameter gradients after a backward pass with <paramref name="labels"/>, with the arena dirtied first by one with <paramref name="earlier"/> or clean.</summary>
    private static float[] Gradients(Func<NetworkBase> create, float[] x, int batch, Action<NetworkBase> earlier, Action<NetworkBase> backward, bool dirty)
    {
        NetworkBase net = create();
        net.Mode = NetworkMode.Training;
        net.Forward(x, batch);
        if (dirty)
        {
            net.ZeroGradients();
            earlier(net);
        }

        net.ZeroGradients();
        backward(net);
        return net.Gradients.ToArray();
    }

    private static void CheckClassifier(Func<NetworkBase> create, int batch)
    {
        NetworkBase probe = create();
        float[] x = Gaussian(batch * probe.InputSize, 1);
        int classes = probe.OutputSize;
        int[] first = Enumerable.Range(0, batch).Select(i => i % classes).ToArray();
        int[] second = Enumerable.Range(0, batch).Select(i => (3 * i + 1) % classes).ToArray();
        float[] clean = Gradients(create, x, batch, n => n.Backward(first), n => n.Backward(second), dirty: false);
        float[] dirty = Gradients(create, x, batch, n => n.Backward(first), n => n.Backward(second), dirty: true);
        Assert.Contains(clean, g => g != 0f);
        Assert.Equal(clean, dirty);
    }

    [Fact]
    public void The_sample_cnn_gets_the_same_gradients_over_a_dirty_arena() => CheckClassifier(() => new TestCnn(seed: 2), batch: 5);

    [Fact]
    public void Every_layer_kind_and_residual_blocks_get_the_same_gradients_over_a_dirty_arena()
    {
        CheckClassifier(() => new KitchenSinkNet(seed: 3), batch: 4);
        CheckClassifier(() => new ResidualOracleNet(seed: 4), batch: 3);
        CheckClassifier(() => new GapCnnNet(seed: 5), batch: 3);
        CheckClassifier(() => new AllActivationsNet(seed: 6), batch: 7);
        CheckClassifier(() => new FashionMlp(seed: 7), batch: 9);
    }

    [Fact]
    public void A_regression_head_gets_the_same_gradients_over_a_dirty_arena()
    {
        Func<NetworkBase> create = () => new NormalizationNet(seed: 8);
        NetworkBase probe = create();
        const int batch = 4;
        float[] x = Gaussian(batch * probe.InputSize, 9);
        float[] first = Gaussian(batch * probe.OutputSize, 10), second = Gaussian(batch * probe.OutputSize, 11);
        float[] clean = Gradients(create, x, batch, n => n.Backward(first), n => n.Backward(second), dirty: false);
        float[] dirty = Gradients(create, x, batch, n => n.Backward(first), n => n.Backward(second), dirty: true);
        Assert.Contains(clean, g => g != 0f);
        Assert.Equal(clean, dirty);
    }
}
