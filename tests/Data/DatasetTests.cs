using System;
using System.Linq;
using NetGen.Data;

namespace NetGen.Tests.Data;

public class DatasetTests
{
    /// <summary>A dataset whose sample i has features [i, 2i, 3i] and label i % classes.</summary>
    internal static Dataset Indexed(int count, int classes = 3)
    {
        var features = new float[count * 3];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            features[(3 * i) + 0] = i;
            features[(3 * i) + 1] = 2 * i;
            features[(3 * i) + 2] = 3 * i;
            labels[i] = i % classes;
        }

        return new Dataset(features, labels, [3], classes);
    }

    [Fact]
    public void Constructor_rejects_mismatched_sizes_and_bad_labels()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], new int[2], [3], 2));
        var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], [0, 2], [3], 2));
        Assert.Contains("Sample 1 has label 2", e.Message);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[6], [0, 1], [3], 2, ["only one name"]));
    }

    [Fact]
    public void Slice_copies_a_contiguous_range()
    {
        Dataset d = Indexed(10);
        Dataset s = d.Slice(4, 3);
        Assert.Equal(3, s.Count);
        Assert.Equal(new float[] { 4, 8, 12, 5, 10, 15, 6, 12, 18 }, s.Features.ToArray());
        Assert.Equal(new[] { 1, 2, 0 }, s.Labels.ToArray());
        s.Features[0] = -1;
        Assert.Equal(4, d.GetFeatures(4)[0]);
    }

    [Fact]
    public void Split_is_a_seeded_partition_in_original_order()
    {
        Dataset d = Indexed(100);
        (Dataset train, Dataset validation) = d.Split(20, seed: 7);
        Assert.Equal(80, train.Count);
        Assert.Equal(20, validation.Count);

        int[] trainIds = Ids(train);
        int[] validationIds = Ids(validation);
        Assert.Equal(Enumerable.Range(0, 100), trainIds.Concat(validationIds).Order());
        Assert.Equal(trainIds.Order(), trainIds);
        Assert.Equal(validationIds.Order(), validationIds);
        Assert.NotEqual(Enumerable.Range(80, 20), validationIds);

        Assert.Equal(validationIds, Ids(d.Split(20, seed: 7).Validation));
        Assert.NotEqual(validationIds, Ids(d.Split(20, seed: 8).Validation));
    }

    private static int[] Ids(Dataset d) => Enumerable.Range(0, d.Count).Select(i => (int)d.GetFeatures(i)[0]).ToArray();

    [Fact]
    public void Global_standardizer_gives_zero_mean_unit_std_on_the_training_set()
    {
        Dataset train = Indexed(50);
        Standardizer s = Standardizer.Fit(train);
        float[] values = train.Features.ToArray();
        Assert.Equal(values.Average(), s.Mean, 3);
        double std = Math.Sqrt(values.Select(v => (v - values.Average()) * (v - values.Average())).Average());
        Assert.Equal(std, s.StandardDeviation, 2);

        s.Apply(train);
        float[] after = train.Features.ToArray();
        Assert.Equal(0, after.Average(), 4);
        Assert.Equal(1, Math.Sqrt(after.Select(v => (double)v * v).Average()), 4);
    }

    [Fact]
    public void Per_feature_centering_subtracts_each_feature_mean_and_keeps_the_scale()
    {
        Dataset train = Indexed(10);
        Dataset other = Indexed(10).Slice(0, 1); // sample 0: [0, 0, 0]
        Standardizer s = Standardizer.Fit(train, StandardizerKind.PerFeatureCentering);
        Assert.Equal(new[] { 4.5f, 9f, 13.5f }, s.FeatureMeans.ToArray());

        s.Apply(train);
        s.Apply(other);
        Assert.Equal(new[] { -4.5f, -9f, -13.5f }, other.Features.ToArray());
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(0, Enumerable.Range(0, 10).Average(i => train.GetFeatures(i)[f]), 5);
        }

        Assert.Equal(1f * (9 - 4.5f), train.GetFeatures(9)[0]); // not rescaled
    }

    [Fact]
    public void Per_feature_standardizer_leaves_constant_features_unscaled()
    {
        var d = new Dataset([1, 5, 3, 5], [0, 1], [2], 2);
        Standardizer s = Standardizer.Fit(d, StandardizerKind.PerFeature);
        s.Apply(d);
        Assert.Equal(new[] { -1f, 0f, 1f, 0f }, d.Features.ToArray());
    }

    [Fact]
    public void Standardizer_restored_from_its_exposed_values_gives_the_same_result()
    {
        Dataset train = Indexed(20);
        Standardizer fitted = Standardizer.Fit(train, StandardizerKind.PerFeature);
        var restored = new Standardizer(fitted.Kind, fitted.Mean, fitted.StandardDeviation, fitted.FeatureMeans.ToArray(), fitted.FeatureStandardDeviations.ToArray());
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [1, 2, 3, 4, 5, 6];
        fitted.Apply(a);
        restored.Apply(b);
        Assert.Equal(a, b);
        Assert.Throws<ArgumentException>(() => fitted.Apply(new float[4]));
    }
}
