using System;

namespace NetGen;

/// <summary>The network's state contract (<see cref="IStateful{TState}"/>): parameters, buffers and random state.</summary>
public abstract partial class NetworkBase : IStateful<NetworkState>
{
    /// <summary>A copy of the parameters, buffers and random state, with the architecture they belong to.</summary>
    /// <returns>The network's state.</returns>
    public NetworkState GetState()
    {
        var random = new ulong[4];
        Random.GetState(random);
        return new NetworkState(Architecture, ArchitectureFingerprint, [.. ParameterTensors], [.. BufferTensors], Parameters.ToArray(), Buffers.ToArray(), random);
    }

    /// <summary>Throws unless <paramref name="state"/> was taken from a network of this architecture and size; changes nothing.</summary>
    /// <param name="state">The state to check.</param>
    /// <param name="source">Where the state comes from, starting the messages (e.g. <c>Checkpoint 'run.ngck'</c>).</param>
    /// <exception cref="ArgumentException">The architecture or a size differs; the message names both architectures.</exception>
    public void ValidateState(NetworkState state, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (ArchitectureFingerprint != state.Fingerprint || !string.Equals(Architecture, state.Architecture, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{source} was saved from a different architecture than {GetType().Name}'s.\n" +
                $"  checkpoint (fingerprint 0x{state.Fingerprint:X16}): {state.Architecture}\n" +
                $"  network    (fingerprint 0x{ArchitectureFingerprint:X16}): {Architecture}",
                "network");
        }

        if (ParameterCount != state.Parameters.Length || Buffers.Length != state.Buffers.Length)
        {
            throw new ArgumentException(
                $"{source} holds {state.Parameters.Length} parameters and {state.Buffers.Length} buffer values but {GetType().Name} has {ParameterCount} and {Buffers.Length}.",
                "network");
        }
    }

    /// <summary>Takes the parameters, buffers and random state of <paramref name="state"/> (checked first by <see cref="ValidateState"/>).</summary>
    /// <param name="state">A state of a network of the same architecture.</param>
    /// <exception cref="ArgumentException">The state does not fit; nothing was changed.</exception>
    public void SetState(NetworkState state)
    {
        ValidateState(state, "The saved state");
        state.Parameters.CopyTo(Parameters);
        state.Buffers.CopyTo(Buffers);
        Random.SetState(state.RandomState);
    }
}
