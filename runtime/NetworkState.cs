using System;
using System.Collections.Generic;

namespace NetGen;

/// <summary>
/// A network's state (<see cref="NetworkBase.GetState"/>): what it is (architecture text, fingerprint and tensor
/// tables) and what it holds (parameters, buffers such as batch-norm running statistics, and the random state of
/// <see cref="NetworkBase.Random"/>).
/// </summary>
public sealed class NetworkState
{
    private readonly float[] _parameters;
    private readonly float[] _buffers;
    private readonly ulong[] _randomState;

    /// <summary>Creates a network state; the arrays are kept, not copied.</summary>
    /// <param name="architecture">The <see cref="NetworkBase.Architecture"/> text.</param>
    /// <param name="fingerprint">The <see cref="NetworkBase.ArchitectureFingerprint"/>.</param>
    /// <param name="parameterTensors">The parameter tensor table (offsets into <paramref name="parameters"/>).</param>
    /// <param name="bufferTensors">The buffer tensor table (offsets into <paramref name="buffers"/>).</param>
    /// <param name="parameters">The parameters in the network's flat layout.</param>
    /// <param name="buffers">The buffers in the network's flat layout.</param>
    /// <param name="randomState">The four state words of the network's random source.</param>
    /// <exception cref="ArgumentException">The random state is not four words.</exception>
    public NetworkState(
        string architecture,
        ulong fingerprint,
        IReadOnlyList<ParameterTensor> parameterTensors,
        IReadOnlyList<ParameterTensor> bufferTensors,
        float[] parameters,
        float[] buffers,
        ulong[] randomState)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameterTensors);
        ArgumentNullException.ThrowIfNull(bufferTensors);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(randomState);
        if (randomState.Length != 4)
        {
            throw new ArgumentException($"A random state is four words, not {randomState.Length}.", nameof(randomState));
        }

        Architecture = architecture;
        Fingerprint = fingerprint;
        ParameterTensors = parameterTensors;
        BufferTensors = bufferTensors;
        _parameters = parameters;
        _buffers = buffers;
        _randomState = randomState;
    }

    /// <summary>The architecture text of the network that was saved.</summary>
    public string Architecture { get; }

    /// <summary>The architecture fingerprint of the network that was saved.</summary>
    public ulong Fingerprint { get; }

    /// <summary>The parameter tensor table.</summary>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>The buffer tensor table.</summary>
    public IReadOnlyList<ParameterTensor> BufferTensors { get; }

    /// <summary>The parameters.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The buffers (running statistics).</summary>
    public ReadOnlySpan<float> Buffers => _buffers;

    /// <summary>The four state words of the network's random source.</summary>
    public ReadOnlySpan<ulong> RandomState => _randomState;
}
