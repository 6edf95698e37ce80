using NetGen.Serialization;
using NetGen.Tests.Interop;
using NetGen.Training;

namespace NetGen.Tests.Checkpoints;

/// <summary>State records that hold arrays compare them by content, so equal states are equal whatever buffers they own.</summary>
public sealed class StateValueEqualityTests
{
    private static TrainingState State(ulong seed, byte callbackByte) =>
        new(2, 40, new ValueArray<ulong>([seed, 2, 3, 4]), new ValueArray<ulong>([5, 6, 7, 8]), 0.1f, 1f, [])
        {
            CallbackStates = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["early_stopping"] = [1, callbackByte] },
            Settings = new TrainingRunSettings(16, 3, 64),
        };

    [Fact]
    public void Training_states_with_equal_values_in_separate_arrays_are_equal()
    {
        TrainingState a = State(1, 9), b = State(1, 9);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Training_states_differing_in_a_random_state_or_a_callback_state_are_not_equal()
    {
        Assert.NotEqual(State(1, 9), State(2, 9));
        Assert.NotEqual(State(1, 9), State(1, 8));
    }

    [Fact]
    public void Safetensors_entries_of_two_parses_of_one_file_are_equal()
    {
        byte[] file = SafeTensorsTests.RawFile(("w", "F32", [2, 3], new byte[24]));
        SafeTensorInfo a = SafeTensorsFile.Parse(file).GetTensor("w");
        SafeTensorInfo b = SafeTensorsFile.Parse(file).GetTensor("w");
        Assert.Equal(a, b);
        Assert.Equal([2, 3], a.Shape);
        Assert.NotEqual(a, a with { Shape = new ValueArray<int>([3, 2]) });
    }
}
