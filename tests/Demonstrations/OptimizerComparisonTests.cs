using System.Buffers.Binary;
using System.Globalization;
using NetGen.Data;
using NetGen.Samples.OptimizerComparison;
using Xunit.Abstractions;

namespace NetGen.Tests.Demonstrations;

/// <summary>The optimizer comparison on a small budget: 2,000 samples, one epoch (32 steps) per optimizer.</summary>
public class OptimizerComparisonTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_optimizer_reduces_the_loss_and_the_curves_are_saved_as_a_png()
    {
        var settings = new ComparisonSettings { Epochs = 1, TrainCount = 2000, ValidationCount = 1000, StepsPerPoint = 4, Seed = 2 };
        (Dataset train, Dataset validation) = Comparison.LoadData(settings);

        IReadOnlyList<OptimizerRun> runs = Comparison.Run(train, validation, settings);

        output.WriteLine(Report.MarkdownTable(runs));
        Assert.Equal(Comparison.Contenders.Select(c => c.Name), runs.Select(r => r.Contender.Name));
        // The same initialization for every optimizer (the first evaluation may differ in the last bits: it runs before the kernels are re-jitted).
        Assert.All(runs, r => Assert.Equal(runs[0].InitialLoss, r.InitialLoss, tolerance: 1e-6));
        Assert.All(runs, r =>
        {
            string name = r.Contender.Name;
            Assert.True(r.FinalTrainLoss < r.InitialLoss, $"{name}: training loss {r.FinalTrainLoss} is not below its start {r.InitialLoss}");
            Assert.Equal(32 / settings.StepsPerPoint, r.LossCurve.Count); // 2,000 samples in batches of 64: 32 steps
            Assert.True(r.LossCurve[^1] < r.LossCurve[0], $"{name}: the curve ends at {r.LossCurve[^1]}, not below its first point {r.LossCurve[0]}");
            Assert.InRange(r.ValidationAccuracy, 0.3, 1.0); // well above chance (0.1) after 32 steps
        });

        DirectoryInfo folder = Directory.CreateTempSubdirectory("netgen-optimizers-");
        try
        {
            string png = Path.Combine(folder.FullName, "loss-curves.png");
            Report.SaveLossCurves(runs, settings.StepsPerPoint, png);
            AssertPng(File.ReadAllBytes(png), width: 1000, height: 600);

            string csv = Path.Combine(folder.FullName, "loss-curves.csv");
            Report.WriteLossCurvesCsv(runs, settings.StepsPerPoint, csv);
            string[] lines = File.ReadAllLines(csv);
            Assert.Equal("step," + string.Join(',', runs.Select(r => r.Contender.Name)), lines[0]);
            Assert.Equal(runs[0].LossCurve.Count + 1, lines.Length);
            Assert.Equal(runs[3].LossCurve[^1], double.Parse(lines[^1].Split(',')[4], CultureInfo.InvariantCulture));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Checks the PNG signature, that the first chunk is a well-formed IHDR of the given size, and the IEND trailer.</summary>
    private static void AssertPng(byte[] bytes, int width, int height)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.Length > 1000, $"only {bytes.Length} bytes");
        Assert.Equal(signature, bytes[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(bytes, bytes.Length - 8, 4));
    }
}
