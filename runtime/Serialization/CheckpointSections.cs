using System;
using System.Collections.Generic;
using System.IO;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Serialization;

/// <summary>
/// What a checkpoint's sections hold, as plain fields: filled from a <see cref="Checkpoint"/> before writing, filled
/// by the sections while reading (each section sets only its own fields), then checked across sections by
/// <see cref="CheckpointSections.Complete"/>.
/// </summary>
internal sealed class CheckpointContents
{
    public string? Architecture;
    public ulong Fingerprint;
    public ParameterTensor[]? ParameterTensors;
    public ParameterTensor[]? BufferTensors;
    public float[]? Parameters;
    public float[]? Buffers;
    public ulong[]? NetworkRng;
    public CheckpointOptimizer? Optimizer;
    public Dictionary<string, double>? Hyperparameters;
    public TrainingState? Training;
    public TrainingRunSettings? Settings;
    public Dictionary<string, byte[]> CallbackStates = new(StringComparer.Ordinal);
    public List<EpochMetrics>? History;
    public double[]? Penalties;
    public Dictionary<string, float[]> Preprocessing = new(StringComparer.Ordinal);
}

/// <summary>
/// One tagged section of the checkpoint payload: whether a checkpoint has it, how its body is written, and how it is
/// read back, side by side. The framing (tag, length, CRC, version) is <see cref="CheckpointFormat"/>'s.
/// </summary>
internal abstract class CheckpointSection
{
    protected CheckpointSection(string name)
    {
        Name = name;
        Tag = name[0] | ((uint)name[1] << 8) | ((uint)name[2] << 16) | ((uint)name[3] << 24);
    }

    /// <summary>The four ASCII letters of the tag.</summary>
    public string Name { get; }

    /// <summary>The tag as the little-endian u32 the file holds.</summary>
    public uint Tag { get; }

    /// <summary>Whether the contents have anything for this section (written only then).</summary>
    public abstract bool IsPresent(CheckpointContents c);

    /// <summary>Writes the section's body.</summary>
    public abstract void Write(ByteWriter w, CheckpointContents c);

    /// <summary>Reads the section's body into its fields of <paramref name="c"/>.</summary>
    public abstract void Read(ref ByteReader r, CheckpointContents c);
}

/// <summary>The sections of format versions 1 and 2, in the order they are written, and the checks across them.</summary>
internal static class CheckpointSections
{
    /// <summary>Every known section, in writing order (readers accept any order and skip unknown tags).</summary>
    public static readonly CheckpointSection[] All =
    [
        new ArchitectureSection(), new ParametersSection(), new BuffersSection(), new NetworkRngSection(),
        new OptimizerSection(), new HyperparametersSection(), new TrainingSection(), new RunSettingsSection(),
        new CallbacksSection(), new HistorySection(), new PenaltiesSection(), new PreprocessingSection(),
    ];

    /// <summary>The cross-section checks after reading, and the merge of the optional sections into their owners' records.</summary>
    public static void Complete(CheckpointContents c, string source)
    {
        if (c.Architecture is null || c.Parameters is null || c.Buffers is null || c.NetworkRng is null)
        {
            string missing = c.Architecture is null ? "ARCH" : c.Parameters is null ? "PARM" : c.Buffers is null ? "BUFF" : "NRNG";
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: the required section {missing} is missing.");
        }

        CheckTensors(c.ParameterTensors!, c.Parameters.Length, "parameter", source);
        CheckTensors(c.BufferTensors!, c.Buffers.Length, "buffer", source);
        if (c.Penalties is { } penalties)
        {
            if (c.History is null || c.History.Count != penalties.Length)
            {
                throw new InvalidDataException($"Checkpoint '{source}' is corrupted: section PENL holds {penalties.Length} epoch penalties but the history has {c.History?.Count ?? 0} epochs.");
            }

            for (int e = 0; e < penalties.Length; e++)
            {
                c.History[e] = c.History[e] with { TrainPenalty = penalties[e] };
            }
        }

        IReadOnlyList<EpochMetrics> epochs = c.History ?? (IReadOnlyList<EpochMetrics>)Array.Empty<EpochMetrics>();
        if (c.Training is not null)
        {
            c.Training = c.Training with { History = epochs, CallbackStates = c.CallbackStates, Settings = c.Settings };
        }
        else if (c.Settings is not null)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds run settings (section RSET) but no trainer state (TRST).");
        }

