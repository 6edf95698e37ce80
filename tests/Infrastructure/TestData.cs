namespace NetGen.Tests.Infrastructure;

/// <summary>Reproducible test inputs.</summary>
internal static class TestData
{
    /// <summary><paramref name="n"/> standard normal floats (times <paramref name="scale"/>) from <see cref="Rng"/> seeded with <paramref name="seed"/>.</summary>
    public static float[] Gaussian(int n, int seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = rng.NextGaussian() * scale;
        }

        return values;
    }
}
