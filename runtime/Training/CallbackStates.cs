using System;
using System.IO;
using NetGen.Serialization;

namespace NetGen.Training;

/// <summary>
/// The state of an <see cref="EarlyStopping"/> callback (<see cref="EarlyStopping.GetState"/>): the best value and
/// epoch, the counters, and the best epoch's weights when the callback restores them.
/// </summary>
/// <param name="Monitor">The metric the callback watched.</param>
/// <param name="BestEpoch">The epoch with the best metric, or 0 before any epoch improved.</param>
/// <param name="BestValue">The best value of the metric (NaN before the first improvement).</param>
/// <param name="EpochsWithoutImprovement">The epochs since the last improvement.</param>
/// <param name="StoppedEpoch">The epoch after which the callback stopped the run, or 0.</param>
/// <param name="BestWeights">The best epoch's weights; null when the callback does not restore them or no epoch improved yet.</param>
public sealed record EarlyStoppingState(
    EarlyStoppingMonitor Monitor,
    int BestEpoch,
    double BestValue,
    int EpochsWithoutImprovement,
    int StoppedEpoch,
    SavedWeights? BestWeights)
{
    /// <summary>The bytes a checkpoint holds for this state (section CBKS).</summary>
    /// <returns>i32 monitor | i32 best epoch | f64 best value | i32 epochs without improvement | i32 stopped epoch | u8 has weights | [float array parameters | float array buffers].</returns>
    public byte[] ToBytes() => CallbackStateBytes.Encode(this, static (w, s) =>
    {
        w.WriteInt32((int)s.Monitor);
        w.WriteInt32(s.BestEpoch);
        w.WriteDouble(s.BestValue);
        w.WriteInt32(s.EpochsWithoutImprovement);
        w.WriteInt32(s.StoppedEpoch);
        CallbackStateBytes.WriteWeights(w, s.BestWeights, withBuffers: true);
    });

    /// <summary>Reads the bytes written by <see cref="ToBytes"/>.</summary>
    /// <param name="bytes">The saved state.</param>
    /// <returns>The state.</returns>
    /// <exception cref="InvalidDataException">The bytes are not such a state.</exception>
    public static EarlyStoppingState FromBytes(ReadOnlySpan<byte> bytes) => Decode(bytes, "EarlyStopping");

    internal static EarlyStoppingState Decode(ReadOnlySpan<byte> bytes, string name) => CallbackStateBytes.Decode(bytes, name, static (ref ByteReader r) => new EarlyStoppingState(
        (EarlyStoppingMonitor)r.ReadInt32(),
        r.ReadInt32(),
        r.ReadDouble(),
        r.ReadInt32(),
        r.ReadInt32(),
        CallbackStateBytes.ReadWeights(ref r, withBuffers: true)));
}

/// <summary>
/// The state of an <see cref="ExponentialMovingAverage"/> (<see cref="ExponentialMovingAverage.GetState"/>): the
/// averaged weights, if it holds any yet, and the number of updates.
/// </summary>
/// <param name="IncludeBuffers">Whether the average covers the network's buffers too.</param>
/// <param name="UpdateCount">The number of updates since the average was last initialized.</param>
/// <param name="Average">The averaged parameters (and buffers when <paramref name="IncludeBuffers"/>); null before initialization.</param>
public sealed record ExponentialMovingAverageState(bool IncludeBuffers, long UpdateCount, SavedWeights? Average)
{
    /// <summary>The bytes a checkpoint holds for this state (section CBKS).</summary>
    /// <returns>u8 include buffers | u8 initialized | i64 updates | [float array parameters | [float array buffers when include buffers]].</returns>
    public byte[] ToBytes() => CallbackStateBytes.Encode(this, static (w, s) =>
    {
        w.WriteByte(s.IncludeBuffers ? (byte)1 : (byte)0);
        w.WriteByte(s.Average is null ? (byte)0 : (byte)1);
        w.WriteInt64(s.UpdateCount);
        if (s.Average is not null)
        {
            CallbackStateBytes.WriteWeightArrays(w, s.Average, s.IncludeBuffers);
        }
    });

    /// <summary>Reads the bytes written by <see cref="ToBytes"/>.</summary>
    /// <param name="bytes">The saved state.</param>
    /// <returns>The state.</returns>
    /// <exception cref="InvalidDataException">The bytes are not such a state.</exception>
    public static ExponentialMovingAverageState FromBytes(ReadOnlySpan<byte> bytes) => Decode(bytes, "ExponentialMovingAverage");

    internal static ExponentialMovingAverageState Decode(ReadOnlySpan<byte> bytes, string name) => CallbackStateBytes.Decode(bytes, name, static (ref ByteReader r) =>
    {
        bool includeBuffers = CallbackStateBytes.ReadFlag(ref r);
        bool initialized = CallbackStateBytes.ReadFlag(ref r);
        long updates = r.ReadInt64();
        SavedWeights? average = initialized ? CallbackStateBytes.ReadWeightArrays(ref r, includeBuffers) : null;
        return new ExponentialMovingAverageState(includeBuffers, updates, average);
    });
}

