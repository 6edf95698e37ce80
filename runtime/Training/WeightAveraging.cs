using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Kernels;

namespace NetGen.Training;

/// <summary>
/// Keeps an exponential moving average of a network's parameters (a "shadow" copy) during training, updated after
/// every optimizer step as <c>shadow = decay·shadow + (1 − decay)·x</c> (computed as torch's
/// <c>lerp(shadow, x, 1 − decay)</c>). The averaged weights usually evaluate better than the last ones; use
/// <see cref="Swap"/> to evaluate with them and then get the live weights back, or <see cref="CopyTo"/> to keep them.
/// </summary>
/// <remarks>
/// The shadow starts as a copy of the live parameters at the start of each new run (and of a resumed run, unless this
/// instance already holds a shadow of the same size). Its state (<see cref="GetState"/>) is saved in the trainer's
/// checkpoints, so a resumed run continues the same average. Buffers (batch-norm running statistics) are
/// averaged too only when <see cref="IncludeBuffers"/> is set; otherwise a swap keeps the live buffers, like torch's
/// <c>AveragedModel(use_buffers=False)</c>.
/// </remarks>
public sealed class ExponentialMovingAverage : TrainingCallback, IStateful<ExponentialMovingAverageState>, ICheckpointedCallback
{
    private float[] _parameters = [];
    private float[] _buffers = [];
    private bool _initialized;
    private NetworkBase? _swappedInto;

    /// <summary>Creates the average.</summary>
    /// <param name="decay">The weight of the old average at each update, in [0, 1) (default 0.995: a memory of about 200 steps).</param>
    /// <param name="includeBuffers">Whether to average the network's buffers (running statistics) as well.</param>
    public ExponentialMovingAverage(float decay = 0.995f, bool includeBuffers = false)
    {
        if (decay is not (>= 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must be in [0, 1).");
        }

        Decay = decay;
        IncludeBuffers = includeBuffers;
    }

    /// <summary>The weight of the old average at each update.</summary>
    public float Decay { get; }

    /// <summary>Whether the network's buffers are averaged too.</summary>
    public bool IncludeBuffers { get; }

    /// <summary>The number of updates since the shadow was last initialized.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>The averaged parameters, laid out like <see cref="NetworkBase.Parameters"/> (empty before initialization).</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The averaged buffers when <see cref="IncludeBuffers"/> is set, else empty.</summary>
    public ReadOnlySpan<float> Buffers => _buffers;

    /// <summary>Whether the averaged weights are currently swapped into a network.</summary>
    public bool IsSwapped => _swappedInto is not null;

    /// <summary>Starts the average over: the shadow becomes a copy of <paramref name="network"/>'s current parameters (and buffers).</summary>
    /// <param name="network">The network to average.</param>
    public void Reset(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ThrowIfSwapped();
        if (_parameters.Length != network.ParameterCount)
        {
            _parameters = new float[network.ParameterCount];
        }

        network.Parameters.CopyTo(_parameters);
        if (IncludeBuffers)
        {
            if (_buffers.Length != network.Buffers.Length)
            {
                _buffers = new float[network.Buffers.Length];
            }

            network.Buffers.CopyTo(_buffers);
        }

        UpdateCount = 0;
        _initialized = true;
    }

    /// <summary>Folds <paramref name="network"/>'s current parameters (and buffers) into the average; allocates nothing.</summary>
    /// <param name="network">The network being averaged (the one passed to <see cref="Reset"/>, or one of the same layout).</param>
    public void Update(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ThrowIfSwapped();
        if (!_initialized)
        {
            Reset(network);
            return;
        }

        CheckLayout(network);
        float weight = 1f - Decay;
        Lerp(_parameters, network.Parameters, weight);
        if (IncludeBuffers)
        {
            Lerp(_buffers, network.Buffers, weight);
        }

        UpdateCount++;
    }

    /// <summary>Overwrites <paramref name="network"/>'s parameters (and buffers, if averaged) with the averaged ones.</summary>
    /// <param name="network">A network of the averaged layout.</param>
    public void CopyTo(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ThrowIfSwapped();
        CheckInitialized();
        CheckLayout(network);
        _parameters.CopyTo(network.Parameters);
        if (IncludeBuffers)
        {
            _buffers.CopyTo(network.Buffers);
        }
    }

    /// <summary>
    /// Exchanges the averaged weights with <paramref name="network"/>'s live ones until the returned scope is disposed,
    /// which exchanges them back bit for bit: <c>using (ema.Swap(net)) { Trainer.Evaluate(net, test); }</c>.
    /// Allocates nothing; <see cref="Update"/> is refused while swapped.
    /// </summary>
    /// <param name="network">A network of the averaged layout.</param>
    /// <returns>The scope whose disposal restores the live weights.</returns>
    public AveragedWeightsScope Swap(NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ThrowIfSwapped();
        CheckInitialized();
        CheckLayout(network);
        Exchange(network);
        _swappedInto = network;
        return new AveragedWeightsScope(this, network);
    }

    /// <summary>Initializes the shadow from the live network at the start of a new run, or of a resumed run when none of its size exists.</summary>
    /// <param name="context">The run.</param>
    public override void OnTrainingStart(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Epoch == 0 || !_initialized || _parameters.Length != context.Network.ParameterCount)
        {
            Reset(context.Network);
        }
    }

    /// <summary>Folds the parameters after the step into the average.</summary>
    /// <param name="context">The run.</param>
    public override void OnStepEnd(TrainingContext context) => Update(context.Network);

