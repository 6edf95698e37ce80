using System;

namespace NetGen.Data;

/// <summary>
/// The shape [channels, height, width] of one image sample, laid out channel after channel, row after row (the layout
/// of <see cref="Dataset.Features"/> for image data and of NetGen's convolution layers).
/// </summary>
public readonly record struct ImageShape
{
    /// <summary>Creates a shape after checking that every dimension is positive.</summary>
    /// <param name="channels">The number of channels (1 for grey-scale, 3 for RGB).</param>
    /// <param name="height">The number of rows.</param>
    /// <param name="width">The number of columns.</param>
    public ImageShape(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)channels * height * width > int.MaxValue)
        {
            throw new ArgumentException($"An image of [{channels}, {height}, {width}] has more than {int.MaxValue} values.");
        }

        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>The number of channels.</summary>
    public int Channels { get; }

    /// <summary>The number of rows.</summary>
    public int Height { get; }

    /// <summary>The number of columns.</summary>
    public int Width { get; }

    /// <summary>The number of values in one channel (<c>Height × Width</c>).</summary>
    public int PlaneSize => Height * Width;

    /// <summary>The number of values in one image (<c>Channels × Height × Width</c>).</summary>
    public int FeatureCount => Channels * Height * Width;

    /// <summary>Reads an image shape from a sample shape: [C, H, W] as is, [H, W] as one channel.</summary>
    /// <param name="featureShape">A dataset's <see cref="Dataset.FeatureShape"/>.</param>
    /// <returns>The image shape.</returns>
    public static ImageShape FromFeatureShape(ReadOnlySpan<int> featureShape) => featureShape.Length switch
    {
        3 => new ImageShape(featureShape[0], featureShape[1], featureShape[2]),
        2 => new ImageShape(1, featureShape[0], featureShape[1]),
        _ => throw new ArgumentException(
            $"A sample shape of rank {featureShape.Length} is not an image; images are [channels, height, width] or [height, width].",
            nameof(featureShape)),
    };

    /// <summary>The shape as <c>[C, H, W]</c>.</summary>
    public override string ToString() => $"[{Channels}, {Height}, {Width}]";

    /// <summary>Throws unless <paramref name="features"/> holds exactly <paramref name="batchSize"/> images of this shape.</summary>
    internal void CheckBatch(ReadOnlySpan<float> features, int batchSize)
    {
        if (FeatureCount == 0)
        {
            throw new InvalidOperationException("The transform was built with an empty (default) image shape.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if ((long)batchSize * FeatureCount != features.Length)
        {
            throw new ArgumentException(
                $"{batchSize} images of shape {this} need {(long)batchSize * FeatureCount} floats but the batch holds {features.Length}.",
                nameof(features));
        }
    }
}
