using NetGen.Kernels;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>
/// Batch norm folded into the dense or convolution layer before it for inference: the folded pass equals the unfolded
/// one and the layers' reference kernels, never goes stale when parameters or buffers change, and leaves training alone.
/// </summary>
public class BatchNormFoldTests
{
    private const int Batch = 5;

    /// <summary>The batch norms' epsilons by layer name (the runtime does not expose them).</summary>
    private static readonly Dictionary<string, float> s_epsilons = new() { ["bn1"] = 1e-5f, ["bn4"] = 1e-5f, ["bn5"] = 1e-3f, ["bn9"] = 1e-5f };

    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    private static int[] Labels(int n, int classes) => Enumerable.Range(0, n).Select(i => (i * 7) % classes).ToArray();

    /// <summary>One training step: a training-mode forward (which updates the running statistics), backward and an Adam step.</summary>
    private static void TrainStep(NetworkBase net, Optimizer optimizer, float[] x, int[] labels)
    {
        net.Mode = NetworkMode.Training;
        net.ZeroGradients();
        net.Forward(x, labels.Length);
        net.Backward(labels);
        optimizer.Step(net.Parameters, net.Gradients);
    }

    private static float[] Infer(NetworkBase net, float[] x, int batch)
    {
        net.Mode = NetworkMode.Inference;
        return net.Forward(x, batch).ToArray();
    }

    /// <summary>The output of an unfolded twin given <paramref name="net"/>'s current state (read only after its own pass).</summary>
    private static float[] Unfolded<T>(T net, Func<T> create, float[] x, int batch)
        where T : NetworkBase
    {
        T twin = create();
        twin.FoldBatchNormForInference = false;
        twin.SetState(net.GetState());
        return Infer(twin, x, batch);
    }

    private static void AssertClose(float[] actual, float[] expected, double tolerance, string what)
    {
        double diff = TensorAssert.MaxAbsDiff(actual, expected);
        Assert.True(diff <= tolerance, $"{what}: max |folded − unfolded| = {diff:G3} > {tolerance:G3}");
    }

    public static TheoryData<string> Networks => new() { nameof(FoldMlp), nameof(FoldCnn), nameof(ResidualOracleNet) };

    private static NetworkBase Create(string name, int seed) => name switch
    {
        nameof(FoldMlp) => new FoldMlp(seed),
        nameof(FoldCnn) => new FoldCnn(seed),
        _ => new ResidualOracleNet(seed),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Folded_inference_equals_the_unfolded_path_after_training(string name)
    {
        NetworkBase net = Create(name, 11);
        float[] x = Gaussian(Batch * net.InputSize, 12);
        int[] labels = Labels(Batch, net.OutputSize);
        var adam = new Adam(learningRate: 0.05f);
        for (int i = 0; i < 4; i++)
        {
            TrainStep(net, adam, x, labels); // moves gamma, beta and the running statistics away from 1, 0, 0, 1
        }

        float[] probe = Gaussian(3 * net.InputSize, 13);
        foreach (int batch in new[] { 1, 3 })
        {
            float[] input = probe.AsSpan(0, batch * net.InputSize).ToArray();
            float[] folded = Infer(net, input, batch);
            AssertClose(folded, Unfolded(net, () => Create(name, 99), input, batch), 1e-5, $"{name}, batch {batch}");
        }
    }

    [Theory]
    [InlineData(nameof(FoldMlp))]
    [InlineData(nameof(FoldCnn))]
    public void Each_folded_pair_equals_the_reference_kernels_of_the_layer_and_its_batch_norm(string name)
    {
        NetworkBase net = Create(name, 21);
        float[] x = Gaussian(Batch * net.InputSize, 22);
        var adam = new Adam(learningRate: 0.05f);
        for (int i = 0; i < 3; i++)
        {
            TrainStep(net, adam, x, Labels(Batch, net.OutputSize));
        }

        Infer(net, x, Batch);
        IReadOnlyList<LayerInfo> layers = net.Layers;
        int pairs = 0;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (layers[i + 1].Kind != "BatchNorm" || layers[i].Kind is not ("Dense" or "Conv2D"))
            {
                continue;
            }

            pairs++;
            float[] input = i == 0 ? x : net.LayerOutput(i - 1).ToArray();
            float[] layerOut = ReferenceLayer(net, layers, i, input);
            float[] expected = new float[layerOut.Length];
            LayerInfo bn = layers[i + 1];
            int channels = bn.OutputShape[0], spatial = layerOut.Length / Batch / channels;
            BatchNorm.Reference.ForwardInference(Batch, channels, spatial, s_epsilons[bn.Name], layerOut,
                Tensor(net, bn.Name + ".weight"), Tensor(net, bn.Name + ".bias"), Buffer(net, bn.Name + ".running_mean"), Buffer(net, bn.Name + ".running_var"), expected);
            AssertClose(net.LayerOutput(i + 1).ToArray(), expected, 1e-5, $"{layers[i].Name} + {bn.Name}");

            // The folded pass skips the layer's own output; LayerOutput recomputes it from the layer's input.
            AssertClose(net.LayerOutput(i).ToArray(), layerOut, 1e-5, $"{layers[i].Name} alone");
        }

        Assert.Equal(name == nameof(FoldMlp) ? 2 : 3, pairs);
    }

