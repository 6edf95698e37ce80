namespace NetGen.Samples.InitStudy;

/// <summary>Activation statistics of one hidden layer.</summary>
/// <param name="Layer">The hidden layer, from 1.</param>
/// <param name="Mean">The mean of its activations.</param>
/// <param name="Std">The standard deviation of its activations.</param>
/// <param name="Values">The activations themselves (for histograms).</param>
public sealed record LayerStats(int Layer, double Mean, double Std, float[] Values);

/// <summary>One experiment: a network with one initialization, fed random Gaussian input.</summary>
/// <param name="Name">What was initialized how, e.g. "tanh, Xavier".</param>
/// <param name="Layers">Per hidden layer, the statistics of its activation outputs.</param>
public sealed record Experiment(string Name, IReadOnlyList<LayerStats> Layers);

/// <summary>
/// The weight-initialization study of the cs231n notes: feed N(0, 1) inputs through a deep stack and watch the
/// distribution of each hidden layer's activations. 0.01·N(0,1) with tanh collapses to zero, 0.05·N(0,1) saturates at
/// ±1, Xavier stays healthy with tanh, Xavier collapses with ReLU, He stays healthy with ReLU. Two more show where
/// PyTorch's default (<see cref="WeightInit.TorchDefault"/>, variance 1/(3·fanIn)) stands: without normalization it
/// collapses with ReLU faster than Xavier, and with batch norm before every ReLU (normalizing each batch, as in
/// training) the scale of the weights no longer matters and every layer stays healthy.
/// </summary>
public static class Study
{
    /// <summary>The width of every hidden layer (the cs231n notes' 4096).</summary>
    public const int Width = 4096;

    /// <summary>The fraction of activations with |a| &gt; 0.9 (saturated tanh units).</summary>
    /// <param name="values">The activations.</param>
    public static double SaturatedFraction(float[] values) => values.Count(v => Math.Abs(v) > 0.9f) / (double)values.Length;

    /// <summary>Runs the seven experiments on <paramref name="samples"/> random inputs.</summary>
    /// <param name="samples">The number of input vectors.</param>
    /// <param name="seed">Seeds the inputs and the weights.</param>
    public static IReadOnlyList<Experiment> Run(int samples = 200, int seed = 1)
    {
        var rng = new Rng(seed, stream: 99);
        var input = new float[samples * Width];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = rng.NextGaussian();
        }

        return
        [
            // One network at a time: each holds 7 × 4096² weights (and as many gradients), about 0.9 GB.
            Measure("tanh, 0.01·N(0,1)", () => new TanhSmall(seed), input, samples),
            Measure("tanh, 0.05·N(0,1)", () => new TanhLarge(seed), input, samples),
            Measure("tanh, Xavier", () => new TanhXavier(seed), input, samples),
            Measure("ReLU, Xavier", () => new ReluXavier(seed), input, samples),
            Measure("ReLU, He", () => new ReluHe(seed), input, samples),
            Measure("ReLU, torch default", () => new ReluTorchDefault(seed), input, samples),

            // Training mode: batch norm normalizes with the batch's statistics (inference would use the running ones).
            Measure("batch norm + ReLU, torch default", () => new BatchNormReluTorchDefault(seed), input, samples, NetworkMode.Training),
        ];
    }

    private static Experiment Measure(string name, Func<NetworkBase> create, float[] input, int samples, NetworkMode mode = NetworkMode.Inference)
    {
        NetworkBase network = create();
        network.Mode = mode;
        network.Forward(input, samples);
        var layers = new List<LayerStats>();
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerInfo layer = network.Layers[i];
            bool activation = layer.Kind is "Tanh" or "ReLU";
            if (!activation || layer.OutputShape[0] != Width)
            {
                continue;
            }

            float[] values = network.LayerOutput(i).ToArray();
            double mean = values.Average(v => (double)v);
            double variance = values.Average(v => (v - mean) * (v - mean));
            layers.Add(new LayerStats(layers.Count + 1, mean, Math.Sqrt(variance), values));
        }

        return new Experiment(name, layers);
    }
}