    /// <summary>The name a checkpoint saves this callback's state under (change it when a run has two).</summary>
    public string StateName { get; init; } = "ExponentialMovingAverage";

    /// <summary>The averaged parameters (and buffers), if any yet, and the update count.</summary>
    /// <returns>A copy of the average's state.</returns>
    /// <exception cref="InvalidOperationException">The averages are swapped into a network.</exception>
    public ExponentialMovingAverageState GetState()
    {
        ThrowIfSwapped();
        SavedWeights? average = _initialized
            ? new SavedWeights(CallbackStateBytes.Copy(_parameters), CallbackStateBytes.Copy(IncludeBuffers ? _buffers : []))
            : null;
        return new ExponentialMovingAverageState(IncludeBuffers, UpdateCount, average);
    }

    /// <summary>
    /// Takes a state from <see cref="GetState"/> (on resume, after <see cref="OnTrainingStart"/>). When this instance
    /// already holds an average, the saved one must have its size; an empty instance takes the saved size.
    /// </summary>
    /// <param name="state">The state to take.</param>
    /// <exception cref="ArgumentException">The state was saved with another buffer setting or network size; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The averages are swapped into a network.</exception>
    public void SetState(ExponentialMovingAverageState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ThrowIfSwapped();
        StateCheck.CallbackFits(
            state.IncludeBuffers == IncludeBuffers, StateName, $"was saved with includeBuffers: {state.IncludeBuffers}, but this callback has {IncludeBuffers}.");
        StateCheck.CallbackFits(state.UpdateCount >= 0, StateName, "has a negative update count.");
        if (state.Average is { } average)
        {
            int buffers = IncludeBuffers ? average.Buffers.Count : 0;
            StateCheck.CallbackFits(
                IncludeBuffers || average.Buffers.Count == 0, StateName, "holds averaged buffers, but this callback does not average them.");
            if (_initialized)
            {
                StateCheck.CallbackFits(
                    average.Parameters.Count == _parameters.Length && (!IncludeBuffers || buffers == _buffers.Length),
                    StateName,
                    $"holds {average.Parameters.Count} parameters and {buffers} buffer values but the average has {_parameters.Length} and {_buffers.Length}.");
            }

            _parameters = average.Parameters.Span.ToArray();
            if (IncludeBuffers)
            {
                _buffers = average.Buffers.Span.ToArray();
            }
        }

        _initialized = state.Average is not null;
        UpdateCount = state.UpdateCount;
    }

    /// <inheritdoc />
    byte[] ICheckpointedCallback.EncodeState() => GetState().ToBytes();

    /// <inheritdoc />
    void ICheckpointedCallback.DecodeState(ReadOnlySpan<byte> bytes) => CallbackStateBytes.Take(ExponentialMovingAverageState.Decode(bytes, StateName), SetState);

    /// <summary>Swaps back, if <paramref name="network"/> holds the averaged weights of this instance.</summary>
    internal void Restore(NetworkBase network)
    {
        if (ReferenceEquals(_swappedInto, network))
        {
            Exchange(network);
            _swappedInto = null;
        }
    }

    private void Exchange(NetworkBase network)
    {
        SwapContents(_parameters, network.Parameters);
        if (IncludeBuffers)
        {
            SwapContents(_buffers, network.Buffers);
        }
    }

    private void ThrowIfSwapped()
    {
        if (_swappedInto is not null)
        {
            throw new InvalidOperationException("The averaged weights are swapped into a network; dispose the scope returned by Swap first.");
        }
    }

    private void CheckInitialized()
    {
        if (!_initialized)
        {
            throw new InvalidOperationException("The average holds nothing yet; call Reset(network) or train with this callback first.");
        }
    }

    private void CheckLayout(NetworkBase network)
    {
        if (network.ParameterCount != _parameters.Length || (IncludeBuffers && network.Buffers.Length != _buffers.Length))
        {
            throw new ArgumentException(
                $"The network has {network.ParameterCount} parameters and {network.Buffers.Length} buffer values but the average holds {_parameters.Length} and {_buffers.Length}.",
                nameof(network));
        }
    }

    /// <summary><c>s[i] += w·(x[i] − s[i])</c>.</summary>
    private static void Lerp(Span<float> s, ReadOnlySpan<float> x, float w) => LaneLoop.Apply(new LerpOp(w), x, s);

    private readonly struct LerpOp(float w) : ILaneOp
    {
        public T Apply<T>(T x, T s)
            where T : struct, ILanes<T> => s + ((x - s) * w);
    }

    private static void SwapContents(Span<float> a, Span<float> b)
    {
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length, i = 0;
        for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
        {
            Vector<float> va = Vector.LoadUnsafe(ref ra, i);
            Vector.LoadUnsafe(ref rb, i).StoreUnsafe(ref ra, i);
            va.StoreUnsafe(ref rb, i);
        }

        for (; i < n; i++)
        {
            (Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i)) = (Unsafe.Add(ref rb, i), Unsafe.Add(ref ra, i));
        }
    }
}

/// <summary>The scope of <see cref="ExponentialMovingAverage.Swap"/>: disposing it puts the live weights back (once; later disposals do nothing).</summary>
public readonly struct AveragedWeightsScope : IDisposable
{
    private readonly ExponentialMovingAverage? _average;
    private readonly NetworkBase? _network;

    internal AveragedWeightsScope(ExponentialMovingAverage average, NetworkBase network)
    {
        _average = average;
        _network = network;
    }

    /// <summary>Restores the live weights into the network.</summary>
    public void Dispose()
    {
        if (_average is not null && _network is not null)
        {
            _average.Restore(_network);
        }
    }
}
