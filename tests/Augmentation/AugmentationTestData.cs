using NetGen.Data;

namespace NetGen.Tests.Augmentation;

/// <summary>Batches for the augmentation tests, and the tests' own (independent) reference for a shifted image.</summary>
internal static class AugmentationTestData
{
    /// <summary>A batch whose values are all distinct and positive (1, 2, 3, …), so that a value names its source pixel.</summary>
    public static float[] DistinctBatch(int batchSize, ImageShape shape)
    {
        var x = new float[batchSize * shape.FeatureCount];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i + 1;
        }

        return x;
    }

    /// <summary>A batch of standard normal values.</summary>
    public static float[] GaussianBatch(int batchSize, int features, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[batchSize * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        return x;
    }

    /// <summary>One-hot targets for <paramref name="labels"/>.</summary>
    public static float[] OneHot(int[] labels, int classes)
    {
        var t = new float[labels.Length * classes];
        for (int b = 0; b < labels.Length; b++)
        {
            t[(b * classes) + labels[b]] = 1f;
        }

        return t;
    }

    /// <summary>Image <paramref name="b"/> with its content moved down by <paramref name="down"/> and right by <paramref name="right"/>.</summary>
    public static float[] Moved(float[] batch, int b, ImageShape s, int down, int right, float fill)
    {
        var result = new float[s.FeatureCount];
        int i = 0;
        for (int c = 0; c < s.Channels; c++)
        {
            for (int y = 0; y < s.Height; y++)
            {
                for (int x = 0; x < s.Width; x++)
                {
                    int sy = y - down;
                    int sx = x - right;
                    bool inside = sy >= 0 && sy < s.Height && sx >= 0 && sx < s.Width;
                    result[i++] = inside ? batch[(b * s.FeatureCount) + (c * s.Height * s.Width) + (sy * s.Width) + sx] : fill;
                }
            }
        }

        return result;
    }

    public static float[] Image(float[] batch, int b, ImageShape s) => batch.AsSpan(b * s.FeatureCount, s.FeatureCount).ToArray();
}
