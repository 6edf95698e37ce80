using System;
using NetGen.Training;

namespace NetGen.Data;

/// <summary>
/// Mirrors each image left to right with probability <see cref="Probability"/> (torchvision's RandomHorizontalFlip).
/// One random draw per sample, so the sequence of draws depends only on the batch size.
/// </summary>
public sealed class RandomHorizontalFlip : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="shape">The shape of one sample.</param>
    /// <param name="p">The probability of flipping each image, in [0, 1].</param>
    public RandomHorizontalFlip(ImageShape shape, float p = 0.5f)
    {
        Augment.CheckShape(shape);
        Augment.CheckProbability(p, nameof(p));
        Shape = shape;
        Probability = p;
    }

    /// <summary>The shape of one sample.</summary>
    public ImageShape Shape { get; }

    /// <summary>The probability of flipping each image.</summary>
    public float Probability { get; }

    /// <summary>Always false: flipping keeps the labels.</summary>
    public bool ProducesSoftTargets => false;

    /// <summary>Flips each image of the batch, in place, with probability <see cref="Probability"/>.</summary>
    /// <param name="features">The batch, batchSize × <see cref="ImageShape.FeatureCount"/> floats.</param>
    /// <param name="labels">The labels (unused).</param>
    /// <param name="batchSize">The number of images.</param>
    /// <param name="softTargets">The targets (unused).</param>
    /// <param name="rng">The random source; one draw per image.</param>
    public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Shape.CheckBatch(features, batchSize);
        int f = Shape.FeatureCount;
        int w = Shape.Width;
        for (int b = 0; b < batchSize; b++)
        {
            if (rng.NextFloat() >= Probability)
            {
                continue;
            }

            // Every row of every channel is reversed in place.
            Span<float> image = features.Slice(b * f, f);
            for (int row = 0; row < image.Length; row += w)
            {
                image.Slice(row, w).Reverse();
            }
        }
    }
}

/// <summary>
/// Torchvision's <c>RandomCrop(size, padding)</c> with the output size equal to the input size: each image is padded by
/// <see cref="Padding"/> pixels of <see cref="RandomShift.Fill"/> on every side and cropped back at a uniformly random
/// offset, i.e. shifted by up to <see cref="Padding"/> pixels in each direction with the fill entering at the border.
/// </summary>
public sealed class RandomCrop : RandomShift
{
    /// <summary>Creates the transform.</summary>
    /// <param name="shape">The shape of one sample.</param>
    /// <param name="padding">The padding on each side, in pixels; non-negative.</param>
    /// <param name="fill">The value of the padding (0 by default; after standardization 0 is the mean).</param>
    public RandomCrop(ImageShape shape, int padding, float fill = 0f)
        : base(shape, padding, nameof(padding), direction: 1, fill) // the crop's top-left corner, less the padding, is where the source is read from
    {
    }

    /// <summary>The padding on each side, in pixels.</summary>
    public int Padding => Reach;
}

/// <summary>
/// Shifts each image by a uniformly random whole number of pixels in [−<see cref="MaxShift"/>, <see cref="MaxShift"/>]
/// vertically and horizontally; pixels that enter at the border take <see cref="RandomShift.Fill"/>. The same
/// distribution as <see cref="RandomCrop"/> with padding <see cref="MaxShift"/>, stated as a translation.
/// </summary>
public sealed class RandomTranslation : RandomShift
{
    /// <summary>Creates the transform.</summary>
    /// <param name="shape">The shape of one sample.</param>
    /// <param name="maxShift">The largest shift in each direction, in pixels; non-negative.</param>
    /// <param name="fill">The value of the pixels that enter at the border (0 by default).</param>
    public RandomTranslation(ImageShape shape, int maxShift, float fill = 0f)
        : base(shape, maxShift, nameof(maxShift), direction: -1, fill) // moving the content down by d reads the source d rows higher up
    {
    }

    /// <summary>The largest shift in each direction, in pixels.</summary>
    public int MaxShift => Reach;
}

/// <summary>
/// What <see cref="RandomCrop"/> and <see cref="RandomTranslation"/> share: each image moves by a uniformly random whole
/// number of pixels, at most a reach in each direction, and pixels that enter at the border take <see cref="Fill"/>.
/// </summary>
public abstract class RandomShift : IBatchTransform
{
    private readonly float[] _scratch;
    private readonly int _direction;

    private protected RandomShift(ImageShape shape, int reach, string reachName, int direction, float fill)
    {
        Augment.CheckShape(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(reach, reachName);
        Shape = shape;
        Reach = reach;
        Fill = fill;
        _direction = direction;
        _scratch = new float[shape.FeatureCount];
    }

    /// <summary>The shape of one sample.</summary>
    public ImageShape Shape { get; }

    /// <summary>The value of the pixels that enter at the border (the padding of a crop).</summary>
    public float Fill { get; }

    /// <summary>Always false: shifting keeps the labels.</summary>
    public bool ProducesSoftTargets => false;

    /// <summary>The largest shift in each direction, in pixels.</summary>
    private protected int Reach { get; }

    /// <summary>Shifts each image of the batch in place.</summary>
    /// <param name="features">The batch, batchSize × <see cref="ImageShape.FeatureCount"/> floats.</param>
    /// <param name="labels">The labels (unused).</param>
    /// <param name="batchSize">The number of images.</param>
    /// <param name="softTargets">The targets (unused).</param>
    /// <param name="rng">
    /// The random source; two draws per image: the vertical then the horizontal offset (a crop's top row then its left
    /// column in the padded image; a translation's downward then rightward shift).
    /// </param>
    public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng) =>
        Augment.ShiftEach(features, batchSize, Shape, Reach, _direction, Fill, _scratch, rng);
}

