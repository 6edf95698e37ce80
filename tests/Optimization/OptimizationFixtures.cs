using NetGen.Data;

namespace NetGen.Tests.Optimization;

/// <summary>A two-input classifier small enough for full-batch L-BFGS and ensemble tests.</summary>
[Network]
[Input(2)]
[Dense(8)] [Tanh]
[Dense(2)] [SoftmaxCrossEntropy]
public partial class TinyClassifier { }

/// <summary>Shared data for the optimization tests.</summary>
internal static class OptimizationFixtures
{
    /// <summary>
    /// Two Gaussian blobs of <paramref name="perClass"/> points each, centred at (−1, −1) and (1, 1) with spread 0.3,
    /// so that a line separates them with a wide margin.
    /// </summary>
    public static Dataset SeparableBlobs(int perClass, int seed)
    {
        var rng = new Rng(seed);
        var features = new float[perClass * 2 * 2];
        var labels = new int[perClass * 2];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = i % 2;
            float centre = label == 0 ? -1f : 1f;
            features[2 * i] = centre + (0.3f * rng.NextGaussian());
            features[(2 * i) + 1] = centre + (0.3f * rng.NextGaussian());
            labels[i] = label;
        }

        return new Dataset(features, labels, [2], 2);
    }

    /// <summary>
    /// Four blobs of <paramref name="perBlob"/> points at (±1, ±1) with spread 0.2, labelled by the XOR of the signs:
    /// separable, but not by a line, so a classifier needs its hidden layer.
    /// </summary>
    public static Dataset XorBlobs(int perBlob, int seed)
    {
        var rng = new Rng(seed);
        var features = new float[perBlob * 4 * 2];
        var labels = new int[perBlob * 4];
        for (int i = 0; i < labels.Length; i++)
        {
            int blob = i % 4;
            float cx = (blob & 1) == 0 ? -1f : 1f, cy = (blob & 2) == 0 ? -1f : 1f;
            features[2 * i] = cx + (0.2f * rng.NextGaussian());
            features[(2 * i) + 1] = cy + (0.2f * rng.NextGaussian());
            labels[i] = (blob & 1) ^ ((blob >> 1) & 1);
        }

        return new Dataset(features, labels, [2], 2);
    }

    /// <summary>Uniform random floats in [−scale, scale).</summary>
    public static float[] RandomVector(int length, int seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = scale * ((2f * rng.NextFloat()) - 1f);
        }

        return values;
    }
}
