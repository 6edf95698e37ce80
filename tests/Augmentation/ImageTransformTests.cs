using NetGen.Data;
using NetGen.Tests.Infrastructure;
using NetGen.Training;
using static NetGen.Tests.Augmentation.AugmentationTestData;

namespace NetGen.Tests.Augmentation;

public class ImageTransformTests
{
    private static readonly ImageShape Rgb = new(2, 6, 7);

    [Fact]
    public void Flip_output_is_either_the_image_or_its_exact_mirror_and_both_occur()
    {
        const int n = 200;
        float[] original = DistinctBatch(n, Rgb);
        float[] x = (float[])original.Clone();
        new RandomHorizontalFlip(Rgb).Apply(x, new int[n], n, [], new Rng(3));

        int flipped = 0;
        for (int b = 0; b < n; b++)
        {
            float[] output = Image(x, b, Rgb);
            float[] mirror = Mirror(Image(original, b, Rgb), Rgb);
            if (output.SequenceEqual(mirror))
            {
                flipped++;
            }
            else
            {
                Assert.Equal(Image(original, b, Rgb), output);
            }
        }

        Assert.InRange(flipped, 1, n - 1);
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void Flip_happens_with_probability_p(float p)
    {
        // The number of flips among N images is Binomial(N, p): mean N·p, standard deviation σ = sqrt(N·p·(1 − p))
        // (≤ 100 for N = 40,000). Allowing 5σ makes a false failure less likely than 1 in 1.7 million.
        const int n = 40_000;
        const int batch = 1000;
        var shape = new ImageShape(1, 1, 2);
        var flip = new RandomHorizontalFlip(shape, p);
        var rng = new Rng(11);
        var x = new float[batch * 2];
        int flips = 0;
        for (int start = 0; start < n; start += batch)
        {
            for (int b = 0; b < batch; b++)
            {
                x[2 * b] = 0;
                x[(2 * b) + 1] = 1;
            }

            flip.Apply(x, new int[batch], batch, [], rng);
            for (int b = 0; b < batch; b++)
            {
                flips += x[2 * b] == 1 ? 1 : 0;
            }
        }

        double sigma = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(flips, (n * p) - (5 * sigma), (n * p) + (5 * sigma));
    }

    [Fact]
    public void Flip_with_p_0_never_flips_and_with_p_1_always_flips()
    {
        const int n = 50;
        float[] original = DistinctBatch(n, Rgb);
        float[] never = (float[])original.Clone();
        float[] always = (float[])original.Clone();
        new RandomHorizontalFlip(Rgb, 0f).Apply(never, new int[n], n, [], new Rng(1));
        new RandomHorizontalFlip(Rgb, 1f).Apply(always, new int[n], n, [], new Rng(1));
        Assert.Equal(original, never);
        for (int b = 0; b < n; b++)
        {
            Assert.Equal(Mirror(Image(original, b, Rgb), Rgb), Image(always, b, Rgb));
        }
    }

    public static TheoryData<string, float> ShiftCases => new()
    {
        { "crop", 0f },
        { "crop", -2.5f },
        { "translation", 0f },
        { "translation", 7f },
    };

    private static IBatchTransform NewShift(string kind, ImageShape shape, int pad, float fill) =>
        kind == "crop" ? new RandomCrop(shape, pad, fill) : new RandomTranslation(shape, pad, fill);

    [Theory]
    [MemberData(nameof(ShiftCases))]
    public void Crop_and_translation_give_a_shifted_copy_with_fill_at_the_border_and_every_offset_occurs(string kind, float fill)
    {
        // 2,000 images over 25 offsets: each offset is expected 80 times with σ = sqrt(2000 · 1/25 · 24/25) ≈ 8.8, so
        // [80 − 5σ, 80 + 5σ] = [36, 124] holds every count unless something is wrong (and no offset is missing).
        const int pad = 2;
        const int n = 2000;
        float[] original = DistinctBatch(n, Rgb);
        float[] x = (float[])original.Clone();
        NewShift(kind, Rgb, pad, fill).Apply(x, new int[n], n, [], new Rng(5));

        var counts = new int[(2 * pad) + 1, (2 * pad) + 1];
        for (int b = 0; b < n; b++)
        {
            float[] output = Image(x, b, Rgb);
            int matches = 0;
            for (int down = -pad; down <= pad; down++)
            {
                for (int right = -pad; right <= pad; right++)
                {
                    if (output.SequenceEqual(Moved(original, b, Rgb, down, right, fill)))
                    {
                        counts[down + pad, right + pad]++;
                        matches++;
                    }
                }
            }

            Assert.True(matches == 1, $"image {b} is not a shift of the input by at most {pad} pixels");
        }

        foreach (int count in counts)
        {
            Assert.InRange(count, 36, 124);
        }
    }

    [Fact]
    public void Shift_larger_than_the_image_fills_it()
    {
        var tiny = new ImageShape(1, 2, 2);
        float[] x = DistinctBatch(400, tiny);
        new RandomTranslation(tiny, 5, fill: -1f).Apply(x, new int[400], 400, [], new Rng(2));
        Assert.Contains(x.Chunk(4), image => image.All(v => v == -1f));
        Assert.Contains(x.Chunk(4), image => image.Any(v => v > 0));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    public void Cutout_erases_one_clipped_size_by_size_square_in_every_channel_and_every_centre_occurs(int size)
    {
        // 3,000 images over 10 × 12 = 120 centres: each is expected 25 times, so the chance that one never occurs is
        // below 120 · e^−25.
        var shape = new ImageShape(3, 10, 12);
        const int n = 3000;
        float[] original = DistinctBatch(n, shape);
        float[] x = (float[])original.Clone();
        new Cutout(shape, size).Apply(x, new int[n], n, [], new Rng(9));

        var centres = new HashSet<(int, int)>();
        for (int b = 0; b < n; b++)
        {
            float[] output = Image(x, b, shape);
            float[] input = Image(original, b, shape);
            int top = int.MaxValue, bottom = -1, left = int.MaxValue, right = -1, zeros = 0;
            for (int c = 0; c < shape.Channels; c++)
            {
                for (int y = 0; y < shape.Height; y++)
                {
                    for (int col = 0; col < shape.Width; col++)
                    {
                        int i = (c * shape.PlaneSize) + (y * shape.Width) + col;
                        if (output[i] == 0)
                        {
                            zeros++;
                            (top, bottom, left, right) = (Math.Min(top, y), Math.Max(bottom, y + 1), Math.Min(left, col), Math.Max(right, col + 1));
                        }
                        else
                        {
                            Assert.Equal(input[i], output[i]);
                        }
                    }
                }
            }

            // The zeros fill a rectangle, the same one in every channel…
            Assert.Equal(shape.Channels * (bottom - top) * (right - left), zeros);

            // …that is a size × size square centred on some pixel, clipped to the image.
            int cy = ClippedSquareCentre(top, bottom, size, shape.Height);
            int cx = ClippedSquareCentre(left, right, size, shape.Width);
            Assert.True(cy >= 0 && cx >= 0, $"image {b}: rows [{top}, {bottom}) × columns [{left}, {right}) is not a clipped {size}×{size} square");
            centres.Add((cy, cx));
        }

        Assert.Equal(shape.PlaneSize, centres.Count);
    }

    /// <summary>The centre whose clipped span [c − size/2, c − size/2 + size) ∩ [0, extent) is [start, end), or −1.</summary>
    private static int ClippedSquareCentre(int start, int end, int size, int extent)
    {
        for (int c = 0; c < extent; c++)
        {
            if (Math.Max(c - (size / 2), 0) == start && Math.Min(c - (size / 2) + size, extent) == end)
            {
                return c;
            }
        }

        return -1;
    }

    [Fact]
    public void Cutout_with_several_squares_erases_at_most_their_area_with_the_fill_value()
    {
        var shape = new ImageShape(1, 16, 16);
        const int n = 200;
        float[] x = DistinctBatch(n, shape);
        new Cutout(shape, 5, count: 3, fill: -1f).Apply(x, new int[n], n, [], new Rng(4));
        int most = 0;
        foreach (float[] image in x.Chunk(shape.FeatureCount))
        {
            int erased = image.Count(v => v == -1f);
            Assert.InRange(erased, 1, 3 * 5 * 5);
            most = Math.Max(most, erased);
        }

        Assert.True(most > 2 * 5 * 5, "with three squares some image should lose more than two squares' worth");
    }

    public static TheoryData<string> TransformNames => ["flip", "crop", "translation", "cutout", "mixup", "pipeline"];

    private static IBatchTransform[] NewTransforms(string name, ImageShape shape) => name switch
    {
        "flip" => [new RandomHorizontalFlip(shape)],
        "crop" => [new RandomCrop(shape, 4)],
        "translation" => [new RandomTranslation(shape, 3)],
        "cutout" => [new Cutout(shape, 8, 2)],
        "mixup" => [new Mixup(0.4f, 64)],
        _ => [new RandomCrop(shape, 4), new RandomHorizontalFlip(shape), new Cutout(shape, 8), new Mixup(0.4f, 64)],
    };

    private static (float[] Features, float[] Targets) Run(IBatchTransform[] transforms, int seed, int batches, ImageShape shape)
    {
        const int batch = 32;
        const int classes = 10;
        var rng = new Rng(seed);
        var all = new List<float>();
        var targets = new List<float>();
        int[] labels = Enumerable.Range(0, batch).Select(i => i % classes).ToArray();
        for (int k = 0; k < batches; k++)
        {
            float[] x = GaussianBatch(batch, shape.FeatureCount, 100 + k);
            float[] t = OneHot(labels, classes);
            foreach (IBatchTransform transform in transforms)
            {
                transform.Apply(x, labels, batch, t, rng);
            }

            all.AddRange(x);
            targets.AddRange(t);
        }

        return (all.ToArray(), targets.ToArray());
    }

    [Theory]
    [MemberData(nameof(TransformNames))]
    public void Same_seed_gives_the_same_batches_and_another_seed_different_ones(string name)
    {
        var shape = new ImageShape(3, 16, 16);
        (float[] a, float[] ta) = Run(NewTransforms(name, shape), seed: 1, batches: 3, shape);
        (float[] b, float[] tb) = Run(NewTransforms(name, shape), seed: 1, batches: 3, shape);
        (float[] c, _) = Run(NewTransforms(name, shape), seed: 2, batches: 3, shape);
        Assert.Equal(a, b);
        Assert.Equal(ta, tb);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [MemberData(nameof(TransformNames))]
    public void Apply_allocates_nothing(string name)
    {
        const int batch = 64;
        const int classes = 10;
        var shape = new ImageShape(3, 16, 16); // 768 features: mixup blends in several stack chunks
        IBatchTransform[] transforms = NewTransforms(name, shape);
        float[] x = GaussianBatch(batch, shape.FeatureCount, 1);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % classes).ToArray();
        float[] t = OneHot(labels, classes);
        var rng = new Rng(7);

        void Call()
        {
            foreach (IBatchTransform transform in transforms)
            {
                transform.Apply(x, labels, batch, t, rng);
            }
        }

        AllocationAssert.None(Call, calls: 50);
    }

    [Fact]
    public void Transforms_reject_a_batch_of_another_shape_and_bad_settings()
    {
        var flip = new RandomHorizontalFlip(Rgb);
        Assert.Throws<ArgumentException>(() => flip.Apply(new float[(2 * Rgb.FeatureCount) + 1], new int[2], 2, [], new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(Rgb, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(Rgb, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Cutout(Rgb, 0));
        Assert.Throws<ArgumentException>(() => new Cutout(default, 2));
        Assert.Equal(new ImageShape(1, 28, 28), ImageShape.FromFeatureShape([1, 28, 28]));
        Assert.Equal(new ImageShape(1, 5, 4), ImageShape.FromFeatureShape([5, 4]));
        Assert.Throws<ArgumentException>(() => ImageShape.FromFeatureShape([784]));
    }

    private static float[] Mirror(float[] image, ImageShape s)
    {
        var m = new float[image.Length];
        for (int c = 0; c < s.Channels; c++)
        {
            for (int y = 0; y < s.Height; y++)
            {
                for (int x = 0; x < s.Width; x++)
                {
                    m[(c * s.PlaneSize) + (y * s.Width) + x] = image[(c * s.PlaneSize) + (y * s.Width) + (s.Width - 1 - x)];
                }
            }
        }

        return m;
    }
}