    /// <summary>Runs layer <paramref name="i"/> (dense or stride-1 convolution) with its reference kernel.</summary>
    private static float[] ReferenceLayer(NetworkBase net, IReadOnlyList<LayerInfo> layers, int i, float[] input)
    {
        LayerInfo layer = layers[i];
        ParameterTensor w = net.ParameterTensors.Single(t => t.Name == layer.Name + ".weight");
        float[] bias = net.ParameterTensors.Any(t => t.Name == layer.Name + ".bias") ? Tensor(net, layer.Name + ".bias") : [];
        int outSize = layer.OutputShape.Aggregate(1, (a, b) => a * b);
        float[] y = new float[Batch * outSize];
        if (layer.Kind == "Dense")
        {
            Dense.Reference.Forward(Batch, w.Shape[1], w.Shape[0], input, Tensor(net, w.Name), bias, y);
            return y;
        }

        TensorShape inShape = i == 0 ? net.InputShape : layers[i - 1].OutputShape;
        int k = w.Shape[2], h = inShape[1], padding = (layer.OutputShape[1] - 1 - h + k) / 2;
        Assert.Equal(layer.OutputShape[1], h + (2 * padding) - k + 1); // stride 1
        Conv2D.Reference.Forward(Batch, inShape[0], h, inShape[2], w.Shape[0], k, 1, padding, input, Tensor(net, w.Name), bias, y, default);
        return y;
    }

    private static float[] Tensor(NetworkBase net, string name)
    {
        ParameterTensor t = net.ParameterTensors.Single(p => p.Name == name);
        return net.Parameters.Slice(t.Offset, t.Length).ToArray();
    }

    private static float[] Buffer(NetworkBase net, string name)
    {
        ParameterTensor t = net.BufferTensors.Single(p => p.Name == name);
        return net.Buffers.Slice(t.Offset, t.Length).ToArray();
    }

    [Fact]
    public void Folded_weights_follow_every_change_of_parameters_and_buffers()
    {
        var net = new FoldCnn(31);
        float[] x = Gaussian(Batch * FoldCnn.InputFeatures, 32);
        int[] labels = Labels(Batch, FoldCnn.OutputFeatures);
        var adam = new Adam(learningRate: 0.05f);
        FoldCnn Twin() => new(77);

        // Each check runs the network's own inference pass first, then reads its state for the unfolded twin.
        void Check(string after)
        {
            float[] folded = Infer(net, x, Batch);
            AssertClose(folded, Unfolded(net, Twin, x, Batch), 1e-5, after);
        }

        TrainStep(net, adam, x, labels);
        Check("a training step");
        TrainStep(net, adam, x, labels);
        Check("another training step");

        net.Mode = NetworkMode.Training;
        net.Forward(x, Batch); // only the running statistics change
        Check("a training forward pass");

        var other = new FoldCnn(41);
        TrainStep(other, new Adam(learningRate: 0.1f), Gaussian(Batch * FoldCnn.InputFeatures, 42), labels);
        net.SetState(other.GetState());
        Check("SetState");

        TrainStep(other, new Adam(learningRate: 0.1f), x, labels);
        SafeTensorsFile.Copy(other, net);

        Check("loading safetensors");

        ParameterTensor gamma = net.ParameterTensors.Single(t => t.Name == "bn5.weight");
        net.Parameters[gamma.Offset + 1] *= -2f;
        Check("writing a gamma");

        ParameterTensor runningVar = net.BufferTensors.Single(t => t.Name == "bn1.running_var");
        net.Buffers[runningVar.Offset + 2] = 9f;
        Check("writing a running variance");

        ParameterTensor conv = net.ParameterTensors.Single(t => t.Name == "conv0.weight");
        net.Parameters[conv.Offset] += 1f;
        Check("writing a convolution weight");

        net.InitializeParameters(5);
        Check("InitializeParameters");

        // An inference clone shares the memory, so it refolds when the prototype changes.
        var clone = (FoldCnn)net.CloneForInference();
        clone.Forward(x, Batch);
        TrainStep(net, adam, x, labels);
        float[] cloned = clone.Forward(x, Batch).ToArray();
        AssertClose(cloned, Unfolded(net, Twin, x, Batch), 1e-5, "a training step of the clone's prototype");
    }

