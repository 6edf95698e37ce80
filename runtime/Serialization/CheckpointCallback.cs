using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NetGen.Training;

namespace NetGen.Serialization;

/// <summary>What <see cref="CheckpointCallback"/> does when a checkpoint cannot be written (full disk, missing permissions).</summary>
public enum CheckpointSaveErrorPolicy
{
    /// <summary>The <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> leaves <c>Fit</c> (the default).</summary>
    Throw = 0,

    /// <summary>Training goes on: the failure is reported through <see cref="TrainingContext.Warn"/> and recorded in <see cref="CheckpointCallback.FailedEpochs"/>; earlier checkpoints stay intact.</summary>
    WarnAndContinue = 1,
}

/// <summary>
/// Saves a checkpoint (network, optimizer, trainer state with history, preprocessing statistics) every
/// <see cref="EveryEpochs"/> epochs, after the last epoch and when the run was asked to stop, keeping only the newest
/// <see cref="KeepLast"/> files this callback wrote (files of other runs in the folder are never deleted). It saves from
/// <see cref="OnEpochCompleted"/> only — after every callback's <see cref="TrainingCallback.OnEpochEnd"/>, whatever their
/// order — so every file holds a state between two epochs, including the callbacks' states (<see cref="EarlyStopping"/>,
/// <see cref="ExponentialMovingAverage"/>, <see cref="ReduceLearningRateOnPlateau"/>), from which <see cref="Trainer"/> resumes exactly; a diverged step throws before the epoch ends, and a state that is
/// not sound (<see cref="TrainingContext.EpochStateProblem"/>: non-finite parameters, buffers, training or validation
/// loss) is never written. Temporary files left by saves that were killed midway are removed when training starts.
/// </summary>
public sealed class CheckpointCallback : TrainingCallback
{
    private readonly IReadOnlyDictionary<string, float[]>? _preprocessing;
    private readonly List<string> _saved = [];

    /// <summary>Creates the callback.</summary>
    /// <param name="directory">The folder to write to; created when training starts.</param>
    /// <param name="everyEpochs">Saves after every this many epochs; positive.</param>
    /// <param name="keepLast">How many of this callback's files to keep (older ones are deleted); 0 keeps all.</param>
    /// <param name="prefix">The file name prefix; files are named <c>{prefix}-epoch0001.ngck</c>.</param>
    /// <param name="preprocessing">Preprocessing statistics to store in every checkpoint, or null.</param>
    public CheckpointCallback(string directory, int everyEpochs = 1, int keepLast = 3, string prefix = "checkpoint", IReadOnlyDictionary<string, float[]>? preprocessing = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(everyEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(keepLast);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (prefix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"The prefix '{prefix}' contains characters that file names cannot hold.", nameof(prefix));
        }

        Directory = directory;
        EveryEpochs = everyEpochs;
        KeepLast = keepLast;
        Prefix = prefix;
        _preprocessing = preprocessing;
    }

    /// <summary>The folder the checkpoints go to.</summary>
    public string Directory { get; }

    /// <summary>The number of epochs between two checkpoints.</summary>
    public int EveryEpochs { get; }

    /// <summary>How many files are kept (0: all).</summary>
    public int KeepLast { get; }

    /// <summary>The file name prefix.</summary>
    public string Prefix { get; }

    /// <summary>What happens when a checkpoint cannot be written: throw (default) or warn and continue training.</summary>
    public CheckpointSaveErrorPolicy OnSaveError { get; init; } = CheckpointSaveErrorPolicy.Throw;

    /// <summary>The epochs whose checkpoint could not be written (with <see cref="CheckpointSaveErrorPolicy.WarnAndContinue"/>).</summary>
    public IReadOnlyList<int> FailedEpochs => _failed;

    private readonly List<int> _failed = [];

    /// <summary>The files this callback wrote and has not deleted, oldest first; pruning deletes only these.</summary>
    public IReadOnlyList<string> SavedPaths => _saved;

    /// <summary>The newest file this callback wrote, or null.</summary>
    public string? LastPath => _saved.Count == 0 ? null : _saved[^1];