        if (c.Optimizer is not null)
        {
            c.Optimizer = c.Optimizer with { Hyperparameters = c.Hyperparameters };
        }
        else if (c.Hyperparameters is not null)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds optimizer hyperparameters (section OHYP) but no optimizer state (OPTM).");
        }
        else if (c.CallbackStates.Count > 0)
        {
            throw new InvalidDataException($"Checkpoint '{source}' is corrupted: it holds callback states (section CBKS) but no trainer state (TRST).");
        }
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

    /// <summary>ARCH: string architecture | u64 fingerprint | parameter tensor table | buffer tensor table.</summary>
    private sealed class ArchitectureSection() : CheckpointSection("ARCH")
    {
        public override bool IsPresent(CheckpointContents c) => true;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            w.WriteString(c.Architecture!);
            w.WriteUInt64(c.Fingerprint);
            WriteTensors(w, c.ParameterTensors!);
            WriteTensors(w, c.BufferTensors!);
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            c.Architecture = r.ReadString("architecture");
            c.Fingerprint = r.ReadUInt64();
            c.ParameterTensors = ReadTensors(ref r, "parameter tensor");
            c.BufferTensors = ReadTensors(ref r, "buffer tensor");
        }

        // table: i32 n, then per tensor: string name, i32 layer, i32 offset, i32 length, i32 rank, i32[rank] shape, u8 role
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
    }

    /// <summary>PARM: float array of the parameters.</summary>
    private sealed class ParametersSection() : CheckpointSection("PARM")
    {
        public override bool IsPresent(CheckpointContents c) => true;

        public override void Write(ByteWriter w, CheckpointContents c) => w.WriteFloats(c.Parameters);

        public override void Read(ref ByteReader r, CheckpointContents c) => c.Parameters = r.ReadFloats("parameters");
    }

    /// <summary>BUFF: float array of the buffers.</summary>
    private sealed class BuffersSection() : CheckpointSection("BUFF")
    {
        public override bool IsPresent(CheckpointContents c) => true;

        public override void Write(ByteWriter w, CheckpointContents c) => w.WriteFloats(c.Buffers);

        public override void Read(ref ByteReader r, CheckpointContents c) => c.Buffers = r.ReadFloats("buffers");
    }

    /// <summary>NRNG: 4 × u64 network random state.</summary>
    private sealed class NetworkRngSection() : CheckpointSection("NRNG")
    {
        public override bool IsPresent(CheckpointContents c) => true;

        public override void Write(ByteWriter w, CheckpointContents c) => WriteRngState(w, c.NetworkRng!);

        public override void Read(ref ByteReader r, CheckpointContents c) => c.NetworkRng = ReadRngState(ref r);
    }

    /// <summary>OPTM: string type name | f32 learning rate | i64 step count | i32 n | n × (string name, float array).</summary>
    private sealed class OptimizerSection() : CheckpointSection("OPTM")
    {
        public override bool IsPresent(CheckpointContents c) => c.Optimizer is not null;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            CheckpointOptimizer optimizer = c.Optimizer!;
            w.WriteString(optimizer.TypeName);
            w.WriteSingle(optimizer.LearningRate);
            w.WriteInt64(optimizer.State.StepCount);
            w.WriteInt32(optimizer.State.Names.Count);
            for (int k = 0; k < optimizer.State.Names.Count; k++)
            {
                w.WriteString(optimizer.State.Names[k]);
                w.WriteFloats(optimizer.State.Buffers[k]);
            }
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
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

            c.Optimizer = new CheckpointOptimizer(typeName, learningRate, new OptimizerState(steps, names, states));
        }
    }

    /// <summary>OHYP (v2, with OPTM): i32 n | n × (string name, f64 value), sorted by name.</summary>
    private sealed class HyperparametersSection() : CheckpointSection("OHYP")
    {
        public override bool IsPresent(CheckpointContents c) => c.Optimizer?.Hyperparameters is not null;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            IReadOnlyDictionary<string, double> hyperparameters = c.Optimizer!.Hyperparameters!;
            var names = new List<string>(hyperparameters.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                w.WriteString(name);
                w.WriteDouble(hyperparameters[name]);
            }
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            int count = r.ReadCount("hyperparameter", r.Remaining / 12);
            c.Hyperparameters = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int k = 0; k < count; k++)
            {
                string key = r.ReadString("hyperparameter name");
                if (!c.Hyperparameters.TryAdd(key, r.ReadDouble()))
                {
                    throw r.Fail($"names hyperparameter '{key}' twice");
                }
            }
        }
    }

    /// <summary>TRST: i32 completed epochs | i64 step | 4 × u64 shuffle state | 4 × u64 augmentation state | f32 base lr | f32 lr scale.</summary>
    private sealed class TrainingSection() : CheckpointSection("TRST")
    {
        public override bool IsPresent(CheckpointContents c) => c.Training is not null;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            TrainingState training = c.Training!;
            w.WriteInt32(training.CompletedEpochs);
            w.WriteInt64(training.Step);
            WriteRngState(w, training.ShuffleRngState);
            WriteRngState(w, training.AugmentationRngState);
            w.WriteSingle(training.BaseLearningRate);
            w.WriteSingle(training.LearningRateScale);
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            int epochs = r.ReadInt32();
            long step = r.ReadInt64();
            var shuffle = ValueArray<ulong>.Own(ReadRngState(ref r));
            var augmentation = ValueArray<ulong>.Own(ReadRngState(ref r));
            float baseLr = r.ReadSingle();
            float scale = r.ReadSingle();
            c.Training = new TrainingState(epochs, step, shuffle, augmentation, baseLr, scale, Array.Empty<EpochMetrics>());
        }
    }

    /// <summary>RSET (v2, with TRST): i32 batch size | i32 epochs | i32 training sample count, the run settings a resume must match.</summary>
    private sealed class RunSettingsSection() : CheckpointSection("RSET")
    {
        public override bool IsPresent(CheckpointContents c) => c.Training?.Settings is not null;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            TrainingRunSettings settings = c.Training!.Settings!;
            w.WriteInt32(settings.BatchSize);
            w.WriteInt32(settings.Epochs);
            w.WriteInt32(settings.TrainCount);
        }

        public override void Read(ref ByteReader r, CheckpointContents c) => c.Settings = new TrainingRunSettings(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
    }

    /// <summary>CBKS: i32 n | n × (string callback state name, i32 length, bytes), sorted by name: the callbacks' states, each encoded by its record (e.g. <see cref="EarlyStoppingState.ToBytes"/>).</summary>
    private sealed class CallbacksSection() : CheckpointSection("CBKS")
    {
        public override bool IsPresent(CheckpointContents c) => c.Training is { CallbackStates.Count: > 0 };

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            IReadOnlyDictionary<string, byte[]> states = c.Training!.CallbackStates;
            var names = new List<string>(states.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                byte[] state = states[name];
                w.WriteString(name);
                w.WriteInt32(state.Length);
                w.WriteBytes(state);
            }
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            int callbacks = r.ReadCount("callback state", r.Remaining / 8);
            for (int k = 0; k < callbacks; k++)
            {
                string key = r.ReadString("callback name");
                int stateLength = r.ReadCount(key + " state length", r.Remaining);
                if (!c.CallbackStates.TryAdd(key, r.Take(stateLength).ToArray()))
                {
                    throw r.Fail($"names callback '{key}' twice");
                }
            }
        }
    }

    /// <summary>HIST: i32 n | n × (i32 epoch, f64 train loss, f64 train acc, u8+f64 val loss, u8+f64 val acc, i64 duration ticks, f64 samples/s, f32 lr).</summary>
    private sealed class HistorySection() : CheckpointSection("HIST")
    {
        public override bool IsPresent(CheckpointContents c) => c.Training is not null || c.History is { Count: > 0 };

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            List<EpochMetrics> history = c.History ?? [];
            w.WriteInt32(history.Count);
            foreach (EpochMetrics m in history)
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
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            int n = r.ReadCount("epoch", r.Remaining / 40);
            c.History = new List<EpochMetrics>(n);
            for (int e = 0; e < n; e++)
            {
                c.History.Add(new EpochMetrics(
                    r.ReadInt32(),
                    r.ReadDouble(),
                    r.ReadDouble(),
                    ReadOptional(ref r),
                    ReadOptional(ref r),
                    TimeSpan.FromTicks(r.ReadInt64()),
                    r.ReadDouble(),
                    r.ReadSingle()));
            }
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
    }

    /// <summary>PENL: i32 n | n × f64 training penalty per epoch of HIST (written when any is non-zero).</summary>
    private sealed class PenaltiesSection() : CheckpointSection("PENL")
    {
        public override bool IsPresent(CheckpointContents c) => c.History is { } history && history.Exists(m => m.TrainPenalty != 0);

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            w.WriteInt32(c.History!.Count);
            foreach (EpochMetrics m in c.History)
            {
                w.WriteDouble(m.TrainPenalty);
            }
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            c.Penalties = new double[r.ReadCount("epoch penalty", r.Remaining / 8)];
            for (int e = 0; e < c.Penalties.Length; e++)
            {
                c.Penalties[e] = r.ReadDouble();
            }
        }
    }

    /// <summary>PREP: i32 n | n × (string name, float array), sorted by name: preprocessing statistics.</summary>
    private sealed class PreprocessingSection() : CheckpointSection("PREP")
    {
        public override bool IsPresent(CheckpointContents c) => c.Preprocessing.Count > 0;

        public override void Write(ByteWriter w, CheckpointContents c)
        {
            var names = new List<string>(c.Preprocessing.Keys);
            names.Sort(StringComparer.Ordinal); // the same content gives the same bytes
            w.WriteInt32(names.Count);
            foreach (string name in names)
            {
                w.WriteString(name);
                w.WriteFloats(c.Preprocessing[name]);
            }
        }

        public override void Read(ref ByteReader r, CheckpointContents c)
        {
            int arrays = r.ReadCount("preprocessing array", r.Remaining / 8);
            for (int k = 0; k < arrays; k++)
            {
                string key = r.ReadString("preprocessing name");
                if (!c.Preprocessing.TryAdd(key, r.ReadFloats(key)))
                {
                    throw r.Fail($"names '{key}' twice");
                }
            }
        }
    }

    private static void WriteRngState(ByteWriter w, IReadOnlyList<ulong> state)
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
}