/// <summary>
/// The state of a <see cref="ReduceLearningRateOnPlateau"/> (<see cref="ReduceLearningRateOnPlateau.GetState"/>): the
/// best value and the counters; the learning-rate scale itself is part of the <see cref="TrainingState"/>.
/// </summary>
/// <param name="Monitor">The metric the callback watched.</param>
/// <param name="Best">The best value seen.</param>
/// <param name="BadEpochs">The consecutive epochs without improvement.</param>
/// <param name="CooldownRemaining">The cooldown epochs left.</param>
/// <param name="Reductions">The reductions made.</param>
public sealed record ReduceLearningRateOnPlateauState(PlateauMonitor Monitor, double Best, int BadEpochs, int CooldownRemaining, int Reductions)
{
    /// <summary>The bytes a checkpoint holds for this state (section CBKS).</summary>
    /// <returns>i32 monitor | f64 best | i32 bad epochs | i32 cooldown left | i32 reductions.</returns>
    public byte[] ToBytes() => CallbackStateBytes.Encode(this, static (w, s) =>
    {
        w.WriteInt32((int)s.Monitor);
        w.WriteDouble(s.Best);
        w.WriteInt32(s.BadEpochs);
        w.WriteInt32(s.CooldownRemaining);
        w.WriteInt32(s.Reductions);
    });

    /// <summary>Reads the bytes written by <see cref="ToBytes"/>.</summary>
    /// <param name="bytes">The saved state.</param>
    /// <returns>The state.</returns>
    /// <exception cref="InvalidDataException">The bytes are not such a state.</exception>
    public static ReduceLearningRateOnPlateauState FromBytes(ReadOnlySpan<byte> bytes) => Decode(bytes, "ReduceLearningRateOnPlateau");

    internal static ReduceLearningRateOnPlateauState Decode(ReadOnlySpan<byte> bytes, string name) => CallbackStateBytes.Decode(bytes, name, static (ref ByteReader r) => new ReduceLearningRateOnPlateauState(
        (PlateauMonitor)r.ReadInt32(),
        r.ReadDouble(),
        r.ReadInt32(),
        r.ReadInt32(),
        r.ReadInt32()));
}

/// <summary>A copy of a network's parameters and buffers kept by a callback (best weights, averages), compared by value.</summary>
/// <param name="Parameters">The parameters, laid out like <see cref="NetworkBase.Parameters"/>.</param>
/// <param name="Buffers">The buffers, laid out like <see cref="NetworkBase.Buffers"/>; empty when the callback keeps none.</param>
public sealed record SavedWeights(ValueArray<float> Parameters, ValueArray<float> Buffers);

/// <summary>
/// The trainer's handle on a callback that saves its <see cref="IStateful{TState}"/> state in checkpoints: the name the
/// state is saved under and the state in the checkpoint's encoding. Internal: the trainer holds its callbacks as
/// <see cref="TrainingCallback"/>s and needs one non-generic way to reach each one's typed state.
/// </summary>
internal interface ICheckpointedCallback
{
    /// <summary>The name the state is saved under; unique among the run's callbacks.</summary>
    string StateName { get; }

    /// <summary>The callback's <c>GetState()</c>, encoded.</summary>
    byte[] EncodeState();

    /// <summary>Decodes a saved state and gives it to the callback's <c>SetState</c>.</summary>
    /// <exception cref="InvalidDataException">The bytes are damaged or the state does not fit the callback; nothing was changed.</exception>
    void DecodeState(ReadOnlySpan<byte> bytes);
}

/// <summary>The encoding shared by the callback states: little-endian, as the rest of a checkpoint, with checked lengths.</summary>
internal static class CallbackStateBytes
{
    public delegate T Reader<T>(ref ByteReader r);

    public static byte[] Encode<T>(T state, Action<ByteWriter, T> write)
    {
        var w = new ByteWriter(256);
        write(w, state);
        return w.WrittenSpan.ToArray();
    }

    public static T Decode<T>(ReadOnlySpan<byte> bytes, string name, Reader<T> read)
    {
        var r = new ByteReader(bytes, "training state", $"CBKS (callback '{name}')");
        T state = read(ref r);
        if (!r.AtEnd)
        {
            throw new InvalidDataException($"The saved state of callback '{name}' has {r.Remaining} bytes the callback did not read.");
        }

        return state;
    }

    /// <summary>Runs <paramref name="setState"/> and reports a state that does not fit as damaged data, naming the callback.</summary>
    public static void Take<T>(T state, Action<T> setState)
    {
        try
        {
            setState(state);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    public static bool ReadFlag(ref ByteReader r) => r.ReadByte() switch
    {
        0 => false,
        1 => true,
        byte b => throw r.Fail($"has a flag of {b}"),
    };

    /// <summary>u8 present | [float array parameters | [float array buffers]].</summary>
    public static void WriteWeights(ByteWriter w, SavedWeights? weights, bool withBuffers)
    {
        w.WriteByte(weights is null ? (byte)0 : (byte)1);
        if (weights is not null)
        {
            WriteWeightArrays(w, weights, withBuffers);
        }
    }

    public static SavedWeights? ReadWeights(ref ByteReader r, bool withBuffers)
        => ReadFlag(ref r) ? ReadWeightArrays(ref r, withBuffers) : null;

    public static void WriteWeightArrays(ByteWriter w, SavedWeights weights, bool withBuffers)
    {
        w.WriteFloats(weights.Parameters.Span);
        if (withBuffers)
        {
            w.WriteFloats(weights.Buffers.Span);
        }
    }

    public static SavedWeights ReadWeightArrays(ref ByteReader r, bool withBuffers)
    {
        float[] parameters = r.ReadFloats("parameters");
        float[] buffers = withBuffers ? r.ReadFloats("buffer values") : [];
        return new SavedWeights(ValueArray<float>.Own(parameters), ValueArray<float>.Own(buffers));
    }

    /// <summary>A copy of <paramref name="values"/> as an immutable array.</summary>
    public static ValueArray<float> Copy(ReadOnlySpan<float> values) => new(values);
}
