using System.Buffers.Binary;
using NetGen.Optimizers;
using NetGen.Plotting;
using NetGen.Tests.Networks;
using NetGen.Training;
using SkiaSharp;

namespace NetGen.Tests.Babysitting;

public sealed class TrainingPlotsTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Checks the file is a PNG of the given size, read from its header and by decoding it, and returns its pixels.</summary>
    private static SKBitmap AssertPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, "too short for a PNG");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        SKBitmap bitmap = SKBitmap.Decode(bytes) ?? throw new Xunit.Sdk.XunitException("the PNG does not decode");
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        return bitmap;
    }

    /// <summary>The variance of the grey level and the fraction of pixels that differ from the most common colour.</summary>
    private static (double Variance, double Drawn) Ink(SKBitmap bitmap)
    {
        var counts = new Dictionary<uint, int>();
        double sum = 0, sumSquares = 0;
        int n = bitmap.Width * bitmap.Height;
        foreach (SKColor c in bitmap.Pixels)
        {
            double grey = (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue);
            sum += grey;
            sumSquares += grey * grey;
            counts[(uint)c] = counts.GetValueOrDefault((uint)c) + 1;
        }

        double mean = sum / n;
        return ((sumSquares / n) - (mean * mean), 1.0 - ((double)counts.Values.Max() / n));
    }

    private static void AssertNotBlank(SKBitmap bitmap, double minimumDrawn = 0.01)
    {
        (double variance, double drawn) = Ink(bitmap);
        Assert.True(variance > 10, $"grey-level variance {variance}: the image is blank");
        Assert.True(drawn > minimumDrawn, $"only {drawn:P2} of the pixels differ from the background");
    }

    private static TrainingHistory History(bool validation = true)
    {
        var history = new TrainingHistory();
        for (int e = 1; e <= 30; e++)
        {
            double train = 2.3 * Math.Exp(-e / 8.0);
            double? val = validation ? 2.3 * Math.Exp(-e / 8.0) + (0.002 * e * e) : null;
            history.Add(new EpochMetrics(e, train, 1 - (train / 2.5), val, validation ? 1 - (val!.Value / 2.6) : null, TimeSpan.FromSeconds(1), 1000, 0.01f));
        }

        return history;
    }

    [Fact]
    public void Loss_curves_are_a_png_of_the_requested_size_with_something_drawn()
    {
        string path = Path.Combine(_folder, "nested", "loss.png");
        TrainingPlots.SaveLossCurves(History(), path, 640, 400);

        using SKBitmap bitmap = AssertPng(path, 640, 400);
        AssertNotBlank(bitmap);
    }

    [Fact]
    public void Accuracy_curves_are_written_also_without_a_validation_set()
    {
        string path = Path.Combine(_folder, "accuracy.png");
        TrainingPlots.SaveAccuracyCurves(History(validation: false), path, 500, 300);

        using SKBitmap bitmap = AssertPng(path, 500, 300);
        AssertNotBlank(bitmap);
    }

    [Fact]
    public void Curves_draw_more_ink_with_more_series()
    {
        string one = Path.Combine(_folder, "one.png"), three = Path.Combine(_folder, "three.png");
        double[] sgd = Enumerable.Range(1, 40).Select(e => 2.3 / Math.Sqrt(e)).ToArray();
        double[] adam = Enumerable.Range(1, 40).Select(e => 2.3 * Math.Exp(-e / 6.0)).ToArray();
        double[] rmsProp = Enumerable.Range(1, 40).Select(e => 2.0 * Math.Exp(-e / 10.0) + 0.1).ToArray();
        rmsProp[5] = double.NaN; // a missing value is left out, not drawn

        TrainingPlots.SaveCurves(new Dictionary<string, IReadOnlyList<double>> { ["SGD"] = sgd }, "Optimizers", "Validation loss", one);
        TrainingPlots.SaveCurves(
            new Dictionary<string, IReadOnlyList<double>> { ["SGD"] = sgd, ["Adam"] = adam, ["RMSProp"] = rmsProp },
            "Optimizers", "Validation loss", three, xLabel: "Epoch", width: TrainingPlots.DefaultWidth, height: TrainingPlots.DefaultHeight);

        using SKBitmap a = AssertPng(one, TrainingPlots.DefaultWidth, TrainingPlots.DefaultHeight);
        using SKBitmap b = AssertPng(three, TrainingPlots.DefaultWidth, TrainingPlots.DefaultHeight);
        AssertNotBlank(b);
        Assert.True(Ink(b).Drawn > Ink(a).Drawn, "three curves should cover more pixels than one");
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveCurves(new Dictionary<string, IReadOnlyList<double>>(), "t", "y", one));
    }

    [Fact]
    public void Histogram_of_gaussian_values_is_drawn()
    {
        var rng = new Rng(1);
        float[] values = new float[5000];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextGaussian();
        }

        string path = Path.Combine(_folder, "histogram.png");
        TrainingPlots.SaveHistogram(values, "Gaussian", path, bins: 30, width: 600, height: 400);

        using SKBitmap bitmap = AssertPng(path, 600, 400);
        AssertNotBlank(bitmap, minimumDrawn: 0.05); // the bars fill a good part of the plot
    }

    [Fact]
    public void Histogram_bins_count_every_finite_value_once()
    {
        HistogramBins bins = HistogramBins.Compute([0f, 1f, 2f, 3f, 4f, float.NaN, float.PositiveInfinity, 4f], 4);
        Assert.Equal(0, bins.Min);
        Assert.Equal(4, bins.Max);
        Assert.Equal([1L, 1, 1, 3], bins.Counts); // the last bin includes the maximum
        Assert.Equal(2, bins.NonFinite);

        HistogramBins constant = HistogramBins.Compute([0f, 0f, 0f], 5);
        Assert.Equal(-0.5, constant.Min);
        Assert.Equal(0.5, constant.Max);
        Assert.Equal(3, constant.Counts.Sum());
    }

    [Fact]
    public void Parameter_histograms_of_every_layer_form_a_grid()
    {
        var network = new InitNet();
        network.InitializeParameters(1);
        string path = Path.Combine(_folder, "weights.png");

        TrainingPlots.SaveParameterHistograms(network, path, columns: 4, width: 1200, height: 600);

        using SKBitmap bitmap = AssertPng(path, 1200, 600);
        AssertNotBlank(bitmap, minimumDrawn: 0.05);
        int panels = network.ParameterTensors.Count(t => t.Role == ParameterRole.Weight);
        Assert.Equal(7, panels);

        // Every panel of the 4 × 2 grid but the empty eighth has bars in it.
        for (int p = 0; p < 8; p++)
        {
            int x0 = p % 4 * 300, y0 = p / 4 * 300;
            using var panel = new SKBitmap(300, 300);
            Assert.True(bitmap.ExtractSubset(panel, new SKRectI(x0, y0, x0 + 300, y0 + 300)));
            double drawn = Ink(panel).Drawn;
            if (p < 7)
            {
                Assert.True(drawn > 0.05, $"panel {p} has only {drawn:P1} ink");
            }
            else
            {
                Assert.True(drawn < 0.01, $"the unused panel has {drawn:P1} ink");
            }
        }
    }

    [Fact]
    public void Histogram_grid_takes_any_values_such_as_activations()
    {
        var panels = new List<HistogramPanel>();
        var rng = new Rng(2);
        for (int layer = 0; layer < 5; layer++)
        {
            float[] values = new float[2000];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = MathF.Tanh(rng.NextGaussian() * (layer + 1)); // saturating more in deeper layers
            }

            panels.Add(new HistogramPanel($"tanh layer {layer}", values));
        }

        panels.Add(new HistogramPanel("with NaN", new[] { 1f, float.NaN, 2f }));
        string path = Path.Combine(_folder, "activations.png");
        TrainingPlots.SaveHistogramGrid(panels, path, bins: 25, columns: 3, width: 900, height: 600);

        using SKBitmap bitmap = AssertPng(path, 900, 600);
        AssertNotBlank(bitmap, minimumDrawn: 0.05);
    }

    [Fact]
    public void A_trained_runs_history_plots_end_to_end()
    {
        var network = new BabyMlp();
        network.InitializeParameters(1);
        TrainingHistory history = new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 16 })
            .Fit(network, new Adam(0.01f), BabyData.Blobs(64, 8, 10, seed: 1), BabyData.Blobs(32, 8, 10, seed: 2));
        string path = Path.Combine(_folder, "run.png");

        TrainingPlots.SaveLossCurves(history, path);

        using SKBitmap bitmap = AssertPng(path, TrainingPlots.DefaultWidth, TrainingPlots.DefaultHeight);
        AssertNotBlank(bitmap);
    }
}
