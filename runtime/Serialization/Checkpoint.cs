using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Serialization;

/// <summary>The optimizer's part of a checkpoint: its type, learning rate, step count and named state buffers.</summary>
/// <param name="TypeName">The optimizer's full type name, e.g. <c>NetGen.Optimizers.Adam</c>; restoring checks it.</param>
/// <param name="LearningRate">The learning rate when the checkpoint was taken.</param>
/// <param name="State">The step count and the named buffers (<c>exp_avg</c>, …).</param>
public sealed record CheckpointOptimizer(string TypeName, float LearningRate, OptimizerState State)
{
    /// <summary>The optimizer's <see cref="Optimizers.Optimizer.Hyperparameters"/> when saved (compared on restore); null in version-1 files.</summary>
    public IReadOnlyDictionary<string, double>? Hyperparameters { get; init; }
}

/// <summary>
/// Everything needed to continue a run or deploy a model, read from or written to a versioned binary file: the
/// architecture (text and fingerprint) and tensor tables, the parameters, the buffers (running statistics), the
/// network's random state, optionally the optimizer's state, the trainer's <see cref="Training.TrainingState"/> with the
/// metrics history, and named float arrays of preprocessing statistics. All numbers are little-endian and the
/// payload is protected by a CRC-32.
/// </summary>
/// <remarks>
/// Each component saves and restores its own state (<see cref="IStateful{TState}"/>: <see cref="NetworkBase.GetState"/>,
/// <see cref="IStatefulOptimizer"/>, the trainer's <see cref="TrainingContext.CaptureState"/>); a checkpoint
/// is the collection of those states. The byte format lives apart: <c>CheckpointFormat</c> (header, CRC, section
/// framing) and <c>CheckpointSections</c> (each section's writer beside its reader).
/// Layout of format version 2 (version 1 is the same without RSET and OHYP, and is still read):
/// <code>
/// header   magic 89 4E 47 43 4B 50 54 0A ("\x89NGCKPT\n") | u32 version | u32 CRC-32 of payload | u64 payload length
/// payload  sections, each: 4-byte ASCII tag | u64 body length | body
///   ARCH   string architecture | u64 fingerprint | parameter tensor table | buffer tensor table
///          (table: i32 n, then per tensor: string name, i32 layer, i32 offset, i32 length, i32 rank, i32[rank] shape, u8 role)
///   PARM   float array of the parameters          BUFF  float array of the buffers
///   NRNG   4 × u64 network random state
///   OPTM   string type name | f32 learning rate | i64 step count | i32 n | n × (string name, float array)   (optional)
///   TRST   i32 completed epochs | i64 step | 4 × u64 shuffle state | 4 × u64 augmentation state | f32 base lr | f32 lr scale (optional)
///   HIST   i32 n | n × (i32 epoch, f64 train loss, f64 train acc, u8+f64 val loss, u8+f64 val acc, i64 duration ticks, f64 samples/s, f32 lr)
///   PREP   i32 n | n × (string name, float array), sorted by name (optional)
///   CBKS   i32 n | n × (string callback state name, i32 length, bytes), sorted by name (optional)
///   PENL   i32 n | n × f64 training penalty per epoch of HIST (optional)
///   RSET   i32 batch size | i32 epochs | i32 training sample count: the run settings a resume must match (v2, with TRST)
///   OHYP   i32 n | n × (string name, f64 value), sorted by name: the optimizer's hyperparameters (v2, with OPTM)
/// string = i32 UTF-8 byte count + bytes; float array = i32 count + IEEE-754 floats
/// </code>
/// Readers skip sections with unknown tags, so later minor additions stay readable; a changed meaning needs a new version.
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The format version this build writes; it reads this version and every earlier one (from <see cref="OldestReadableVersion"/>).</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format version this build reads (version 1 lacks the run settings and optimizer hyperparameters, so resuming from it checks neither).</summary>
    public const int OldestReadableVersion = 1;

    /// <summary>The file name extension <see cref="CheckpointCallback"/> uses.</summary>
    public const string Extension = ".ngck";

    private readonly Dictionary<string, float[]> _preprocessing;

    private Checkpoint(
        string? sourcePath,
        NetworkState network,
        CheckpointOptimizer? optimizer,
        TrainingState? trainingState,
        IReadOnlyList<EpochMetrics> history,
        Dictionary<string, float[]> preprocessing)
    {
        SourcePath = sourcePath;
        Network = network;
        Optimizer = optimizer;
        TrainingState = trainingState;
        History = history;
        _preprocessing = preprocessing;
    }

    /// <summary>The file the checkpoint was loaded from or last written to, or null for one only captured in memory.</summary>
    public string? SourcePath { get; private set; }

    /// <summary>The saved network's state (<see cref="NetworkBase.GetState"/>): architecture, tensor tables, parameters, buffers, random state.</summary>
    public NetworkState Network { get; }

    /// <summary>The <see cref="NetworkBase.Architecture"/> of the network that was saved.</summary>
    public string Architecture => Network.Architecture;

    /// <summary>The <see cref="NetworkBase.ArchitectureFingerprint"/> of the network that was saved.</summary>
    public ulong ArchitectureFingerprint => Network.Fingerprint;

    /// <summary>The saved network's parameter tensor table (names, offsets and shapes into <see cref="Parameters"/>).</summary>
    public IReadOnlyList<ParameterTensor> ParameterTensors => Network.ParameterTensors;

    /// <summary>The saved network's buffer tensor table (offsets into <see cref="Buffers"/>).</summary>
    public IReadOnlyList<ParameterTensor> BufferTensors => Network.BufferTensors;

    /// <summary>The saved parameters, in the network's flat layout.</summary>
    public ReadOnlySpan<float> Parameters => Network.Parameters;

    /// <summary>The saved buffers (running statistics), in the network's flat layout.</summary>
    public ReadOnlySpan<float> Buffers => Network.Buffers;

    /// <summary>The four state words of the network's <see cref="NetworkBase.Random"/> (dropout masks and the like).</summary>
    public ReadOnlySpan<ulong> NetworkRngState => Network.RandomState;

    /// <summary>The optimizer's state, or null when the checkpoint was saved without an optimizer.</summary>
    public CheckpointOptimizer? Optimizer { get; }

    /// <summary>The trainer's state for <see cref="Trainer.Fit(NetworkBase, IOptimizer, Data.Dataset, Data.Dataset?, Training.TrainingState?, IProgress{TrainingProgress}?, System.Threading.CancellationToken)"/>'s resume argument, or null.</summary>
    public TrainingState? TrainingState { get; }

    /// <summary>The metrics of the epochs completed before the checkpoint (empty without a training state).</summary>
    public IReadOnlyList<EpochMetrics> History { get; }

    /// <summary>Named preprocessing statistics (e.g. a standardizer's means), saved so that inference preprocesses like training did.</summary>
    public IReadOnlyDictionary<string, float[]> Preprocessing => _preprocessing;

    /// <summary>Copies the state of a network (and optionally its optimizer, trainer state and preprocessing statistics) into a checkpoint in memory.</summary>
    /// <param name="network">The network whose parameters, buffers and random state to save.</param>
    /// <param name="optimizer">The optimizer, or null; it must be an <see cref="IStatefulOptimizer"/> (every NetGen optimizer is).</param>
    /// <param name="trainingState">The trainer's state from <see cref="TrainingContext.CaptureState"/>, or null.</param>
    /// <param name="preprocessing">Named float arrays to store alongside (copied), or null.</param>
    /// <exception cref="NotSupportedException">The optimizer's state cannot be captured.</exception>
    public static Checkpoint Capture(
        NetworkBase network,
        IOptimizer? optimizer = null,
        TrainingState? trainingState = null,
        IReadOnlyDictionary<string, float[]>? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckpointOptimizer? optimizerState = null;
        if (optimizer is not null)
        {
            IStatefulOptimizer stateful = AsStateful(optimizer);
            optimizerState = new CheckpointOptimizer(TypeNameOf(optimizer), optimizer.LearningRate, stateful.GetState())
            {
                Hyperparameters = new Dictionary<string, double>(stateful.Hyperparameters, StringComparer.Ordinal),
            };
        }

        Dictionary<string, float[]> prep = preprocessing is null ? new(StringComparer.Ordinal) : CopyNamed(preprocessing, nameof(preprocessing));

        TrainingState? training = trainingState?.Copy();
        return new Checkpoint(
            sourcePath: null,
            network.GetState(),
            optimizerState,
            training,
            training?.History ?? Array.Empty<EpochMetrics>(),
            prep);
    }

    /// <summary>
    /// Saves a checkpoint atomically: the bytes go to a temporary file in the same folder, which is flushed to disk and
    /// then moved over <paramref name="path"/>, so a crash leaves either the old file or the new one, never half a file.
    /// </summary>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="network">The network to save.</param>
    /// <param name="optimizer">The optimizer to save, or null.</param>
    /// <param name="trainingState">The trainer's state to save, or null.</param>
    /// <param name="preprocessing">Named preprocessing statistics to save, or null.</param>
    /// <returns>The checkpoint that was written.</returns>
    public static Checkpoint Save(
        string path,
        NetworkBase network,
        IOptimizer? optimizer = null,
        TrainingState? trainingState = null,
        IReadOnlyDictionary<string, float[]>? preprocessing = null)
    {
        Checkpoint checkpoint = Capture(network, optimizer, trainingState, preprocessing);
        checkpoint.WriteTo(path);
        return checkpoint;
    }

    /// <summary>Writes this checkpoint atomically to <paramref name="path"/> (temporary file, flush, move over).</summary>
    /// <param name="path">The file to write; its folder must exist.</param>
    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        AtomicFile.Write(full, directory, ToBytes());
        SourcePath = full;
    }

    /// <summary>Writes this checkpoint to a stream (not atomically; use <see cref="WriteTo"/> for files).</summary>
    /// <param name="stream">The stream to write to.</param>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes());
    }

    /// <summary>Reads a checkpoint file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted (checksum mismatch), not a checkpoint, or of an unknown format version; the message names the file and the problem.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        Checkpoint checkpoint = FromBytes(File.ReadAllBytes(full), full);
        return checkpoint;
    }

    /// <summary>Reads a checkpoint from the rest of a stream.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="sourceName">A name for error messages (a file name or URL).</param>
    /// <exception cref="InvalidDataException">The data is truncated, corrupted, or not a checkpoint of a known version.</exception>
    public static Checkpoint Read(Stream stream, string sourceName = "(stream)")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return FromBytes(copy.ToArray(), sourceName);
    }

    /// <summary>
    /// Checks that this checkpoint fits <paramref name="network"/> (same architecture fingerprint and text, same sizes)
    /// and, when given, <paramref name="optimizer"/> (same type, same state buffers of the right lengths, and — for files
    /// of format version 2 — the same <see cref="Optimizers.Optimizer.Hyperparameters"/>), without changing anything.
    /// </summary>
    /// <param name="network">The network to restore into.</param>
    /// <param name="optimizer">The optimizer to restore into, or null.</param>
    /// <exception cref="ArgumentException">Something does not fit; the message says what, naming both architectures for a network mismatch.</exception>
    public void Validate(NetworkBase network, IOptimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        string source = SourcePath is null ? "The checkpoint" : $"Checkpoint '{SourcePath}'";
        network.ValidateState(Network, source);
        if (optimizer is null)
        {
            return;
        }

        if (Optimizer is null)
        {
            throw new ArgumentException($"{source} was saved without optimizer state, so it cannot restore a {optimizer.GetType().Name}.", nameof(optimizer));
        }

        string typeName = TypeNameOf(optimizer);
        if (!string.Equals(typeName, Optimizer.TypeName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{source} holds the state of a {Optimizer.TypeName} but the optimizer is a {typeName}.", nameof(optimizer));
        }

        IStatefulOptimizer stateful = AsStateful(optimizer);
        stateful.ValidateState(Optimizer.State, network.ParameterCount, source);
        CheckHyperparameters(Optimizer, stateful, source);
    }

    /// <summary>
    /// Restores the network (parameters, buffers, random state) and, when given, the optimizer (state buffers, step
    /// count, learning rate). Everything is validated first (see <see cref="Validate"/>), so a mismatch throws before
    /// anything changes and leaves both objects as they were.
    /// </summary>
    /// <param name="network">The network to restore into; it must have the saved architecture.</param>
    /// <param name="optimizer">The optimizer to restore into (same type and options as the saved one), or null.</param>
    /// <exception cref="ArgumentException">The checkpoint does not fit; nothing was changed.</exception>
    public void Restore(NetworkBase network, IOptimizer? optimizer = null)
    {
        Validate(network, optimizer);
        if (optimizer is not null)
        {
            // The optimizer goes first: it is the only step that could still refuse, and the network is not touched yet.
            AsStateful(optimizer).SetState(Optimizer!.State);
            optimizer.LearningRate = Optimizer.LearningRate;
        }

        network.SetState(Network);
    }

    /// <summary>Whether <see cref="Capture"/> can save the state of <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer.</param>
    public static bool CanCapture(IOptimizer optimizer) => optimizer is IStatefulOptimizer;

    /// <summary>The serialized bytes: header (magic, version, CRC-32, payload length) followed by the payload's sections.</summary>
    internal byte[] ToBytes()
    {
        var contents = new CheckpointContents
        {
            Architecture = Architecture,
            Fingerprint = ArchitectureFingerprint,
            ParameterTensors = [.. ParameterTensors],
            BufferTensors = [.. BufferTensors],
            Parameters = Parameters.ToArray(),
            Buffers = Buffers.ToArray(),
            NetworkRng = NetworkRngState.ToArray(),
            Optimizer = Optimizer,
            Training = TrainingState,
            History = [.. History],
            Preprocessing = _preprocessing,
        };
        return CheckpointFormat.Write(contents, ((Parameters.Length + Buffers.Length) * sizeof(float)) + Architecture.Length);
    }

    /// <summary>Parses and checks serialized bytes; every problem is an <see cref="InvalidDataException"/> naming <paramref name="source"/>.</summary>
    internal static Checkpoint FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        CheckpointContents c = CheckpointFormat.Read(bytes, source);
        var network = new NetworkState(c.Architecture!, c.Fingerprint, c.ParameterTensors!, c.BufferTensors!, c.Parameters!, c.Buffers!, c.NetworkRng!);
        IReadOnlyList<EpochMetrics> history = c.History ?? (IReadOnlyList<EpochMetrics>)Array.Empty<EpochMetrics>();
        return new Checkpoint(source, network, c.Optimizer, c.Training, history, c.Preprocessing);
    }

    private static IStatefulOptimizer AsStateful(IOptimizer optimizer)
        => optimizer as IStatefulOptimizer ?? throw UnsupportedOptimizer(optimizer);

    /// <summary>Throws unless the optimizer's hyperparameters equal the saved ones (skipped for version-1 files, which have none).</summary>
    private static void CheckHyperparameters(CheckpointOptimizer saved, IStatefulOptimizer optimizer, string source)
    {
        if (saved.Hyperparameters is not { } expected)
        {
            return;
        }

        IReadOnlyDictionary<string, double> actual = optimizer.Hyperparameters;
        var names = new SortedSet<string>(expected.Keys, StringComparer.Ordinal);
        names.UnionWith(actual.Keys);
        foreach (string name in names)
        {
            bool hasSaved = expected.TryGetValue(name, out double a);
            bool hasActual = actual.TryGetValue(name, out double b);
            if (hasSaved && hasActual && a.Equals(b))
            {
                continue;
            }

            string was = hasSaved ? $"{name} = {FormatHyperparameter(a)}" : $"no {name}";
            string now = hasActual ? $"{name} = {FormatHyperparameter(b)}" : $"no {name}";
            throw new ArgumentException(
                $"{source} was saved by a {saved.TypeName} with {was}, but the optimizer has {now}; its state continues the run only under the same update rule. Create the optimizer with the saved values.",
                nameof(optimizer));
        }
    }

    /// <summary>A hyperparameter as the user wrote it: optimizers keep floats, so the shortest float text when it is one.</summary>
    private static string FormatHyperparameter(double value)
        => (double)(float)value == value
            ? ((float)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    internal static NotSupportedException UnsupportedOptimizer(IOptimizer optimizer)
        => new($"Checkpoints can save the state of optimizers implementing NetGen.Optimizers.IStatefulOptimizer (every NetGen optimizer does), not of {TypeNameOf(optimizer)}; save without the optimizer instead.");

    private static string TypeNameOf(IOptimizer optimizer) => optimizer.GetType().FullName ?? optimizer.GetType().Name;

    /// <summary>A copy of named arrays (each array cloned); a null array throws naming <paramref name="argument"/>.</summary>
    private static Dictionary<string, float[]> CopyNamed(IReadOnlyDictionary<string, float[]> arrays, string argument)
    {
        var copy = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, float[]> pair in arrays)
        {
            ArgumentNullException.ThrowIfNull(pair.Value, argument);
            copy.Add(pair.Key, (float[])pair.Value.Clone());
        }

        return copy;
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"Checkpoint v{FormatVersion}: {Parameters.Length} parameters, {Buffers.Length} buffer values, optimizer {Optimizer?.TypeName ?? "none"}, {History.Count} epochs of history, {_preprocessing.Count} preprocessing arrays");
}
