using System;
using System.IO;
using NetGen.Data;

namespace NetGen.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void Data_folder_is_found_by_walking_up_from_the_test_binary()
    {
        string dir = FashionMnist.FindDirectory();
        Assert.True(File.Exists(Path.Combine(dir, FashionMnist.TrainImagesFile)));
        Assert.EndsWith(Path.Combine("data", "fashion-mnist"), dir);
    }

    [Fact]
    public void Missing_data_folder_throws_naming_the_folder()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => DataDirectory.Find("data/no-such-dataset"));
        Assert.Contains("data/no-such-dataset", e.Message);
        Assert.Null(DataDirectory.TryFind("data/no-such-dataset"));
    }

    [Fact]
    public void Load_gives_60000_training_and_10000_test_samples_scaled_to_unit_range()
    {
        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.FindDirectory());

        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        foreach (Dataset set in new[] { train, test })
        {
            Assert.Equal(784, set.FeatureCount);
            Assert.Equal(new[] { 1, 28, 28 }, set.FeatureShape.ToArray());
            Assert.Equal(10, set.ClassCount);
            Assert.Equal("T-shirt/top", set.ClassNames[0]);
            Assert.Equal("Ankle boot", set.ClassNames[9]);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in set.Features)
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }

            Assert.Equal(0f, min);
            Assert.Equal(1f, max);
        }

        Assert.All(train.CountPerClass(), c => Assert.Equal(6000, c));
        Assert.All(test.CountPerClass(), c => Assert.Equal(1000, c));
    }

    [Fact]
    public void Image_and_label_counts_must_match()
    {
        string dir = FashionMnist.FindDirectory();
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.LoadPair(dir, FashionMnist.TestImagesFile, FashionMnist.TrainLabelsFile));
        Assert.Contains("10000 images", e.Message);
        Assert.Contains("60000 labels", e.Message);
    }
}
