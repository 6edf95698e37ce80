using System;
using System.Collections.Generic;
using System.IO;

namespace NetGen.Data;

/// <summary>
/// Zalando's Fashion-MNIST: 28×28 grey-scale images of clothing in 10 classes, 60,000 for training and 10,000 for
/// testing, stored as four gzipped IDX files. Loaded images are scaled to [0, 1]; samples have shape [1, 28, 28].
/// </summary>
public static class FashionMnist
{
    /// <summary>The number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>The image height and width in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The file name of the training images.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";

    /// <summary>The file name of the training labels.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";

    /// <summary>The file name of the test images.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";

    /// <summary>The file name of the test labels.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>Where the repository keeps the files, relative to its root.</summary>
    public const string RelativeDirectory = "data/fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the training and test sets from the four standard files in <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <returns>The training set (60,000 samples) and the test set (10,000 samples).</returns>
    public static (Dataset Train, Dataset Test) Load(string directory) => (LoadTrain(directory), LoadTest(directory));

    /// <summary>Loads the training set from <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder holding the files.</param>
    public static Dataset LoadTrain(string directory) => LoadPair(directory, TrainImagesFile, TrainLabelsFile);

    /// <summary>Loads the test set from <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder holding the files.</param>
    public static Dataset LoadTest(string directory) => LoadPair(directory, TestImagesFile, TestLabelsFile);

    /// <summary>Finds the repository's <c>data/fashion-mnist</c> folder by walking up from the application's directory.</summary>
    /// <returns>The folder's full path.</returns>
    /// <exception cref="DirectoryNotFoundException">No ancestor holds the folder with the training images in it.</exception>
    public static string FindDirectory() =>
        DataDirectory.Find(RelativeDirectory, TrainImagesFile);

    /// <summary>Loads one pair of image and label files and checks that they match each other and the 28×28 format.</summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <param name="imagesFile">The image file's name.</param>
    /// <param name="labelsFile">The label file's name.</param>
    public static Dataset LoadPair(string directory, string imagesFile, string labelsFile)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string imagesPath = Path.Combine(directory, imagesFile);
        string labelsPath = Path.Combine(directory, labelsFile);
        IdxArray images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath, ClassCount);
        if (images.Dimensions[1] != ImageSize || images.Dimensions[2] != ImageSize)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' holds {images.Dimensions[1]}×{images.Dimensions[2]} images; Fashion-MNIST images are {ImageSize}×{ImageSize}.");
        }

        if (images.Dimensions[0] != labels.Length)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' holds {images.Dimensions[0]} images but '{labelsPath}' holds {labels.Length} labels.");
        }

        return Dataset.FromImages(images, labels, ClassCount, ClassNames);
    }
}