/// <summary>
/// Cutout (DeVries and Taylor 2017): sets <see cref="Count"/> squares of <see cref="Size"/>×<see cref="Size"/> pixels,
/// in every channel, to <see cref="Fill"/>. Each square's centre is uniform over the image, so squares near the border
/// are clipped to the part inside the image.
/// </summary>
public sealed class Cutout : IBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="shape">The shape of one sample.</param>
    /// <param name="size">The side of each square, in pixels; positive.</param>
    /// <param name="count">The number of squares per image; positive (squares may overlap).</param>
    /// <param name="fill">The value written into the squares (0 by default; after standardization 0 is the mean).</param>
    public Cutout(ImageShape shape, int size, int count = 1, float fill = 0f)
    {
        Augment.CheckShape(shape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Shape = shape;
        Size = size;
        Count = count;
        Fill = fill;
    }

    /// <summary>The shape of one sample.</summary>
    public ImageShape Shape { get; }

    /// <summary>The side of each square, in pixels.</summary>
    public int Size { get; }

    /// <summary>The number of squares per image.</summary>
    public int Count { get; }

    /// <summary>The value written into the squares.</summary>
    public float Fill { get; }

    /// <summary>Always false: cutout keeps the labels.</summary>
    public bool ProducesSoftTargets => false;

    /// <summary>Erases the squares of each image of the batch in place.</summary>
    /// <param name="features">The batch, batchSize × <see cref="ImageShape.FeatureCount"/> floats.</param>
    /// <param name="labels">The labels (unused).</param>
    /// <param name="batchSize">The number of images.</param>
    /// <param name="softTargets">The targets (unused).</param>
    /// <param name="rng">The random source; per square, the centre's row then its column.</param>
    public void Apply(Span<float> features, ReadOnlySpan<int> labels, int batchSize, Span<float> softTargets, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Shape.CheckBatch(features, batchSize);
        int f = Shape.FeatureCount;
        int h = Shape.Height;
        int w = Shape.Width;
        int plane = Shape.PlaneSize;
        for (int b = 0; b < batchSize; b++)
        {
            Span<float> image = features.Slice(b * f, f);
            for (int k = 0; k < Count; k++)
            {
                // The square [cy − size/2, cy − size/2 + size) × [cx − size/2, cx − size/2 + size), clipped to the image.
                int cy = rng.NextInt(h);
                int cx = rng.NextInt(w);
                int top = Math.Max(cy - (Size / 2), 0);
                int bottom = Math.Min(cy - (Size / 2) + Size, h);
                int left = Math.Max(cx - (Size / 2), 0);
                int right = Math.Min(cx - (Size / 2) + Size, w);
                for (int c = 0; c < Shape.Channels; c++)
                {
                    for (int y = top; y < bottom; y++)
                    {
                        image.Slice((c * plane) + (y * w) + left, right - left).Fill(Fill);
                    }
                }
            }
        }
    }
}

/// <summary>Checks and the shift kernel that the image transforms share.</summary>
internal static class Augment
{
    /// <summary>
    /// Shifts each image of a batch by two draws of <c>rng.NextInt(2·reach + 1) − reach</c> (rows, then columns), each
    /// times <paramref name="direction"/>, as the offset the shifted image is read from.
    /// </summary>
    internal static void ShiftEach(Span<float> features, int batchSize, ImageShape shape, int reach, int direction, float fill, float[] scratch, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        shape.CheckBatch(features, batchSize);
        int f = shape.FeatureCount;
        int positions = (2 * reach) + 1;
        for (int b = 0; b < batchSize; b++)
        {
            int rows = rng.NextInt(positions) - reach;
            int columns = rng.NextInt(positions) - reach;
            Shift(features.Slice(b * f, f), scratch, shape, direction * rows, direction * columns, fill);
        }
    }

    public static void CheckShape(ImageShape shape)
    {
        if (shape.FeatureCount == 0)
        {
            throw new ArgumentException("The image shape is empty; build it with new ImageShape(channels, height, width).", nameof(shape));
        }
    }

    public static void CheckProbability(float p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "A probability must be in [0, 1].");
        }
    }

    /// <summary>
    /// Replaces <paramref name="image"/> by out[c, y, x] = in[c, y + dy, x + dx], or <paramref name="fill"/> where that
    /// source pixel lies outside the image; <paramref name="scratch"/> (one image) holds the input meanwhile.
    /// </summary>
    public static void Shift(Span<float> image, Span<float> scratch, ImageShape shape, int dy, int dx, float fill)
    {
        if (dy == 0 && dx == 0)
        {
            return;
        }

        int h = shape.Height;
        int w = shape.Width;
        int plane = shape.PlaneSize;
        image.CopyTo(scratch);

        // Columns x whose source x + dx is inside [0, w): [firstX, endX).
        int firstX = Math.Clamp(-dx, 0, w);
        int endX = Math.Clamp(w - dx, firstX, w);
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int y = 0; y < h; y++)
            {
                Span<float> row = image.Slice((c * plane) + (y * w), w);
                int sy = y + dy;
                if ((uint)sy >= (uint)h || endX == firstX)
                {
                    row.Fill(fill);
                    continue;
                }

                row[..firstX].Fill(fill);
                scratch.Slice((c * plane) + (sy * w) + firstX + dx, endX - firstX).CopyTo(row[firstX..endX]);
                row[endX..].Fill(fill);
            }
        }
    }
}
