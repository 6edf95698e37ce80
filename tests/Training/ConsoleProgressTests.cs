using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests.Training;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection(nameof(ConsoleCollection))]
public class ConsoleProgressTests
{
    private static void Train(IProgress<TrainingProgress> progress, int epochs, bool withValidation)
    {
        Dataset train = Synthetic.Blobs(200, 8, 4, seed: 1);
        Dataset validation = Synthetic.Blobs(50, 8, 4, seed: 2);
        var network = new SoftmaxRegression(8, 4);
        network.InitializeParameters(1);
        var trainer = new Trainer(new TrainerOptions { Epochs = epochs, BatchSize = 16, ProgressInterval = TimeSpan.Zero });
        trainer.Fit(network, new TestSgd(0.1f), train, withValidation ? validation : null, progress);
    }

    [Fact]
    public void Redirected_output_gets_one_plain_line_per_epoch()
    {
        TextWriter original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            Train(new ConsoleProgress(writer: null, interactive: false), epochs: 3, withValidation: true);
        }
        finally
        {
            Console.SetOut(original);
        }

        string text = captured.ToString();
        Assert.DoesNotContain("\r", text);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.Matches(
                new Regex($@"^epoch {i + 1}/3  loss \d+\.\d{{4}}  train acc [01]\.\d{{4}}  val loss \d+\.\d{{4}}  val acc [01]\.\d{{4}}  \d+\.\d s$"),
                lines[i]);
        }
    }

    [Fact]
    public void Epoch_line_omits_validation_without_a_validation_set()
    {
        var m = new EpochMetrics(2, 0.31214, 0.88743, null, null, TimeSpan.FromSeconds(12.34), 5000, 0.01f);
        Assert.Equal("epoch 2/10  loss 0.3121  train acc 0.8874  12.3 s", ConsoleProgress.FormatEpoch(m, 10));
    }

    [Fact]
    public void Interactive_mode_redraws_a_throttled_status_line_and_ends_each_epoch_with_a_summary()
    {
        var captured = new StringWriter();
        var progress = new ConsoleProgress(captured, interactive: true) { RedrawInterval = TimeSpan.FromHours(1) };
        Train(progress, epochs: 2, withValidation: false);

        string text = captured.ToString();
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);

        // Per epoch: the first status line is drawn, the throttle drops the other 12 batches, then the summary
        // overwrites it (padded to clear the longer status line).
        foreach (string line in lines)
        {
            string[] draws = line.Split('\r', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, draws.Length);
            Assert.Matches(new Regex(@"^epoch \d/2 \[>? *=*.*\] 1/13  loss \d+\.\d{4}  acc [01]\.\d{4}  [\d,]+ samples/s  ETA \d+:\d\d$"), draws[0]);
            Assert.StartsWith("epoch ", draws[1]);
            Assert.Matches(new Regex(@"^epoch \d/2  loss \d+\.\d{4}  train acc [01]\.\d{4}  \d+\.\d s *$"), draws[1]);
            Assert.True(draws[1].Length >= draws[0].Length);
        }
    }

    [Fact]
    public void Status_line_shows_bar_batch_loss_speed_and_eta()
    {
        var p = new TrainingProgress(TrainingProgressKind.Batch, 3, 10, 469, 938, 2345, 0.41234, 0.85, 12345.6, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(75), null);
        Assert.Equal(
            "epoch 3/10 [============>           ] 469/938  loss 0.4123  acc 0.8500  12,346 samples/s  ETA 1:15",
            ConsoleProgress.FormatStatus(p));
    }
}