    [Fact]
    public void A_span_written_after_the_fold_shows_only_after_InvalidateFoldedWeights()
    {
        var net = new FoldMlp(51);
        float[] x = Gaussian(Batch * FoldMlp.InputFeatures, 52);
        TrainStep(net, new Adam(learningRate: 0.05f), x, Labels(Batch, FoldMlp.OutputFeatures));
        ParameterTensor beta = net.ParameterTensors.Single(t => t.Name == "bn1.bias");
        Span<float> parameters = net.Parameters; // taken before the pass that folds
        float[] before = Infer(net, x, Batch);
        for (int c = 0; c < beta.Length; c++)
        {
            parameters[beta.Offset + c] += 3f;
        }

        // The folded weights are those of the last fold: proof that the inference pass runs the folded layers.
        Assert.Equal(before, net.Forward(x, Batch).ToArray());
        net.InvalidateFoldedWeights();
        float[] after = net.Forward(x, Batch).ToArray();
        Assert.NotEqual(before, after);
        AssertClose(after, Unfolded(net, () => new FoldMlp(0), x, Batch), 1e-5, "InvalidateFoldedWeights");
    }

    [Fact]
    public void Training_after_folded_inference_is_bit_identical_to_training_without_folding()
    {
        var folding = new FoldCnn(61);
        var plain = new FoldCnn(61) { FoldBatchNormForInference = false };
        var adamA = new Adam(learningRate: 0.02f);
        var adamB = new Adam(learningRate: 0.02f);
        int[] labels = Labels(Batch, FoldCnn.OutputFeatures);
        for (int step = 0; step < 4; step++)
        {
            float[] x = Gaussian(Batch * FoldCnn.InputFeatures, 100 + step);
            TrainStep(folding, adamA, x, labels);
            TrainStep(plain, adamB, x, labels);
            Infer(folding, x, Batch); // folded inference between steps
            Infer(plain, x, Batch);
            folding.Mode = plain.Mode = NetworkMode.Training;
            Assert.Equal(plain.Forward(x, Batch).ToArray(), folding.Forward(x, Batch).ToArray());
            Assert.Equal(plain.Loss(labels), folding.Loss(labels));
        }

        Assert.Equal(plain.Parameters.ToArray(), folding.Parameters.ToArray());
        Assert.Equal(plain.Buffers.ToArray(), folding.Buffers.ToArray());
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(6, 27, true)]
    [InlineData(16, 100, false)]
    [InlineData(5, 37, false)]
    public void Fold_kernel_matches_its_reference_and_the_definition(int channels, int fanIn, bool hasBias)
    {
        var rng = new Rng((channels * 1000) + fanIn);
        float[] Random(int n, float scale) => Enumerable.Range(0, n).Select(_ => rng.NextGaussian() * scale).ToArray();
        float[] w = Random(channels * fanIn, 1f), bias = hasBias ? Random(channels, 1f) : [], gamma = Random(channels, 1f), beta = Random(channels, 1f);
        float[] mean = Random(channels, 1f), variance = Random(channels, 1f).Select(v => (v * v) + 0.1f).ToArray();
        float[] fw = new float[w.Length], fb = new float[channels], rw = new float[w.Length], rb = new float[channels];
        BatchNormFold.Forward(channels, fanIn, 1e-5f, w, bias, gamma, beta, mean, variance, fw, fb);
        BatchNormFold.Reference.Forward(channels, fanIn, 1e-5f, w, bias, gamma, beta, mean, variance, rw, rb);
        Assert.True(TensorAssert.MaxAbsDiff(fw, rw) <= 1e-6 * 10, "weights");
        Assert.True(TensorAssert.MaxAbsDiff(fb, rb) <= 1e-6 * 10, "bias");

        // The definition: a dense layer with the folded values equals the layer followed by inference batch norm.
        const int batch = 3;
        float[] x = Random(batch * fanIn, 1f), y = new float[batch * channels], expected = new float[batch * channels], folded = new float[batch * channels];
        Dense.Reference.Forward(batch, fanIn, channels, x, w, bias, y);
        BatchNorm.Reference.ForwardInference(batch, channels, 1, 1e-5f, y, gamma, beta, mean, variance, expected);
        Dense.Reference.Forward(batch, fanIn, channels, x, rw, rb, folded);
        double scale = expected.Max(v => Math.Abs((double)v)) + 1;
        Assert.True(TensorAssert.MaxAbsDiff(folded, expected) <= 1e-5 * scale, $"folded dense differs by {TensorAssert.MaxAbsDiff(folded, expected)}");
    }
}