    /// <summary>The epochs whose checkpoint was not written because the state was not sound (a NaN or infinite parameter, buffer, training or validation loss).</summary>
    public IReadOnlyList<int> SkippedEpochs => _skipped;

    private readonly List<int> _skipped = [];

    /// <summary>The file name this callback gives the checkpoint of <paramref name="epoch"/>.</summary>
    /// <param name="epoch">The completed epoch.</param>
    public string PathFor(int epoch) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}-epoch{epoch:D4}{Checkpoint.Extension}"));

    /// <summary>
    /// The checkpoint with this prefix in <paramref name="directory"/> that was written last and reads back intact, or
    /// null when there is none. "Last" is by file write time (equal times: the higher epoch), so when several runs
    /// wrote into one folder with the same prefix this is the newest file of the most recent run, not the highest epoch
    /// number of any run; files that fail to load (truncated, corrupted, another format) are skipped.
    /// </summary>
    /// <param name="directory">The folder to look in.</param>
    /// <param name="prefix">The file name prefix.</param>
    public static string? FindLatest(string directory, string prefix = "checkpoint")
    {
        List<(int Epoch, string Path)> files = List(directory, prefix);
        var newestFirst = new List<(DateTime Written, int Epoch, string Path)>(files.Count);
        foreach ((int epoch, string path) in files)
        {
            newestFirst.Add((File.GetLastWriteTimeUtc(path), epoch, path));
        }

        newestFirst.Sort((a, b) => a.Written != b.Written ? b.Written.CompareTo(a.Written) : b.Epoch.CompareTo(a.Epoch));
        foreach ((_, _, string path) in newestFirst)
        {
            try
            {
                Checkpoint.Load(path);
                return path;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // not readable: try the next newest
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Checkpoint.CanCapture(context.Optimizer))
        {
            throw Checkpoint.UnsupportedOptimizer(context.Optimizer);
        }

        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.RemoveStaleTemporaryFiles(Directory, Prefix + "-epoch*" + Checkpoint.Extension);
    }

    /// <inheritdoc />
    public override void OnEpochCompleted(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        int epoch = context.Epoch;
        bool due = epoch % EveryEpochs == 0 || epoch >= context.Options.Epochs || context.StopRequested;
        if (!due)
        {
            return;
        }

        if (context.EpochStateProblem(metrics) is { } problem)
        {
            _skipped.Add(epoch); // never overwrite good checkpoints with a broken state
            context.Warn($"The checkpoint of epoch {epoch} was not written: {problem}.");
            return;
        }

        string path = Path.GetFullPath(PathFor(epoch));
        try
        {
            Checkpoint.Save(path, context.Network, context.Optimizer, context.CaptureState(), _preprocessing);
        }
        catch (Exception e) when (OnSaveError == CheckpointSaveErrorPolicy.WarnAndContinue && e is IOException or UnauthorizedAccessException)
        {
            _failed.Add(epoch);
            string last = LastPath is null ? "none was written yet" : $"the newest is '{LastPath}'";
            context.Warn($"The checkpoint of epoch {epoch} could not be written to '{path}' ({e.Message}); training continues and earlier checkpoints are intact ({last}).");
            return;
        }

        _saved.Remove(path);
        _saved.Add(path);
        Prune();
    }

    /// <summary>Deletes this callback's own oldest files beyond <see cref="KeepLast"/>; other files in the folder are never touched.</summary>
    private void Prune()
    {
        while (KeepLast > 0 && _saved.Count > KeepLast)
        {
            File.Delete(_saved[0]);
            _saved.RemoveAt(0);
        }
    }

    private static List<(int Epoch, string Path)> List(string directory, string prefix)
    {
        var files = new List<(int Epoch, string Path)>();
        if (!System.IO.Directory.Exists(directory))
        {
            return files;
        }

        string head = prefix + "-epoch";
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, head + "*" + Checkpoint.Extension))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (name.Length > head.Length && int.TryParse(name.AsSpan(head.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            {
                files.Add((epoch, Path.GetFullPath(path)));
            }
        }

        files.Sort((a, b) => a.Epoch.CompareTo(b.Epoch));
        return files;
    }
}
