using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// The callbacks' typed states (<see cref="IStateful{TState}"/>): value equality, validation before any change, and
/// an encoding equal to the layout checkpoints have always held, written here field by field with a
/// <see cref="BinaryWriter"/>.
/// </summary>
public class CallbackStateTests
{
    private static SavedWeights Weights(float[] parameters, float[] buffers) => new(new ValueArray<float>(parameters), new ValueArray<float>(buffers));

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            write(writer);
        }

        return stream.ToArray();
    }

    private static void Floats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (float v in values)
        {
            w.Write(v);
        }
    }

    [Fact]
    public void States_are_equal_by_value_not_by_array_reference()
    {
        var a = new EarlyStoppingState(EarlyStoppingMonitor.TrainLoss, 4, 0.5, 1, 0, Weights([1f, 2f, 3f], [4f]));
        var b = new EarlyStoppingState(EarlyStoppingMonitor.TrainLoss, 4, 0.5, 1, 0, Weights([1f, 2f, 3f], [4f]));
        var c = new EarlyStoppingState(EarlyStoppingMonitor.TrainLoss, 4, 0.5, 1, 0, Weights([1f, 2f, 3.5f], [4f]));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, a with { BestWeights = null });
    }

    [Fact]
    public void Encodings_keep_the_checkpoint_layout_and_read_back_equal()
    {
        var early = new EarlyStoppingState(EarlyStoppingMonitor.TrainLoss, 4, 0.5, 1, 0, Weights([1f, 2f, 3f], [4f]));
        byte[] earlyBytes = Bytes(w =>
        {
            w.Write((int)EarlyStoppingMonitor.TrainLoss);
            w.Write(4);
            w.Write(0.5);
            w.Write(1);
            w.Write(0);
            w.Write(true);
            Floats(w, [1f, 2f, 3f]);
            Floats(w, [4f]);
        });
        Assert.Equal(earlyBytes, early.ToBytes());
        Assert.Equal(early, EarlyStoppingState.FromBytes(earlyBytes));

        var average = new ExponentialMovingAverageState(IncludeBuffers: false, UpdateCount: 7, Weights([0.25f, -1f], []));
        byte[] averageBytes = Bytes(w =>
        {
            w.Write(false);
            w.Write(true);
            w.Write(7L);
            Floats(w, [0.25f, -1f]);
        });
        Assert.Equal(averageBytes, average.ToBytes());
        Assert.Equal(average, ExponentialMovingAverageState.FromBytes(averageBytes));

        var plateau = new ReduceLearningRateOnPlateauState(PlateauMonitor.ValidationAccuracy, 0.75, 2, 1, 3);
        byte[] plateauBytes = Bytes(w =>
        {
            w.Write((int)PlateauMonitor.ValidationAccuracy);
            w.Write(0.75);
            w.Write(2);
            w.Write(1);
            w.Write(3);
        });
        Assert.Equal(plateauBytes, plateau.ToBytes());
        Assert.Equal(plateau, ReduceLearningRateOnPlateauState.FromBytes(plateauBytes));

        Assert.Contains("1 bytes the callback did not read", Assert.Throws<InvalidDataException>(() => ReduceLearningRateOnPlateauState.FromBytes([.. plateauBytes, 0])).Message);
        Assert.Throws<InvalidDataException>(() => ReduceLearningRateOnPlateauState.FromBytes(plateauBytes.AsSpan(0, plateauBytes.Length - 1)));
    }

    [Fact]
    public void Early_stopping_checks_a_state_before_taking_it()
    {
        var callback = new EarlyStopping(EarlyStoppingMonitor.ValidationLoss);
        var state = new EarlyStoppingState(EarlyStoppingMonitor.ValidationLoss, 2, 0.3, 1, 0, Weights([1f, 2f, 3f], [4f]));
        callback.SetState(state);
        Assert.Equal(state, callback.GetState());

        Assert.Throws<ArgumentException>(() => callback.SetState(state with { Monitor = EarlyStoppingMonitor.TrainLoss, BestEpoch = 9 }));
        Assert.Throws<ArgumentException>(() => callback.SetState(state with { BestEpoch = 9, BestWeights = Weights([1f, 2f], [4f]) }));
        Assert.Throws<ArgumentException>(() => callback.SetState(state with { BestEpoch = 9, BestWeights = null }));
        Assert.Equal(state, callback.GetState()); // nothing changed

        // A callback that does not restore weights ignores saved ones and saves none.
        var noWeights = new EarlyStopping(EarlyStoppingMonitor.ValidationLoss, restoreBestWeights: false);
        noWeights.SetState(state);
        Assert.Equal(state with { BestWeights = null }, noWeights.GetState());
    }

    [Fact]
    public void Weight_average_checks_a_state_before_taking_it_and_the_state_is_a_copy()
    {
        var net = new KitchenSinkNet(seed: 3);
        var average = new ExponentialMovingAverage(0.9f, includeBuffers: true);
        average.Reset(net);
        ExponentialMovingAverageState state = average.GetState();
        Assert.Equal(net.ParameterCount, state.Average!.Parameters.Count);
        Assert.Equal(net.Buffers.Length, state.Average.Buffers.Count);

        float[] shorter = state.Average.Parameters.Span[1..].ToArray();
        Assert.Throws<ArgumentException>(() => average.SetState(state with { UpdateCount = 5, Average = Weights(shorter, state.Average.Buffers.Span.ToArray()) }));
        Assert.Throws<ArgumentException>(() => average.SetState(state with { IncludeBuffers = false, UpdateCount = 5 }));
        Assert.Equal(state, average.GetState()); // nothing changed

        net.Parameters[0] += 1f;
        average.Update(net); // the average moves; the state taken before does not
        Assert.NotEqual(state, average.GetState());
        var fresh = new ExponentialMovingAverage(0.9f, includeBuffers: true);
        fresh.SetState(average.GetState());
        Assert.Equal(average.GetState(), fresh.GetState());
    }

    [Fact]
    public void A_plateau_schedule_given_the_state_continues_like_the_original()
    {
        var original = new ReduceLearningRateOnPlateau(PlateauMonitor.TrainLoss, factor: 0.5f, patience: 1, cooldown: 1);
        double[] losses = [1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9];
        float scale = 1f;
        for (int e = 0; e < 4; e++)
        {
            scale = original.Step(losses[e], scale);
        }

        var copy = new ReduceLearningRateOnPlateau(PlateauMonitor.TrainLoss, factor: 0.5f, patience: 1, cooldown: 1);
        copy.SetState(original.GetState());
        Assert.Throws<ArgumentException>(() => new ReduceLearningRateOnPlateau(PlateauMonitor.TrainAccuracy).SetState(original.GetState()));
        float copyScale = scale;
        for (int e = 4; e < losses.Length; e++)
        {
            scale = original.Step(losses[e], scale);
            copyScale = copy.Step(losses[e], copyScale);
            Assert.Equal(scale, copyScale);
            Assert.Equal(original.GetState(), copy.GetState());
        }

        Assert.True(original.Reductions >= 2, "the sequence should cut the rate more than once");
    }
}
