using NetGen.Data;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Augmentation;

public class PreprocessingTests
{
    /// <summary>[3, 4, 5] images whose channel c has mean about 10c − 5 and scale about c + 1, with a pixel-dependent offset.</summary>
    private static Dataset Images(int count, int seed)
    {
        var rng = new Rng(seed);
        const int c = 3, h = 4, w = 5;
        var x = new float[count * c * h * w];
        for (int s = 0; s < count; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int p = 0; p < h * w; p++)
                {
                    x[(s * c * h * w) + (ch * h * w) + p] = (10 * ch) - 5 + (0.1f * p) + ((ch + 1) * rng.NextGaussian());
                }
            }
        }

        return new Dataset(x, new int[count], [c, h, w], 1);
    }

    /// <summary>The mean and population standard deviation of every value of channel <paramref name="c"/>, computed directly.</summary>
    private static (double Mean, double Std) ChannelStats(Dataset d, int c)
    {
        int plane = d.FeatureCount / d.FeatureShape[0];
        double[] values = Enumerable.Range(0, d.Count).SelectMany(s => d.GetFeatures(s).Slice(c * plane, plane).ToArray()).Select(v => (double)v).ToArray();
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average()));
    }

    [Fact]
    public void Per_channel_statistics_match_a_direct_computation()
    {
        Dataset train = Images(300, 1);
        Standardizer s = Standardizer.Fit(train, StandardizerKind.PerChannel);
        Assert.Equal(3, s.ChannelCount);
        for (int c = 0; c < 3; c++)
        {
            (double mean, double std) = ChannelStats(train, c);
            Assert.Equal(mean, s.ChannelMeans[c], 4);
            Assert.Equal(std, s.ChannelStandardDeviations[c], 4);
        }
    }

    [Fact]
    public void Per_channel_standardization_gives_each_channel_zero_mean_and_unit_std_on_the_training_set()
    {
        Dataset train = Images(300, 1);
        Dataset test = Images(100, 2);
        Standardizer s = Standardizer.Fit(train, StandardizerKind.PerChannel);
        s.Apply(train);
        s.Apply(test);
        for (int c = 0; c < 3; c++)
        {
            (double mean, double std) = ChannelStats(train, c);
            Assert.Equal(0, mean, 5);
            Assert.Equal(1, std, 5);

            // Unseen data from the same distribution lands near, not exactly on, zero mean and unit scale.
            (double testMean, double testStd) = ChannelStats(test, c);
            Assert.InRange(testMean, -0.1, 0.1);
            Assert.InRange(testStd, 0.9, 1.1);
        }
    }

    [Fact]
    public void Per_channel_centering_zeroes_the_channel_means_and_keeps_the_scale()
    {
        Dataset train = Images(300, 3);
        double[] before = Enumerable.Range(0, 3).Select(c => ChannelStats(train, c).Std).ToArray();
        Standardizer s = Standardizer.Fit(train, StandardizerKind.PerChannelCentering);
        s.Apply(train);
        for (int c = 0; c < 3; c++)
        {
            (double mean, double std) = ChannelStats(train, c);
            Assert.Equal(0, mean, 5);
            Assert.Equal(before[c], std, 5);
        }
    }

    [Fact]
    public void Mean_image_subtraction_centres_every_pixel_of_every_channel()
    {
        Dataset train = Images(300, 4);
        Standardizer s = Standardizer.Fit(train, StandardizerKind.PerFeatureCentering);
        s.Apply(train);
        for (int i = 0; i < train.FeatureCount; i++)
        {
            Assert.Equal(0, Enumerable.Range(0, train.Count).Average(n => (double)train.GetFeatures(n)[i]), 5);
        }
    }

    [Fact]
    public void Flat_samples_form_one_channel_whose_statistics_are_the_global_ones()
    {
        Dataset flat = new(Enumerable.Range(0, 60).Select(i => (float)(i % 7)).ToArray(), new int[20], [3], 1);
        Standardizer s = Standardizer.Fit(flat, StandardizerKind.PerChannel);
        Assert.Equal(1, s.ChannelCount);
        Assert.Equal(s.Mean, s.ChannelMeans[0], 6);
        Assert.Equal(s.StandardDeviation, s.ChannelStandardDeviations[0], 6);
    }

    [Theory]
    [InlineData(StandardizerKind.Global)]
    [InlineData(StandardizerKind.PerFeatureCentering)]
    [InlineData(StandardizerKind.PerFeature)]
    [InlineData(StandardizerKind.PerChannelCentering)]
    [InlineData(StandardizerKind.PerChannel)]
    public void State_round_trips_exactly(StandardizerKind kind)
    {
        Dataset train = Images(50, 5);
        Standardizer fitted = Standardizer.Fit(train, kind);
        IReadOnlyDictionary<string, float[]> state = fitted.ToState();
        Standardizer restored = Standardizer.FromState(state);

        Assert.Equal(kind, restored.Kind);
        Assert.Equal(state.Keys.Order(), restored.ToState().Keys.Order());
        foreach ((string key, float[] values) in restored.ToState())
        {
            Assert.Equal(state[key].Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
        }

        float[] a = Images(10, 6).Features.ToArray();
        float[] b = (float[])a.Clone();
        fitted.Apply(a);
        restored.Apply(b);
        Assert.Equal(a, b);
        Assert.NotEqual(Images(10, 6).Features.ToArray(), a);
    }

    [Fact]
    public void State_is_a_copy_and_bad_states_are_rejected()
    {
        Standardizer fitted = Standardizer.Fit(Images(20, 7), StandardizerKind.PerChannel);
        IReadOnlyDictionary<string, float[]> state = fitted.ToState();
        float mean0 = fitted.ChannelMeans[0];
        state[Standardizer.ChannelMeansKey][0] = 1234f;
        Assert.Equal(mean0, fitted.ChannelMeans[0]);

        Dictionary<string, float[]> Without(string key) => state.Where(p => p.Key != key).ToDictionary();
        Dictionary<string, float[]> With(string key, float[] value) => state.Where(p => p.Key != key).Append(new(key, value)).ToDictionary();

        Assert.Contains("channel_stds", Assert.Throws<ArgumentException>(() => Standardizer.FromState(Without(Standardizer.ChannelStandardDeviationsKey))).Message);
        Assert.Throws<ArgumentException>(() => Standardizer.FromState(With(Standardizer.KindKey, [9f])));
        Assert.Throws<ArgumentException>(() => Standardizer.FromState(With(Standardizer.KindKey, [1.5f])));
        Assert.Throws<ArgumentException>(() => Standardizer.FromState(With(Standardizer.MeanKey, [1f, 2f])));
        Assert.Throws<ArgumentException>(() => Standardizer.FromState(With(Standardizer.ChannelMeansKey, [0f, 0f, 0f, 0f])));
    }

    [Fact]
    public void Apply_allocates_nothing()
    {
        Dataset train = Images(20, 8);
        float[] x = train.Features.ToArray();
        foreach (StandardizerKind kind in new[] { StandardizerKind.Global, StandardizerKind.PerFeature, StandardizerKind.PerChannel })
        {
            Standardizer s = Standardizer.Fit(train, kind);
            AllocationAssert.None(() => s.Apply(x));
        }
    }
}
