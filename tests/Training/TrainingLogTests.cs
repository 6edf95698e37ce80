using Microsoft.Extensions.Logging;
using NetGen.Data;
using NetGen.Logging;
using NetGen.Training;

namespace NetGen.Tests.Training;

public class TrainingLogTests
{
    private sealed record Entry(LogLevel Level, EventId Id, string Message, IReadOnlyList<KeyValuePair<string, object?>> State, Exception? Exception);

    /// <summary>Keeps every event (all levels enabled).</summary>
    private sealed class ListLogger : ILogger
    {
        public List<Entry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add(new Entry(logLevel, eventId, formatter(state, exception), state as IReadOnlyList<KeyValuePair<string, object?>> ?? [], exception));
    }

    [Fact]
    public void Epochs_early_stops_and_batches_reach_the_logger_with_structured_values()
    {
        Dataset train = Synthetic.Blobs(400, 8, 4, seed: 1);
        Dataset validation = Synthetic.Blobs(100, 8, 4, seed: 2);
        var net = new SoftmaxRegression(8, 4);
        net.InitializeParameters(1);
        var logger = new ListLogger();
        var log = new TrainingLog(logger);
        var stopAtTwo = new StopAfter(2);
        var trainer = new Trainer(new TrainerOptions { Epochs = 5, BatchSize = 16, Seed = 1, ProgressInterval = TimeSpan.Zero, Callbacks = [stopAtTwo, log] });

        TrainingHistory history = trainer.Fit(net, new TestSgd(0.1f), train, validation, progress: log);

        Assert.Equal(2, history.Epochs.Count);
        var epochs = logger.Entries.Where(e => e.Id.Id == 2).ToList();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.Equal(history.Epochs[1].ValidationLoss, epochs[1].State.Single(p => p.Key == "ValidationLoss").Value);
        Assert.Equal(2, epochs[1].State.Single(p => p.Key == "Epoch").Value);
        Assert.Contains("Epoch 2/5", epochs[1].Message);

        Entry stop = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("stop requested by the test", stop.Message);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("batch", StringComparison.Ordinal));
        Assert.Equal(1, logger.Entries[0].Id.Id); // started first
        Assert.Equal(5, logger.Entries[^1].Id.Id); // ended last
    }

    [Fact]
    public void A_diverged_run_is_logged_as_an_error_with_the_exception()
    {
        Dataset train = Synthetic.Blobs(64, 8, 4, seed: 1);
        var net = new SoftmaxRegression(8, 4);
        net.InitializeParameters(1);
        net.Parameters[0] = float.NaN;
        var logger = new ListLogger();
        var log = new TrainingLog(logger);
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Callbacks = [log] });

        var thrown = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(net, new TestSgd(0.1f), train, null));

        Entry error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Same(thrown, error.Exception);
        Assert.Contains(thrown.Message, error.Message);
    }

    private sealed class StopAfter(int epochs) : TrainingCallback
    {
        public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
        {
            if (metrics.Epoch >= epochs)
            {
                context.RequestStop("stop requested by the test");
            }
        }
    }
}
