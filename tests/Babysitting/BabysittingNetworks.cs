using NetGen.Data;

namespace NetGen.Tests.Babysitting;

/// <summary>A small MLP for the babysitting checks: 8 features, 10 classes.</summary>
[Network]
[Input(8)]
[Dense(32)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class BabyMlp { }

/// <summary>An MLP with batch normalization (buffers) and dropout (training-time randomness).</summary>
[Network]
[Input(8)]
[Dense(32, Bias = false)] [BatchNorm] [ReLU]
[Dropout(0.2f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class BabyNormMlp { }

/// <summary>Data for the babysitting tests.</summary>
internal static class BabyData
{
    /// <summary>Standardized Gaussian features with labels that have nothing to do with them: only memorization fits them.</summary>
    public static Dataset RandomLabels(int count, int features, int classes, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = rng.NextInt(classes);
        }

        return new Dataset(x, y, [features], classes);
    }

    /// <summary>Noisy Gaussian blobs: learnable, but a few samples of them are easily overfitted.</summary>
    public static Dataset Blobs(int count, int features, int classes, int seed, float noise = 1.5f)
    {
        var centreRng = new Rng(4321);
        var centres = new float[classes * features];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = centreRng.NextGaussian();
        }

        var rng = new Rng(seed);
        var x = new float[count * features];
        var y = new int[count];
        for (int s = 0; s < count; s++)
        {
            int c = rng.NextInt(classes);
            y[s] = c;
            for (int f = 0; f < features; f++)
            {
                x[(s * features) + f] = centres[(c * features) + f] + (noise * rng.NextGaussian());
            }
        }

        return new Dataset(x, y, [features], classes);
    }
}
