using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NetGen.Training;

namespace NetGen.Serialization;

/// <summary>
/// Saves a checkpoint (network, optimizer, trainer state with history, preprocessing statistics) every
/// <see cref="EveryEpochs"/> epochs, after the last epoch and when the run was asked to stop, keeping only the newest
/// <see cref="KeepLast"/> files. It saves from <see cref="OnEpochCompleted"/> only — after every callback's
/// <see cref="TrainingCallback.OnEpochEnd"/>, whatever their order — so every file holds a state between two epochs,
/// including the states of the <see cref="IResumableCallback"/>s, from which <see cref="Trainer"/> resumes exactly; a
/// diverged step throws before the epoch ends, and a state with non-finite parameters or buffers is never written.
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

    /// <summary>The files this callback wrote in this run and has not deleted, oldest first.</summary>
    public IReadOnlyList<string> SavedPaths => _saved;

    /// <summary>The newest file this callback wrote, or null.</summary>
    public string? LastPath => _saved.Count == 0 ? null : _saved[^1];

    /// <summary>The epochs whose checkpoint was not written because a parameter or buffer was NaN or infinite.</summary>
    public IReadOnlyList<int> SkippedEpochs => _skipped;

    private readonly List<int> _skipped = [];

    /// <summary>The file name this callback gives the checkpoint of <paramref name="epoch"/>.</summary>
    /// <param name="epoch">The completed epoch.</param>
    public string PathFor(int epoch) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}-epoch{epoch:D4}{Checkpoint.Extension}"));

    /// <summary>The newest checkpoint (highest epoch) with this prefix in <paramref name="directory"/>, or null when there is none.</summary>
    /// <param name="directory">The folder to look in.</param>
    /// <param name="prefix">The file name prefix.</param>
    public static string? FindLatest(string directory, string prefix = "checkpoint")
    {
        List<(int Epoch, string Path)> files = List(directory, prefix);
        return files.Count == 0 ? null : files[^1].Path;
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

        NetworkBase network = context.Network;
        if (!Kernels.Reductions.AllFinite(network.Parameters) || !Kernels.Reductions.AllFinite(network.Buffers))
        {
            _skipped.Add(epoch); // never overwrite good checkpoints with a broken state
            return;
        }

        string path = PathFor(epoch);
        Checkpoint.Save(path, network, context.Optimizer, context.CaptureState(), _preprocessing);
        _saved.Remove(path);
        _saved.Add(path);
        Prune();
    }

    private void Prune()
    {
        if (KeepLast == 0)
        {
            return;
        }

        List<(int Epoch, string Path)> files = List(Directory, Prefix);
        for (int i = 0; i < files.Count - KeepLast; i++)
        {
            File.Delete(files[i].Path);
            _saved.Remove(files[i].Path);
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
