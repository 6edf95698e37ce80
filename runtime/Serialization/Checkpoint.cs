using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using NetGen.Optimizers;
using NetGen.Training;
using NetGen.Transfer;

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

    /// <summary>The 8 bytes every checkpoint starts with: 0x89 "NGCKPT" 0x0A.</summary>
    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'N', (byte)'G', (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x0A];

    private const int HeaderSize = 24; // magic 8, version 4, CRC-32 4, payload length 8

    private const uint TagArchitecture = 0x48435241; // "ARCH"
    private const uint TagParameters = 0x4D524150;   // "PARM"
    private const uint TagBuffers = 0x46465542;      // "BUFF"
    private const uint TagNetworkRng = 0x474E524E;   // "NRNG"
    private const uint TagOptimizer = 0x4D54504F;    // "OPTM"
    private const uint TagTraining = 0x54535254;     // "TRST"
    private const uint TagHistory = 0x54534948;      // "HIST"
    private const uint TagPreprocessing = 0x50455250; // "PREP"
    private const uint TagCallbacks = 0x534B4243;     // "CBKS": IResumableCallback states (readers without it skip it)
    private const uint TagPenalties = 0x4C4E4550;     // "PENL": EpochMetrics.TrainPenalty per epoch (readers without it skip it)
    private const uint TagRunSettings = 0x54455352;   // "RSET": batch size, epochs, training count (version 2)
    private const uint TagHyperparameters = 0x5059484F; // "OHYP": optimizer hyperparameters (version 2)

    private readonly float[] _parameters;
    private readonly float[] _buffers;
    private readonly ulong[] _networkRngState;
    private readonly Dictionary<string, float[]> _preprocessing;

    private Checkpoint(
        string? sourcePath,
        string architecture,
        ulong fingerprint,
        ParameterTensor[] parameterTensors,
        ParameterTensor[] bufferTensors,
        float[] parameters,
        float[] buffers,
        ulong[] networkRngState,
        CheckpointOptimizer? optimizer,
        TrainingState? trainingState,
        IReadOnlyList<EpochMetrics> history,
        Dictionary<string, float[]> preprocessing)
    {
        SourcePath = sourcePath;
        Architecture = architecture;
        ArchitectureFingerprint = fingerprint;
        ParameterTensors = parameterTensors;
        BufferTensors = bufferTensors;
        _parameters = parameters;
        _buffers = buffers;
        _networkRngState = networkRngState;
        Optimizer = optimizer;
        TrainingState = trainingState;
        History = history;
        _preprocessing = preprocessing;
    }

    /// <summary>The file the checkpoint was loaded from or last written to, or null for one only captured in memory.</summary>
    public string? SourcePath { get; private set; }

    /// <summary>The <see cref="NetworkBase.Architecture"/> of the network that was saved.</summary>
    public string Architecture { get; }

    /// <summary>The <see cref="NetworkBase.ArchitectureFingerprint"/> of the network that was saved.</summary>
    public ulong ArchitectureFingerprint { get; }

    /// <summary>The saved network's parameter tensor table (names, offsets and shapes into <see cref="Parameters"/>).</summary>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>The saved network's buffer tensor table (offsets into <see cref="Buffers"/>).</summary>
    public IReadOnlyList<ParameterTensor> BufferTensors { get; }

    /// <summary>The saved parameters, in the network's flat layout.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The saved buffers (running statistics), in the network's flat layout.</summary>
    public ReadOnlySpan<float> Buffers => _buffers;

    /// <summary>The four state words of the network's <see cref="NetworkBase.Random"/> (dropout masks and the like).</summary>
    public ReadOnlySpan<ulong> NetworkRngState => _networkRngState;

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
    /// <param name="optimizer">The optimizer, or null; it must be an <see cref="Optimizers.Optimizer"/> or a <see cref="ParameterGroupOptimizer"/>.</param>
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
        var rng = new ulong[4];
        network.Random.GetState(rng);
        CheckpointOptimizer? optimizerState = optimizer is null
            ? null
            : new CheckpointOptimizer(TypeNameOf(optimizer), optimizer.LearningRate, CaptureOptimizerState(optimizer)) { Hyperparameters = HyperparametersOf(optimizer) };
        Dictionary<string, float[]> prep = preprocessing is null ? new(StringComparer.Ordinal) : CopyNamed(preprocessing, nameof(preprocessing));

        TrainingState? training = trainingState is null ? null : CopyTrainingState(trainingState);
        return new Checkpoint(
            sourcePath: null,
            network.Architecture,
            network.ArchitectureFingerprint,
            CopyTensors(network.ParameterTensors),
            CopyTensors(network.BufferTensors),
            network.Parameters.ToArray(),
            network.Buffers.ToArray(),
            rng,
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
        byte[] bytes = ToBytes();
        RemoveStaleTemporaryFiles(directory, Path.GetFileName(full));
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + TemporaryExtension);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

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
        if (network.ArchitectureFingerprint != ArchitectureFingerprint || !string.Equals(network.Architecture, Architecture, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{source} was saved from a different architecture than {network.GetType().Name}'s.\n" +
                $"  checkpoint (fingerprint 0x{ArchitectureFingerprint:X16}): {Architecture}\n" +
                $"  network    (fingerprint 0x{network.ArchitectureFingerprint:X16}): {network.Architecture}",
                nameof(network));
        }

        if (network.ParameterCount != _parameters.Length || network.Buffers.Length != _buffers.Length)
        {
            throw new ArgumentException(
                $"{source} holds {_parameters.Length} parameters and {_buffers.Length} buffer values but {network.GetType().Name} has {network.ParameterCount} and {network.Buffers.Length}.",
                nameof(network));
        }

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

        switch (optimizer)
        {
            case Optimizers.Optimizer plain:
                CheckOptimizerState(plain.StateNames, Optimizer.State, network.ParameterCount, source);
                break;
            case ParameterGroupOptimizer groups:
                groups.ValidateState(Optimizer.State, source);
                break;
            default:
                throw UnsupportedOptimizer(optimizer);
        }

        CheckHyperparameters(Optimizer, optimizer, source);
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
            switch (optimizer)
            {
                case Optimizers.Optimizer plain:
                    plain.SetState(Optimizer!.State);
                    break;
                case ParameterGroupOptimizer groups:
                    groups.SetState(Optimizer!.State);
                    break;
            }

            optimizer.LearningRate = Optimizer!.LearningRate;
        }

        _parameters.CopyTo(network.Parameters);
        _buffers.CopyTo(network.Buffers);
        network.Random.SetState(_networkRngState);
    }

    /// <summary>Whether <see cref="Capture"/> can save the state of <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer.</param>
    public static bool CanCapture(IOptimizer optimizer) => optimizer is Optimizers.Optimizer or ParameterGroupOptimizer;

    /// <summary>The serialized bytes: header (magic, version, CRC-32, payload length) followed by the payload's sections.</summary>
    internal byte[] ToBytes()
    {
        var w = new ByteWriter(HeaderSize + 64 + ((_parameters.Length + _buffers.Length) * sizeof(float)) + Architecture.Length);
        w.WriteBytes(Magic);
        w.WriteUInt32(FormatVersion);
        w.WriteUInt32(0);   // CRC-32, patched below
        w.WriteUInt64(0);   // payload length, patched below

        int at = w.BeginSection(TagArchitecture);
        w.WriteString(Architecture);
        w.WriteUInt64(ArchitectureFingerprint);
        WriteTensors(w, ParameterTensors);
        WriteTensors(w, BufferTensors);
        w.EndSection(at);

        at = w.BeginSection(TagParameters);
        w.WriteFloats(_parameters);
        w.EndSection(at);

        at = w.BeginSection(TagBuffers);
        w.WriteFloats(_buffers);
        w.EndSection(at);

        at = w.BeginSection(TagNetworkRng);
        foreach (ulong word in _networkRngState)
        {
            w.WriteUInt64(word);
        }

        w.EndSection(at);

        if (Optimizer is { } optimizer)
        {
            at = w.BeginSection(TagOptimizer);
            w.WriteString(optimizer.TypeName);
            w.WriteSingle(optimizer.LearningRate);
            w.WriteInt64(optimizer.State.StepCount);
            w.WriteInt32(optimizer.State.Names.Count);
            for (int k = 0; k < optimizer.State.Names.Count; k++)
            {
                w.WriteString(optimizer.State.Names[k]);
                w.WriteFloats(optimizer.State.Buffers[k]);
            }

            w.EndSection(at);
        }

        if (Optimizer?.Hyperparameters is { } hyperparameters)
        {
            at = w.BeginSection(TagHyperparameters);
            var names = new List<string>(hyperparameters.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                w.WriteString(name);
                w.WriteDouble(hyperparameters[name]);
            }

            w.EndSection(at);
        }

        if (TrainingState is { } training)
        {
            at = w.BeginSection(TagTraining);
            w.WriteInt32(training.CompletedEpochs);
            w.WriteInt64(training.Step);
            WriteRngState(w, training.ShuffleRngState);
            WriteRngState(w, training.AugmentationRngState);
            w.WriteSingle(training.BaseLearningRate);
            w.WriteSingle(training.LearningRateScale);
            w.EndSection(at);
        }

        if (TrainingState?.Settings is { } settings)
        {
            at = w.BeginSection(TagRunSettings);
            w.WriteInt32(settings.BatchSize);
            w.WriteInt32(settings.Epochs);
            w.WriteInt32(settings.TrainCount);
            w.EndSection(at);
        }

        if (TrainingState is { CallbackStates.Count: > 0 } withCallbacks)
        {
            at = w.BeginSection(TagCallbacks);
            var names = new List<string>(withCallbacks.CallbackStates.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                byte[] state = withCallbacks.CallbackStates[name];
                w.WriteString(name);
                w.WriteInt32(state.Length);
                w.WriteBytes(state);
            }

            w.EndSection(at);
        }

        if (TrainingState is not null || History.Count > 0)
        {
            at = w.BeginSection(TagHistory);
            w.WriteInt32(History.Count);
            foreach (EpochMetrics m in History)
            {
                w.WriteInt32(m.Epoch);
                w.WriteDouble(m.TrainLoss);
                w.WriteDouble(m.TrainAccuracy);
                WriteOptional(w, m.ValidationLoss);
                WriteOptional(w, m.ValidationAccuracy);
                w.WriteInt64(m.Duration.Ticks);
                w.WriteDouble(m.SamplesPerSecond);
                w.WriteSingle(m.LearningRate);
            }

            w.EndSection(at);
        }

        bool anyPenalty = false;
        foreach (EpochMetrics m in History)
        {
            anyPenalty |= m.TrainPenalty != 0;
        }

        if (anyPenalty)
        {
            at = w.BeginSection(TagPenalties);
            w.WriteInt32(History.Count);
            foreach (EpochMetrics m in History)
            {
                w.WriteDouble(m.TrainPenalty);
            }

            w.EndSection(at);
        }

        if (_preprocessing.Count > 0)
        {
            at = w.BeginSection(TagPreprocessing);
            var names = new List<string>(_preprocessing.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                w.WriteString(name);
                w.WriteFloats(_preprocessing[name]);
            }

            w.EndSection(at);
        }

        byte[] bytes = w.WrittenSpan.ToArray();
        ReadOnlySpan<byte> payload = bytes.AsSpan(HeaderSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12, 4), Crc32.Compute(payload));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16, 8), (ulong)payload.Length);
        return bytes;
    }

    /// <summary>Parses and checks serialized bytes; every problem is an <see cref="InvalidDataException"/> naming <paramref name="source"/>.</summary>
    internal static Checkpoint FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException(bytes.Length < Magic.Length
                ? $"Checkpoint '{source}' is truncated: it has {bytes.Length} bytes, fewer than the {HeaderSize}-byte header."
                : $"'{source}' is not a NetGen checkpoint: it does not start with the checkpoint magic bytes.");
        }

        if (bytes.Length < HeaderSize)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is truncated: it has {bytes.Length} bytes, fewer than the {HeaderSize}-byte header.");
        }

        var header = new ByteReader(bytes[..HeaderSize], source, "header");
        header.Take(Magic.Length);
        uint version = header.ReadUInt32();
        uint storedCrc = header.ReadUInt32();
        ulong payloadLength = header.ReadUInt64();
        if (version is < OldestReadableVersion or > FormatVersion)
        {
            throw new InvalidDataException($"Checkpoint '{source}' has format version {version}, but this build of NetGen reads versions {OldestReadableVersion} to {FormatVersion} only.");
        }

        ulong available = (ulong)(bytes.Length - HeaderSize);
        if (payloadLength > available)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is truncated: the header announces {payloadLength} payload bytes but only {available} follow.");
        }

        if (payloadLength < available)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: {available - payloadLength} unexpected bytes follow the {payloadLength}-byte payload.");
        }

        ReadOnlySpan<byte> payload = bytes[HeaderSize..];
        uint crc = Crc32.Compute(payload);
        if (crc != storedCrc)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: the payload's CRC-32 is 0x{crc:X8} but the header records 0x{storedCrc:X8}.");
        }

        return ParsePayload(payload, source);
    }

    private static Checkpoint ParsePayload(ReadOnlySpan<byte> payload, string source)
    {
        string? architecture = null;
        ulong fingerprint = 0;
        ParameterTensor[]? parameterTensors = null, bufferTensors = null;
        float[]? parameters = null, buffers = null;
        ulong[]? rng = null;
        CheckpointOptimizer? optimizer = null;
        TrainingState? training = null;
        List<EpochMetrics>? history = null;
        var preprocessing = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var callbackStates = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        double[]? penalties = null;
        TrainingRunSettings? settings = null;
        Dictionary<string, double>? hyperparameters = null;
        var seen = new HashSet<uint>();

        var sections = new ByteReader(payload, source, "table");
        while (!sections.AtEnd)
        {
            uint tag = sections.ReadUInt32();
            string name = TagName(tag);
            ulong length = sections.ReadUInt64();
            if (length > (ulong)sections.Remaining)
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section {name} announces {length} bytes but only {sections.Remaining} are left.");
            }

            if (!seen.Add(tag))
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section {name} appears twice.");
            }

            var r = new ByteReader(sections.Take((int)length), source, name);
            switch (tag)
            {
                case TagArchitecture:
                    architecture = r.ReadString("architecture");
                    fingerprint = r.ReadUInt64();
                    parameterTensors = ReadTensors(ref r, "parameter tensor");
                    bufferTensors = ReadTensors(ref r, "buffer tensor");
                    break;
                case TagParameters:
                    parameters = r.ReadFloats("parameters");
                    break;
                case TagBuffers:
                    buffers = r.ReadFloats("buffers");
                    break;
                case TagNetworkRng:
                    rng = ReadRngState(ref r);
                    break;
                case TagOptimizer:
                    string typeName = r.ReadString("optimizer type");
                    float learningRate = r.ReadSingle();
                    long steps = r.ReadInt64();
                    int count = r.ReadCount("optimizer buffer", r.Remaining / 8);
                    var names = new string[count];
                    var states = new float[count][];
                    for (int k = 0; k < count; k++)
                    {
                        names[k] = r.ReadString("optimizer buffer name");
                        states[k] = r.ReadFloats(names[k]);
                    }

                    optimizer = new CheckpointOptimizer(typeName, learningRate, new OptimizerState(steps, names, states));
                    break;
                case TagTraining:
                    int epochs = r.ReadInt32();
                    long step = r.ReadInt64();
                    ulong[] shuffle = ReadRngState(ref r);
                    ulong[] augmentation = ReadRngState(ref r);
                    float baseLr = r.ReadSingle();
                    float scale = r.ReadSingle();
                    training = new TrainingState(epochs, step, shuffle, augmentation, baseLr, scale, Array.Empty<EpochMetrics>());
                    break;
                case TagHistory:
                    int n = r.ReadCount("epoch", r.Remaining / 40);
                    history = new List<EpochMetrics>(n);
                    for (int e = 0; e < n; e++)
                    {
                        history.Add(new EpochMetrics(
                            r.ReadInt32(),
                            r.ReadDouble(),
                            r.ReadDouble(),
                            ReadOptional(ref r),
                            ReadOptional(ref r),
                            TimeSpan.FromTicks(r.ReadInt64()),
                            r.ReadDouble(),
                            r.ReadSingle()));
                    }

                    break;
                case TagPenalties:
                    penalties = new double[r.ReadCount("epoch penalty", r.Remaining / 8)];
                    for (int e = 0; e < penalties.Length; e++)
                    {
                        penalties[e] = r.ReadDouble();
                    }

                    break;
                case TagCallbacks:
                    int callbacks = r.ReadCount("callback state", r.Remaining / 8);
                    for (int k = 0; k < callbacks; k++)
                    {
                        string key = r.ReadString("callback name");
                        int stateLength = r.ReadCount(key + " state length", r.Remaining);
                        if (!callbackStates.TryAdd(key, r.Take(stateLength).ToArray()))
                        {
                            throw r.Fail($"names callback '{key}' twice");
                        }
                    }

                    break;
                case TagRunSettings:
                    settings = new TrainingRunSettings(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
                    break;
                case TagHyperparameters:
                    int hyperparameterCount = r.ReadCount("hyperparameter", r.Remaining / 12);
                    hyperparameters = new Dictionary<string, double>(StringComparer.Ordinal);
                    for (int k = 0; k < hyperparameterCount; k++)
                    {
                        string key = r.ReadString("hyperparameter name");
                        if (!hyperparameters.TryAdd(key, r.ReadDouble()))
                        {
                            throw r.Fail($"names hyperparameter '{key}' twice");
                        }
                    }

                    break;
                case TagPreprocessing:
                    int arrays = r.ReadCount("preprocessing array", r.Remaining / 8);
                    for (int k = 0; k < arrays; k++)
                    {
                        string key = r.ReadString("preprocessing name");
                        if (!preprocessing.TryAdd(key, r.ReadFloats(key)))
                        {
                            throw r.Fail($"names '{key}' twice");
                        }
                    }

                    break;
                default:
                    continue; // a section from a later minor revision: skipped
            }

            r.ExpectEnd();
        }

        if (architecture is null || parameters is null || buffers is null || rng is null)
        {
            string missing = architecture is null ? "ARCH" : parameters is null ? "PARM" : buffers is null ? "BUFF" : "NRNG";
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: the required section {missing} is missing.");
        }

        CheckTensors(parameterTensors!, parameters.Length, "parameter", source);
        CheckTensors(bufferTensors!, buffers.Length, "buffer", source);
        if (penalties is not null)
        {
            if (history is null || history.Count != penalties.Length)
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section PENL holds {penalties.Length} epoch penalties but the history has {history?.Count ?? 0} epochs.");
            }

            for (int e = 0; e < penalties.Length; e++)
            {
                history[e] = history[e] with { TrainPenalty = penalties[e] };
            }
        }

        IReadOnlyList<EpochMetrics> epochs2 = history ?? (IReadOnlyList<EpochMetrics>)Array.Empty<EpochMetrics>();
        if (training is not null)
        {
            training = training with { History = epochs2, CallbackStates = callbackStates, Settings = settings };
        }
        else if (settings is not null)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds run settings (section RSET) but no trainer state (TRST).");
        }

        if (optimizer is not null)
        {
            optimizer = optimizer with { Hyperparameters = hyperparameters };
        }
        else if (hyperparameters is not null)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds optimizer hyperparameters (section OHYP) but no optimizer state (OPTM).");
        }
        else if (callbackStates.Count > 0)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds callback states (section CBKS) but no trainer state (TRST).");
        }

        return new Checkpoint(source, architecture, fingerprint, parameterTensors!, bufferTensors!, parameters, buffers, rng, optimizer, training, epochs2, preprocessing);
    }

    private static void CheckTensors(ParameterTensor[] tensors, int total, string kind, string source)
    {
        foreach (ParameterTensor t in tensors)
        {
            if (t.Offset < 0 || t.Length < 0 || (long)t.Offset + t.Length > total)
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: {kind} tensor '{t.Name}' [{t.Offset}, {(long)t.Offset + t.Length}) lies outside the {total} saved values.");
            }
        }
    }

    private static void CheckOptimizerState(IReadOnlyList<string> expectedNames, OptimizerState state, int parameterCount, string source)
    {
        bool sameNames = expectedNames.Count == state.Names.Count;
        for (int k = 0; sameNames && k < expectedNames.Count; k++)
        {
            sameNames = string.Equals(expectedNames[k], state.Names[k], StringComparison.Ordinal);
        }

        if (!sameNames)
        {
            throw new ArgumentException(
                $"{source} holds optimizer buffers [{string.Join(", ", state.Names)}] but the optimizer has [{string.Join(", ", expectedNames)}] (different options?).",
                "optimizer");
        }

        for (int k = 0; k < state.Buffers.Count; k++)
        {
            int length = state.Buffers[k].Length;
            if (length != parameterCount && !(length == 0 && state.StepCount == 0))
            {
                throw new ArgumentException(
                    $"{source} holds optimizer buffer '{state.Names[k]}' of {length} floats but the network has {parameterCount} parameters.",
                    "optimizer");
            }
        }
    }

    private static Dictionary<string, double> HyperparametersOf(IOptimizer optimizer) => new(optimizer switch
    {
        Optimizers.Optimizer plain => plain.Hyperparameters,
        ParameterGroupOptimizer groups => groups.Hyperparameters,
        _ => throw UnsupportedOptimizer(optimizer),
    }, StringComparer.Ordinal);

    /// <summary>Throws unless the optimizer's hyperparameters equal the saved ones (skipped for version-1 files, which have none).</summary>
    private static void CheckHyperparameters(CheckpointOptimizer saved, IOptimizer optimizer, string source)
    {
        if (saved.Hyperparameters is not { } expected)
        {
            return;
        }

        Dictionary<string, double> actual = HyperparametersOf(optimizer);
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

    internal static OptimizerState CaptureOptimizerState(IOptimizer optimizer) => optimizer switch
    {
        Optimizers.Optimizer plain => plain.GetState(),
        ParameterGroupOptimizer groups => groups.GetState(),
        _ => throw UnsupportedOptimizer(optimizer),
    };

    internal static NotSupportedException UnsupportedOptimizer(IOptimizer optimizer)
        => new($"Checkpoints can save the state of NetGen.Optimizers.Optimizer subclasses and ParameterGroupOptimizer, not of {TypeNameOf(optimizer)}; save without the optimizer instead.");

    private static string TypeNameOf(IOptimizer optimizer) => optimizer.GetType().FullName ?? optimizer.GetType().Name;

    private static TrainingState CopyTrainingState(TrainingState s)
    {
        if (s.ShuffleRngState.Length != 4 || s.AugmentationRngState.Length != 4)
        {
            throw new ArgumentException("A training state's random states are four words each.", nameof(s));
        }

        return s with
        {
            ShuffleRngState = (ulong[])s.ShuffleRngState.Clone(),
            AugmentationRngState = (ulong[])s.AugmentationRngState.Clone(),
            History = new List<EpochMetrics>(s.History),
            CallbackStates = CopyNamed(s.CallbackStates, nameof(s)),
        };
    }

    /// <summary>A copy of named arrays (each array cloned); a null array throws naming <paramref name="argument"/>.</summary>
    private static Dictionary<string, T[]> CopyNamed<T>(IReadOnlyDictionary<string, T[]> arrays, string argument)
    {
        var copy = new Dictionary<string, T[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, T[]> pair in arrays)
        {
            ArgumentNullException.ThrowIfNull(pair.Value, argument);
            copy.Add(pair.Key, (T[])pair.Value.Clone());
        }

        return copy;
    }

    // The records hold strings, numbers and an immutable TensorShape: copying the list is enough.
    private static ParameterTensor[] CopyTensors(IReadOnlyList<ParameterTensor> tensors) => [.. tensors];

    private static void WriteTensors(ByteWriter w, IReadOnlyList<ParameterTensor> tensors)
    {
        w.WriteInt32(tensors.Count);
        foreach (ParameterTensor t in tensors)
        {
            w.WriteString(t.Name);
            w.WriteInt32(t.LayerIndex);
            w.WriteInt32(t.Offset);
            w.WriteInt32(t.Length);
            w.WriteInt32(t.Shape.Rank);
            foreach (int d in t.Shape)
            {
                w.WriteInt32(d);
            }

            w.WriteByte((byte)t.Role);
        }
    }

    private static ParameterTensor[] ReadTensors(ref ByteReader r, string what)
    {
        int count = r.ReadCount(what, r.Remaining / 21);
        var tensors = new ParameterTensor[count];
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString(what + " name");
            int layer = r.ReadInt32();
            int offset = r.ReadInt32();
            int length = r.ReadInt32();
            int rank = r.ReadCount(what + " rank", 16);
            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt32();
            }

            tensors[i] = new ParameterTensor(name, layer, offset, length, shape, (ParameterRole)r.ReadByte());
        }

        return tensors;
    }

    private static void WriteRngState(ByteWriter w, ulong[] state)
    {
        for (int i = 0; i < 4; i++)
        {
            w.WriteUInt64(state[i]);
        }
    }

    private static ulong[] ReadRngState(ref ByteReader r)
    {
        var state = new ulong[4];
        for (int i = 0; i < 4; i++)
        {
            state[i] = r.ReadUInt64();
        }

        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw r.Fail("holds an all-zero random state");
        }

        return state;
    }

    private static void WriteOptional(ByteWriter w, double? value)
    {
        w.WriteByte(value.HasValue ? (byte)1 : (byte)0);
        w.WriteDouble(value ?? 0);
    }

    private static double? ReadOptional(ref ByteReader r)
    {
        byte has = r.ReadByte();
        double value = r.ReadDouble();
        return has switch
        {
            0 => null,
            1 => value,
            _ => throw r.Fail($"has an optional-value flag of {has}"),
        };
    }

    private static string TagName(uint tag)
    {
        var sb = new StringBuilder(4);
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((tag >> (8 * i)) & 0xFF);
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return sb.ToString();
    }

    /// <summary>The extension of the temporary file a save writes before moving it over the target.</summary>
    private const string TemporaryExtension = ".tmp";

    /// <summary>
    /// How old a temporary file must be before a save removes it as left over by a save that was killed midway; a
    /// younger one may belong to a save in progress in another process.
    /// </summary>
    internal static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Deletes the temporary files of killed saves in <paramref name="directory"/>: those named like
    /// <see cref="WriteTo"/>'s (<c>.{target}.{32 hex digits}.tmp</c>, the target matching <paramref name="targetPattern"/>,
    /// which may hold <c>*</c>) and older than <see cref="StaleTemporaryAge"/>. Files it cannot delete are left alone.
    /// </summary>
    /// <returns>The paths deleted.</returns>
    internal static List<string> RemoveStaleTemporaryFiles(string directory, string targetPattern)
    {
        var removed = new List<string>();
        if (!Directory.Exists(directory))
        {
            return removed;
        }

        DateTime cutoff = DateTime.UtcNow - StaleTemporaryAge;
        foreach (string path in Directory.EnumerateFiles(directory, "." + targetPattern + ".*" + TemporaryExtension))
        {
            string name = Path.GetFileName(path);
            int hex = name.Length - TemporaryExtension.Length - 32;
            if (hex < 2 || name[hex - 1] != '.' || !IsHex(name.AsSpan(hex, 32)) || File.GetLastWriteTimeUtc(path) > cutoff)
            {
                continue;
            }

            if (TryDelete(path))
            {
                removed.Add(path);
            }
        }

        return removed;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"Checkpoint v{FormatVersion}: {_parameters.Length} parameters, {_buffers.Length} buffer values, optimizer {Optimizer?.TypeName ?? "none"}, {History.Count} epochs of history, {_preprocessing.Count} preprocessing arrays");
}
