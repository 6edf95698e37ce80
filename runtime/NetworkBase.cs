using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;

namespace NetGen;

/// <summary>Whether mode-dependent layers (dropout, batch normalization, …) behave as in training or in inference.</summary>
public enum NetworkMode
{
    /// <summary>Training behaviour: random masks, mini-batch statistics.</summary>
    Training = 0,

    /// <summary>Inference behaviour: deterministic, running statistics.</summary>
    Inference = 1,
}

/// <summary>What a parameter tensor is, so that optimizers and regularizers can treat kinds differently.</summary>
public enum ParameterRole
{
    /// <summary>A weight matrix or kernel.</summary>
    Weight = 0,

    /// <summary>A bias vector.</summary>
    Bias = 1,

    /// <summary>A normalization scale or shift.</summary>
    Normalization = 2,

    /// <summary>Any other learned parameter (for example a learned activation slope).</summary>
    Other = 3,
}

/// <summary>One named parameter tensor: a slice of the network's flat parameter buffer.</summary>
/// <param name="Name">The tensor's name, e.g. <c>dense0.weight</c>.</param>
/// <param name="LayerIndex">The index of the layer that owns it.</param>
/// <param name="Offset">Where it starts in <see cref="NetworkBase.Parameters"/>.</param>
/// <param name="Length">How many floats it holds.</param>
/// <param name="Shape">Its logical shape, e.g. [256, 784] for a weight matrix of 256 outputs and 784 inputs.</param>
/// <param name="Role">What kind of parameter it is.</param>
public sealed record ParameterTensor(string Name, int LayerIndex, int Offset, int Length, TensorShape Shape, ParameterRole Role);

/// <summary>The time one layer takes, from <see cref="NetworkBase.Profile"/>.</summary>
/// <param name="Index">The layer's position.</param>
/// <param name="Name">The layer's name.</param>
/// <param name="Kind">The layer kind.</param>
/// <param name="ForwardMilliseconds">Mean forward time per batch.</param>
/// <param name="BackwardMilliseconds">Mean backward time per batch.</param>
public sealed record LayerTiming(int Index, string Name, string Kind, double ForwardMilliseconds, double BackwardMilliseconds);

/// <summary>One row of a network's summary table.</summary>
/// <param name="Index">The layer's position (the input is not counted).</param>
/// <param name="Name">The layer's name, e.g. <c>dense0</c>.</param>
/// <param name="Kind">The layer kind as written in the declaration, e.g. <c>Dense</c>.</param>
/// <param name="OutputShape">The shape of one sample after the layer.</param>
/// <param name="ParameterCount">How many learned parameters the layer has.</param>
public sealed record LayerInfo(int Index, string Name, string Kind, TensorShape OutputShape, int ParameterCount);

/// <summary>
/// The base class of every generated network. It owns the buffers, allocated once: one flat parameter buffer, one
/// gradient buffer of the same layout, and one activation arena (plus its gradient mirror) sized for a batch capacity
/// that grows on demand. The generated subclass supplies the straight-line forward and backward code.
/// </summary>
/// <remarks>
/// <para>
/// <b>Thread safety.</b> An instance is not thread-safe, like most .NET objects: use it from one thread at a time.
/// Every call that touches its state (<see cref="Forward(ReadOnlySpan{float}, int)"/>, <c>Loss</c>, <c>Backward</c>,
/// <see cref="ZeroGradients"/>, <see cref="ArgMax"/>, <see cref="Profile"/>, …) claims the instance with one
/// interlocked operation, and a call that overlaps another thread's call throws <see cref="InvalidOperationException"/>
/// without touching anything, instead of returning a wrong result. Calls that merely interleave (a forward pass on one
/// thread, then a loss on another) cannot be told apart from sequential use and are not detected. The span returned by
/// <see cref="Forward(ReadOnlySpan{float}, int)"/> is valid until the next call on the instance from any thread; the
/// overload that copies into <c>output</c> does the copy while it holds the instance.
/// </para>
/// <para>
/// To serve requests from many threads, give each thread its own instance or use <see cref="NetworkPool{TNetwork}"/>,
/// whose instances (<see cref="CloneForInference"/>) share one copy of the parameters and have their own activations.
/// Separate instances may run concurrently: the compute workers of <see cref="Compute"/> are shared safely.
/// </para>
/// </remarks>
public abstract partial class NetworkBase
{
    private readonly AlignedBuffer _parameters;
    private readonly AlignedBuffer _gradients;

    // ZeroGradients left the gradients of the layers that write them to the next backward pass (see Gradients).
    private bool _gradientsPendingZero;

    // The backward pass running now writes those gradients (OverwriteParameterGradients).
    private bool _overwriteParameterGradients;

    // Which parameters each thread's share of the last backward pass wrote the gradients of (PublishUpdateSplit).
    private Kernels.UpdateSplit? _updateSplit;
    private Kernels.UpdateSplit? _previousUpdateSplit;
    private readonly AlignedBuffer _buffers;
    private int _owner; // the managed id of the thread inside a call, 0 when none (see Enter)
    private NetworkMode _mode;
    private readonly int _scratchPerThread;
    private AlignedBuffer _scratch;
    private readonly int _activationFloatsPerSample;
    private AlignedBuffer _activations;
    private AlignedBuffer _activationGradients;
    private int _capacity;
    private int _lastBatch;

    /// <summary>
    /// False after a forward pass that no backward pass may follow: one run by a <see cref="NetworkPrediction"/> helper,
    /// which may have left the input out of the arena (see <see cref="BeginForward(ReadOnlySpan{float}, int, int, bool)"/>).
    /// </summary>
    private bool _backwardMayFollow = true;

    /// <summary>Set by the <see cref="NetworkPrediction"/> helpers while they run their batches: no backward pass follows those.</summary>
    internal bool Predicting { get; set; }

    /// <summary>Creates the buffers; called by the generated constructor.</summary>
    /// <param name="parameterCount">The number of learned parameters.</param>
    /// <param name="activationFloatsPerSample">The floats the activation arena needs per sample.</param>
    /// <param name="bufferCount">The number of non-learned state values (e.g. batch-norm running statistics).</param>
    /// <param name="scratchFloats">Temporary floats some kernels need per thread (e.g. im2col), independent of the batch size.</param>
    /// <param name="seed">Seeds <see cref="Random"/>, the source of dropout masks and other training-time randomness.</param>
    protected NetworkBase(int parameterCount, int activationFloatsPerSample, int bufferCount = 0, int scratchFloats = 0, int seed = 0)
    {
        _parameters = new AlignedBuffer(parameterCount);
        _gradients = new AlignedBuffer(parameterCount);
        _buffers = new AlignedBuffer(bufferCount);
        _scratchPerThread = scratchFloats;
        _activationFloatsPerSample = activationFloatsPerSample;
        Random = new Rng(seed, stream: -1);
    }

    /// <summary>
    /// Creates an inference-only copy of <paramref name="prototype"/> that shares its parameter and buffer arrays (the
    /// same memory, not a snapshot) and has its own activation arena; called by the generated clone constructor.
    /// </summary>
    /// <param name="prototype">The network whose parameters and buffers the copy reads.</param>
    protected NetworkBase(NetworkBase prototype)
    {
        ArgumentNullException.ThrowIfNull(prototype);
        _parameters = prototype._parameters;
        _gradients = default; // an inference clone never back-propagates
        _buffers = prototype._buffers;
        _scratchPerThread = prototype._scratchPerThread;
        _activationFloatsPerSample = prototype._activationFloatsPerSample;
        _layout = prototype._layout;
        _mode = NetworkMode.Inference;
        _stateVersion = prototype._stateVersion; // the clone folds from the same memory, so it sees the prototype's changes
        FoldBatchNormForInference = prototype.FoldBatchNormForInference;
        CachePackedWeightsForInference = prototype.CachePackedWeightsForInference;
        IsInferenceClone = true;
        Random = new Rng(0, stream: -1);
    }

    /// <summary>
    /// True for a copy made by <see cref="CloneForInference"/>: it shares its parameters, runs in
    /// <see cref="NetworkMode.Inference"/> only and refuses <c>Backward</c> and <see cref="ZeroGradients"/>.
    /// </summary>
    public bool IsInferenceClone { get; }

    /// <summary>
    /// Returns a new instance of the same network that shares this one's <see cref="Parameters"/> and
    /// <see cref="Buffers"/> arrays (no copy: later changes to this network's parameters show in the clone) and has its
    /// own activation arena, so that the two can run inference on different threads at the same time.
    /// </summary>
    /// <remarks>
    /// The clone is inference-only: setting its <see cref="Mode"/> to training, <c>Backward</c> and
    /// <see cref="ZeroGradients"/> throw, and it has no gradient buffer. Writing the shared parameters (an optimizer
    /// step, loading a checkpoint, <see cref="InitializeParameters"/>) while a clone runs a forward pass is a data race
    /// that mixes old and new weights in that pass; change the parameters only while no clone is running. Training this
    /// network in <see cref="NetworkMode.Training"/> also updates shared buffers such as batch-norm running statistics.
    /// The clone starts with this network's <see cref="FoldBatchNormForInference"/> and
    /// <see cref="CachePackedWeightsForInference"/> settings; besides its arena it owns its folded batch-norm weights
    /// and packed dense weights when those are in use (<see cref="PackedWeightBytes"/>).
    /// </remarks>
    /// <returns>The clone, of this network's type.</returns>
    /// <exception cref="NotSupportedException">The network is not generated and does not override <see cref="CreateInferenceClone"/>.</exception>
    public NetworkBase CloneForInference()
    {
        NetworkBase clone = CreateInferenceClone();
        if (clone is null || clone.GetType() != GetType() || !clone.IsInferenceClone || !clone._parameters.SameMemory(_parameters))
        {
            throw new InvalidOperationException($"{GetType().Name}.CreateInferenceClone must return a {GetType().Name} made with the NetworkBase(prototype) constructor.");
        }

        return clone;
    }

    /// <summary>Creates the clone for <see cref="CloneForInference"/>; generated networks return <c>new T(this)</c>.</summary>
    /// <returns>A new instance built with <see cref="NetworkBase(NetworkBase)"/>.</returns>
    protected virtual NetworkBase CreateInferenceClone()
        => throw new NotSupportedException($"{GetType().Name} does not support CloneForInference; only generated networks do.");

    /// <summary>The number of floats in one input sample.</summary>
    public virtual int InputSize => RequireLayout().InputSize;

    /// <summary>The number of floats in one output sample.</summary>
    public virtual int OutputSize => RequireLayout().OutputSize;

    /// <summary>The number of learned parameters.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>All learned parameters in one flat buffer; <see cref="ParameterTensors"/> says what lives where.</summary>
    public Span<float> Parameters
    {
        get
        {
            NoteStateAccess();
            return _parameters.Span;
        }
    }

    /// <summary>
    /// The gradient of the loss with respect to <see cref="Parameters"/>, same layout. Backward passes add to it (after
    /// <see cref="ZeroGradients"/>, to zero).
    /// </summary>
    public Span<float> Gradients
    {
        get
        {
            if (_gradientsPendingZero)
            {
                ClearPendingGradients();
            }

            return _gradients.Span;
        }
    }

    /// <summary>
    /// True during a backward pass that follows <see cref="ZeroGradients"/> (with no backward pass between): the
    /// generated layers that declare <see cref="NetworkLayout.Layer.WritesParameterGradients"/> then write their
    /// parameters' gradients instead of adding to them, which <see cref="ZeroGradients"/> left uncleared.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    protected bool OverwriteParameterGradients => _overwriteParameterGradients;

    /// <summary>
    /// Non-learned state that inference depends on, such as batch normalization's running mean and variance (PyTorch
    /// calls these buffers). Saved with the parameters in checkpoints; optimizers never touch it.
    /// </summary>
    public Span<float> Buffers
    {
        get
        {
            NoteStateAccess();
            return _buffers.Span;
        }
    }

    /// <summary>The named tensors of <see cref="Buffers"/>.</summary>
    public virtual IReadOnlyList<ParameterTensor> BufferTensors => _layout?.BufferTensors ?? Array.Empty<ParameterTensor>();

    /// <summary>The random source of training-time randomness (dropout masks, random slopes, pooling regions).</summary>
    public Rng Random { get; set; }

    /// <summary>
    /// When true, training-mode layers reuse the masks and random values of the previous forward pass instead of
    /// drawing new ones (for gradient checks, which must see the same function on every evaluation).
    /// </summary>
    public bool FreezeRandomness { get; set; }

    /// <summary>
    /// A canonical description of the architecture (input shape, layers, output shapes, parameter tensors), written by
    /// the generator. Checkpoints record it so that weights are never loaded into a different network.
    /// </summary>
    public virtual string Architecture => _layout?.Architecture ?? GetType().FullName ?? GetType().Name;

    /// <summary>A 64-bit FNV-1a hash of <see cref="Architecture"/> (generated networks also have it as the constant <c>Fingerprint</c>).</summary>
    public virtual ulong ArchitectureFingerprint => _layout?.Fingerprint ?? Fnv1a(Architecture);

    /// <summary>The 64-bit FNV-1a hash of a string's UTF-16 code units (the generator uses the same function).</summary>
    /// <param name="text">The text to hash.</param>
    public static ulong Fnv1a(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return hash;
    }

    /// <summary>The named parameter tensors in buffer order.</summary>
    public virtual IReadOnlyList<ParameterTensor> ParameterTensors => RequireLayout().ParameterTensors;

    /// <summary>The layers with their output shapes and parameter counts.</summary>
    public virtual IReadOnlyList<LayerInfo> Layers => RequireLayout().Layers;

    /// <summary>Whether mode-dependent layers behave as in training or inference.</summary>
    /// <exception cref="InvalidOperationException">Training mode is set on an inference clone.</exception>
    public NetworkMode Mode
    {
        get => _mode;
        set
        {
            if (IsInferenceClone && value != NetworkMode.Inference)
            {
                throw new InvalidOperationException($"This {GetType().Name} is an inference clone sharing its parameters (CloneForInference, NetworkPool); it runs in inference mode only. Train the network it was cloned from.");
            }

            _mode = value;
        }
    }

    /// <summary>The batch size the activation arena currently holds without growing.</summary>
    public int BatchCapacity => _capacity;

    /// <summary>The batch size of the most recent <see cref="Forward(ReadOnlySpan{float}, int)"/> call (0 before the first).</summary>
    public int LastBatchSize => _lastBatch;

    /// <summary>Runs the network on <paramref name="batchSize"/> samples laid out one after another.</summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples; positive.</param>
    /// <returns>The outputs, <c>batchSize × OutputSize</c> floats, valid until the next call on this instance.</returns>
    /// <exception cref="InvalidOperationException">Another thread is using this instance (see the remarks on <see cref="NetworkBase"/>).</exception>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batchSize)
    {
        using Claim claim = Enter();
        return ForwardCore(input, batchSize);
    }

    /// <summary>
    /// Runs the network on <paramref name="batchSize"/> samples and copies the outputs into <paramref name="output"/>
    /// before it releases the instance, so the result cannot be overwritten by another call.
    /// </summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples; positive.</param>
    /// <param name="output">Receives the outputs, at least <c>batchSize × OutputSize</c> floats.</param>
    /// <exception cref="ArgumentException"><paramref name="output"/> is too short.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using this instance (see the remarks on <see cref="NetworkBase"/>).</exception>
    public void Forward(ReadOnlySpan<float> input, int batchSize, Span<float> output)
    {
        long needed = (long)Math.Max(batchSize, 0) * OutputSize;
        if (output.Length < needed)
        {
            throw new ArgumentException($"The output span holds {output.Length} floats but a batch of {batchSize} samples of {OutputSize} outputs needs {needed}.", nameof(output));
        }

        using Claim claim = Enter();
        ForwardCore(input, batchSize).CopyTo(output);
    }

    /// <summary>The mean loss of the last forward pass against class labels.</summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, or no forward pass ran yet.</exception>
    public float Loss(ReadOnlySpan<int> labels)
    {
        using Claim claim = Enter();
        return LossCore(labels);
    }

    /// <summary>The mean loss of the last forward pass against float targets (probabilities or regression targets).</summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, or no forward pass ran yet.</exception>
    public float Loss(ReadOnlySpan<float> targets)
    {
        using Claim claim = Enter();
        return LossCore(targets);
    }

    /// <summary>Back-propagates the mean loss of the last forward pass against class labels, adding to <see cref="Gradients"/>.</summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, no forward pass ran yet, or this is an inference clone.</exception>
    public void Backward(ReadOnlySpan<int> labels)
    {
        using Claim claim = EnterTraining();
        RequireBackwardMayFollow();
        StartBackward();
        bool succeeded = false;
        try
        {
            BackwardCore(labels);
            succeeded = true;
        }
        finally
        {
            EndBackward(succeeded);
        }
    }

    /// <summary>Back-propagates the mean loss of the last forward pass against float targets, adding to <see cref="Gradients"/>.</summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, no forward pass ran yet, or this is an inference clone.</exception>
    public void Backward(ReadOnlySpan<float> targets)
    {
        using Claim claim = EnterTraining();
        RequireBackwardMayFollow();
        StartBackward();
        bool succeeded = false;
        try
        {
            BackwardCore(targets);
            succeeded = true;
        }
        finally
        {
            EndBackward(succeeded);
        }
    }

    /// <summary>The forward pass (generated): see <see cref="Forward(ReadOnlySpan{float}, int)"/>, which claims the instance around it.</summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <returns>The outputs in the arena.</returns>
    protected abstract ReadOnlySpan<float> ForwardCore(ReadOnlySpan<float> input, int batchSize);


    /// <summary>
    /// Claims the instance for the calling thread: one compare-exchange, plus a thread-id read. The returned
    /// <see cref="Claim"/> releases it when disposed, unless the thread already held the instance (<see cref="Profile"/>
    /// calls <see cref="Forward(ReadOnlySpan{float}, int)"/>). Throws when another thread holds it.
    /// </summary>
    private Claim Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner == 0)
        {
            return new Claim(this, releases: true);
        }

        if (owner == me)
        {
            return new Claim(this, releases: false);
        }

        throw InUse();
    }

    /// <summary><see cref="Enter"/> for calls that need gradients, which an inference clone refuses.</summary>
    private Claim EnterTraining()
    {
        if (IsInferenceClone)
        {
            throw new InvalidOperationException($"This {GetType().Name} is an inference clone sharing its parameters (CloneForInference, NetworkPool); it cannot back-propagate. Train the network it was cloned from.");
        }

        return Enter();
    }

    /// <summary>Throws if the last forward pass was run by a prediction helper, which may have left no copy of its input for the backward pass (see <see cref="BeginForward(ReadOnlySpan{float}, int, int, bool)"/>).</summary>
    private void RequireBackwardMayFollow()
    {
        if (!_backwardMayFollow)
        {
            throw new InvalidOperationException(
                $"The last forward pass of this {GetType().Name} ran inside a NetworkPrediction helper (Predict, PredictClasses, PredictProbabilities), which does not keep the input for a backward pass; call Forward before Backward.");
        }
    }

    /// <summary>One call's hold on the instance (<c>using Claim claim = Enter();</c>); disposing it releases what the call claimed.</summary>
    private readonly ref struct Claim(NetworkBase network, bool releases)
    {
        public void Dispose()
        {
            if (releases)
            {
                Volatile.Write(ref network._owner, 0);
            }
        }
    }

    private InvalidOperationException InUse()
    {
        string name = GetType().Name;
        return new InvalidOperationException(
            $"{name} is already in use by another thread: a network instance is not thread-safe. Give each thread its own " +
            $"instance, or rent instances that share one copy of the parameters from a NetworkPool<{name}> (see docs/reliability.md).");
    }

    /// <summary>Re-initializes every parameter (and resets every buffer) deterministically from <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed; the same seed gives the same parameters on every machine.</param>
    /// <remarks>A generated network walks its layout's initialization tables; a hand-written subclass overrides this.</remarks>
    public virtual void InitializeParameters(int seed) => RequireLayout().Initialize(Parameters, Buffers, seed);

    /// <summary>Sets every gradient to zero; call it before each backward pass unless you accumulate on purpose.</summary>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, or this is an inference clone.</exception>
    /// <remarks>
    /// In a generated network the gradients of the layers that write them in the next backward pass (dense layers,
    /// <see cref="NetworkLayout.Layer.WritesParameterGradients"/>) are not cleared here but written by that pass; read
    /// before it, through <see cref="Gradients"/>, they are zero as documented. This saves a pass over most of the
    /// buffer per training step, and the weight-gradient products' read of it: 11–22 µs of the Fashion MLP's ~450–550 µs
    /// batch-64 step on one Zen 5 thread.
    /// </remarks>
    public void ZeroGradients()
    {
        using Claim claim = EnterTraining();
        if (_layout is { HasWrittenGradients: true } layout)
        {
            foreach ((long from, long to) in layout.GradientsAddedTo)
            {
                Kernels.FlatSplit.Clear(_gradients.Span[(int)from..(int)to]);
            }

            _gradientsPendingZero = true;
            return;
        }

        // In the optimizers' slices, so each thread clears the gradients it read in the last update.
        Kernels.FlatSplit.Clear(_gradients.Span);
    }

    /// <summary>Clears the gradients <see cref="ZeroGradients"/> left for the next backward pass to write, which has not run.</summary>
    private void ClearPendingGradients()
    {
        Kernels.FlatSplit.Clear(_gradients.Span);
        _gradientsPendingZero = false;
    }

    /// <summary>
    /// Starts a backward pass: tells the generated layers to write their parameters' gradients if
    /// <see cref="ZeroGradients"/> left them to it (<see cref="OverwriteParameterGradients"/>). The caller ends it with
    /// <see cref="EndBackward"/>.
    /// </summary>
    private void StartBackward()
    {
        _overwriteParameterGradients = _gradientsPendingZero;
        _gradientsPendingZero = false;
    }

    /// <summary>
    /// Ends a backward pass started by <see cref="StartBackward"/>. If it failed after <see cref="ZeroGradients"/>, some
    /// layers may have written their gradients while the others hold the previous step's: they read as zero again.
    /// </summary>
    private void EndBackward(bool succeeded)
    {
        _gradientsPendingZero = !succeeded && _overwriteParameterGradients;
        _overwriteParameterGradients = false;
        if (succeeded)
        {
            PublishUpdateSplit();
        }
    }

    /// <summary>
    /// Tells the optimizers which parameters each thread's share of this backward pass wrote the gradients of
    /// (<see cref="Kernels.UpdateSplit"/>), so that the update gives each thread the same ones. Built once per batch size
    /// and thread count; the last two are kept.
    /// </summary>
    private unsafe void PublishUpdateSplit()
    {
        int threads = Kernels.FlatSplit.Threads(_parameters.Length);
        if (threads <= 1 || _layout is not { HasWrittenGradients: true } layout)
        {
            return;
        }

        // Two kept: an epoch's last, smaller batch alternates with the full ones.
        Kernels.UpdateSplit? split = Fits(_updateSplit) ? _updateSplit : Fits(_previousUpdateSplit) ? _previousUpdateSplit : null;
        if (split is null)
        {
            fixed (float* p = _parameters.Span, g = _gradients.Span)
            {
                // Both buffers are pinned (AlignedBuffer), so their addresses identify them for as long as they live.
                split = Kernels.UpdateSplit.Create((nint)p, (nint)g, _parameters.Length, _lastBatch, layout.UpdateRanges(_lastBatch, threads));
            }
        }

        if (split != _updateSplit)
        {
            _previousUpdateSplit = _updateSplit;
            _updateSplit = split;
        }

        Kernels.UpdateSplit.Publish(split);

        bool Fits(Kernels.UpdateSplit? candidate) => candidate is not null && candidate.Threads == threads && candidate.Batch == _lastBatch;
    }

    /// <summary>Makes sure the activation arena holds <paramref name="batchSize"/> samples, allocating only when it grows.</summary>
    /// <param name="batchSize">The largest batch the next calls will use.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch needs more floats than an array holds; the network is unchanged.</exception>
    /// <exception cref="OutOfMemoryException">The arena could not be allocated; the network is unchanged and smaller batches still work.</exception>
    public void EnsureBatchCapacity(int batchSize)
    {
        using Claim claim = Enter();
        GrowArena(batchSize);
    }

    private void GrowArena(int batchSize)
    {
        if (batchSize <= _capacity)
        {
            return;
        }

        // Size first (in long, so the message cannot overflow), allocate both arrays, and only then commit: a batch
        // that is too large leaves the capacity and the arena as they were.
        long floats = (long)batchSize * _activationFloatsPerSample;
        if (floats > Array.MaxLength - 64)
        {
            throw new ArgumentOutOfRangeException(
                nameof(batchSize),
                batchSize,
                $"A batch of {batchSize.ToString("N0", CultureInfo.InvariantCulture)} samples needs {floats.ToString("N0", CultureInfo.InvariantCulture)} floats of activations " +
                $"({_activationFloatsPerSample.ToString("N0", CultureInfo.InvariantCulture)} per sample), more than an array holds ({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}); " +
                $"the largest batch is {((Array.MaxLength - 64) / Math.Max(1, _activationFloatsPerSample)).ToString("N0", CultureInfo.InvariantCulture)}.");
        }

        var activations = new AlignedBuffer((int)floats);
        AlignedBuffer activationGradients = IsInferenceClone ? default : new AlignedBuffer((int)floats);
        _activations = activations;
        _activationGradients = activationGradients;
        _capacity = batchSize;
    }

    /// <summary>Returns the index of the largest output of each sample of the last forward pass.</summary>
    /// <param name="predictions">Receives one class index per sample of the last batch.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance.</exception>
    public void ArgMax(Span<int> predictions)
    {
        using Claim claim = Enter();
        ArgMaxCore(predictions);
    }

    private void ArgMaxCore(Span<int> predictions)
    {
        int batch = _lastBatch;
        if (predictions.Length < batch)
        {
            throw new ArgumentException($"The span holds {predictions.Length} predictions but the last batch had {batch} samples.", nameof(predictions));
        }

        ReadOnlySpan<float> output = Output;
        int n = OutputSize;
        for (int b = 0; b < batch; b++)
        {
            predictions[b] = Kernels.Reductions.ArgMax(output.Slice(b * n, n));
        }
    }

    /// <summary>The output of the last forward pass, <c>LastBatchSize × OutputSize</c> floats.</summary>
    public ReadOnlySpan<float> Output => OutputCore(_lastBatch);

    /// <summary>
    /// Measures where a training step's time goes: runs forward and backward <paramref name="repetitions"/> times and
    /// times each layer's forward and backward call on its own (with the current <see cref="Mode"/>). Gradients are
    /// zeroed afterwards; the parameters are not changed.
    /// </summary>
    /// <param name="input">The inputs, batch × InputSize.</param>
    /// <param name="labels">One label per sample.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="repetitions">How many steps to average over.</param>
    /// <returns>One row per layer; the loss head's gradient seed is not listed (it is negligible).</returns>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, or this is an inference clone.</exception>
    public IReadOnlyList<LayerTiming> Profile(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batchSize, int repetitions = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        using Claim claim = EnterTraining();
        return ProfileCore(input, labels, batchSize, repetitions);
    }

    private LayerTiming[] ProfileCore(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batchSize, int repetitions)
    {
        IReadOnlyList<LayerInfo> layers = Layers;
        var forward = new long[layers.Count];
        var backward = new long[layers.Count];
        float[] buffers = Buffers.ToArray();
        Forward(input, batchSize);
        Backward(labels);
        for (int r = 0; r < repetitions; r++)
        {
            Forward(input, batchSize);
            for (int i = 0; i < layers.Count; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                ForwardLayer(i, batchSize);
                forward[i] += System.Diagnostics.Stopwatch.GetTimestamp() - start;
            }

            Backward(labels);
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                BackwardLayer(i, batchSize);
                backward[i] += System.Diagnostics.Stopwatch.GetTimestamp() - start;
            }
        }

        ZeroGradients();
        buffers.CopyTo(Buffers);
        var rows = new LayerTiming[layers.Count];
        double toMs = 1000.0 / System.Diagnostics.Stopwatch.Frequency / repetitions;
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new LayerTiming(i, layers[i].Name, layers[i].Kind, forward[i] * toMs, backward[i] * toMs);
        }

        return rows;
    }

    /// <summary>
    /// The output of layer <paramref name="index"/> in the last forward pass, <c>LastBatchSize × size</c> floats (for
    /// inspecting activations, e.g. their statistics per layer); valid until the next forward pass.
    /// </summary>
    /// <param name="index">The layer's position in <see cref="Layers"/>.</param>
    /// <exception cref="InvalidOperationException">Another thread is using this instance, or no forward pass ran yet.</exception>
    public ReadOnlySpan<float> LayerOutput(int index)
    {
        using Claim claim = Enter();
        return LayerOutputCore(index);
    }

    private ReadOnlySpan<float> LayerOutputCore(int index)
    {
        IReadOnlyList<LayerInfo> layers = Layers;
        if ((uint)index >= (uint)layers.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The network has {layers.Count} layers.");
        }

        if (_lastBatch == 0)
        {
            throw new InvalidOperationException("Call Forward before reading layer outputs.");
        }

        RestoreFoldedAwayOutput(index);

        int size = 1;
        foreach (int d in layers[index].OutputShape)
        {
            size *= d;
        }

        return Activation(LayerOutputOffset(index), size, _lastBatch);
    }

    /// <summary>
    /// Describes the inference graph (what <see cref="Forward(ReadOnlySpan{float}, int)"/> computes in <see cref="NetworkMode.Inference"/>) to an
    /// ONNX graph builder, one node per call; the generated code supplies it and <c>NetGen.Onnx</c>'s exporter calls it.
    /// </summary>
    /// <param name="graph">The builder that receives the nodes.</param>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public virtual void DescribeOnnxGraph(Interop.IOnnxGraphBuilder graph) => throw new NotSupportedException($"{GetType().Name} does not describe an ONNX graph; only generated networks do.");

    /// <summary>The per-sample arena offset of layer <paramref name="index"/>'s output (from the layout of a generated network).</summary>
    /// <param name="index">The layer's position.</param>
    protected virtual int LayerOutputOffset(int index)
        => _layout?.OutputOffsets[index] ?? throw new NotSupportedException($"{GetType().Name} does not expose layer outputs.");

    /// <summary>Runs layer <paramref name="index"/>'s forward pass alone (for <see cref="Profile"/>); layers without forward work do nothing.</summary>
    /// <param name="index">The layer's position.</param>
    /// <param name="batch">The batch size of the last forward pass.</param>
    protected virtual void ForwardLayer(int index, int batch) => throw new NotSupportedException($"{GetType().Name} does not support per-layer profiling.");

    /// <summary>Runs layer <paramref name="index"/>'s backward pass alone (for <see cref="Profile"/>); layers without backward work do nothing.</summary>
    /// <param name="index">The layer's position.</param>
    /// <param name="batch">The batch size of the last forward pass.</param>
    protected virtual void BackwardLayer(int index, int batch) => throw new NotSupportedException($"{GetType().Name} does not support per-layer profiling.");

    /// <summary>The network's compile-time costs (FLOPs and memory per sample); generated networks supply them, others return null.</summary>
    public virtual ModelFacts? Facts => _layout is { } l
        ? new(l.ForwardFlopsPerSample, l.BackwardFlopsPerSample, l.ArenaFloatsPerSample * 4L, l.ParameterCount * 4L, l.ParameterCount * 4L)
        : null;

    /// <summary>
    /// A Keras-style table of the layers, their output shapes and parameter counts, with the total, the compile-time
    /// costs (<see cref="Facts"/>) and the memory an optimizer's state takes: exact for <paramref name="optimizer"/>,
    /// per state buffer when none is given.
    /// </summary>
    /// <param name="optimizer">The optimizer whose state memory to show, or null.</param>
    public string Summary(Optimizers.Optimizer? optimizer = null)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string title = GetType().Name;
        sb.Append("Network: ").Append(title).Append('\n');
        string line = new('-', 68);
        sb.Append(line).Append('\n');
        sb.Append(string.Format(inv, "{0,-32}{1,-22}{2,14}\n", "Layer (type)", "Output shape", "Params"));
        sb.Append(new string('=', 68)).Append('\n');
        sb.Append(string.Format(inv, "{0,-32}{1,-22}{2,14}\n", "input (Input)", FormatShape(InputShape), 0));
        foreach (LayerInfo layer in Layers)
        {
            sb.Append(string.Format(inv, "{0,-32}{1,-22}{2,14:N0}\n", $"{layer.Name} ({layer.Kind})", FormatShape(layer.OutputShape), layer.ParameterCount));
        }

        sb.Append(new string('=', 68)).Append('\n');
        sb.Append(string.Format(inv, "Total params: {0:N0}\n", ParameterCount));
        if (Facts is { } facts)
        {
            sb.Append(string.Format(inv, "FLOPs per sample: forward {0:N0}, backward {1:N0}\n", facts.ForwardFlopsPerSample, facts.BackwardFlopsPerSample));
            sb.Append(string.Format(inv, "Activations per sample: {0:N0} B (training: twice, with their gradients)\n", facts.ActivationBytesPerSample));
            sb.Append(string.Format(inv, "Parameters: {0:N0} B, gradients: {1:N0} B\n", facts.ParameterBytes, facts.GradientBytes));
            sb.Append(optimizer is null
                ? string.Format(inv, "Optimizer state: {0:N0} B per state buffer (SGD momentum 1, Adam 2)\n", facts.ParameterBytes)
                : string.Format(inv, "Optimizer state ({0}: {1}): {2:N0} B\n", optimizer.GetType().Name, string.Join(", ", optimizer.StateNames), facts.ParameterBytes * optimizer.StateNames.Count));
        }

        sb.Append(line);
        return sb.ToString();
    }

    /// <summary>The shape of one input sample.</summary>
    public virtual TensorShape InputShape => RequireLayout().InputShape;

    private static string FormatShape(TensorShape shape) => "(batch, " + string.Join(", ", shape) + ")";

    /// <summary>The output slice of the arena for <paramref name="batch"/> samples: the last layer's output.</summary>
    /// <param name="batch">The number of samples.</param>
    protected virtual ReadOnlySpan<float> OutputCore(int batch) => Activation(RequireLayout().OutputOffset, OutputSize, batch);

    /// <summary>Validates a forward call, grows the arena if needed and copies the input into it.</summary>
    /// <param name="input">The caller's input.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="inputOffset">Where the input buffer starts in the arena, per sample.</param>
    protected void BeginForward(ReadOnlySpan<float> input, int batchSize, int inputOffset) =>
        BeginForward(input, batchSize, inputOffset, forwardReadsCallerInput: false);

    /// <summary>
    /// Validates a forward call, grows the arena if needed and copies the input into it, unless no backward pass can
    /// follow this one and the forward pass reads the input only from the caller's span.
    /// </summary>
    /// <param name="input">The caller's input.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="inputOffset">Where the input buffer starts in the arena, per sample.</param>
    /// <param name="forwardReadsCallerInput">
    /// True when the generated forward pass reads the network input only through <paramref name="input"/> (its first
    /// layer is given the caller's span, and no later layer reads the input buffer). The arena copy then serves only
    /// the backward pass, and is skipped on an inference clone and inside the <see cref="NetworkPrediction"/> helpers: for the
    /// Fashion MLP at batch 256 that is 784 KiB not written per call, 5–19 µs of ~620 in interleaved A/Bs (Zen 5, one thread).
    /// </param>
    protected void BeginForward(ReadOnlySpan<float> input, int batchSize, int inputOffset, bool forwardReadsCallerInput)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        }

        int inputSize = InputSize;
        if (input.Length != (long)batchSize * inputSize)
        {
            throw new ArgumentException(
                $"The input holds {input.Length} floats but a batch of {batchSize} samples of {inputSize} floats needs {(long)batchSize * inputSize}.",
                nameof(input));
        }

        GrowArena(batchSize);
        if (_scratch.Length < _scratchPerThread * Compute.ThreadCount)
        {
            _scratch = new AlignedBuffer(_scratchPerThread * Compute.ThreadCount); // grows only when the thread count does
        }

        _backwardMayFollow = !(IsInferenceClone || Predicting);
        if (_backwardMayFollow || !forwardReadsCallerInput)
        {
            Kernels.Elementwise.CopyAcross(input, Activation(inputOffset, inputSize, batchSize));
        }

        _lastBatch = batchSize;
        TrainingForward = Mode == NetworkMode.Training;
        if (TrainingForward)
        {
            _stateVersion.Bump(); // the batch norms' running statistics change: folded weights must be recomputed
        }
    }

    /// <summary>Validates a loss or backward call against the last forward pass and returns its batch size.</summary>
    /// <param name="length">The length of the labels or targets span.</param>
    /// <param name="perSample">How many values each sample needs (1 for labels, <see cref="OutputSize"/> for targets).</param>
    /// <param name="name">The argument's name for the exception.</param>
    protected int CheckTargets(int length, int perSample, string name)
    {
        int batch = _lastBatch;
        if (batch == 0)
        {
            throw new InvalidOperationException("Call Forward before computing a loss or a backward pass.");
        }

        if (length != batch * perSample)
        {
            throw new ArgumentException(
                $"The span holds {length} values but the last forward pass had {batch} samples, which need {batch * perSample}.",
                name);
        }

        return batch;
    }

    /// <summary>Validates a backward call, clears the activation gradients that the backward pass adds to without writing them first, and returns the batch size.</summary>
    /// <param name="length">The length of the labels or targets span.</param>
    /// <param name="perSample">How many values each sample needs.</param>
    /// <param name="name">The argument's name for the exception.</param>
    protected int BeginBackward(int length, int perSample, string name)
    {
        int batch = CheckTargets(length, perSample, name);
        if (_layout is { BackwardWritesGradients: true } layout)
        {
            // The generated backward writes each buffer before adding to it; the loss head's kernels (and a hand-written
            // loss) add to the gradient of the head's input.
            ActivationGradient(layout.LossHead.InputOffset, layout.OutputSize, batch).Clear();
        }
        else
        {
            // Buffers are laid out for the current batch (see Activation), so the used part is a prefix of the arena.
            _activationGradients.Slice(0, batch * _activationFloatsPerSample).Clear();
        }

        return batch;
    }

    /// <summary>A slice of the activation arena: buffer at <paramref name="offset"/> (per sample) for <paramref name="batch"/> samples.</summary>
    /// <param name="offset">The buffer's offset per sample (a generated constant).</param>
    /// <param name="size">The buffer's floats per sample.</param>
    /// <param name="batch">The number of samples.</param>
    /// <remarks>
    /// Buffer k starts at <c>offset × batch</c>: the layout follows the batch of the current pass (forward and backward
    /// use the same one), so a pass touches only the first <c>batch × ArenaFloatsPerSample</c> floats however large the
    /// capacity has grown.
    /// </remarks>
    protected Span<float> Activation(int offset, int size, int batch) => _activations.Slice(offset * batch, size * batch);

    /// <summary>Temporary memory for kernels (im2col and the like), one slot per compute thread; its contents do not survive a layer call.</summary>
    protected Span<float> Scratch => _scratch.Span;

    /// <summary>Whether the last forward pass ran in training mode; backward passes follow the forward pass's mode.</summary>
    protected bool TrainingForward { get; private set; }

    /// <summary>Throws unless the last forward pass ran in training mode (layers whose backward needs mini-batch statistics).</summary>
    /// <param name="layer">The layer's name, for the message.</param>
    protected void RequireTrainingForward(string layer)
    {
        if (!TrainingForward)
        {
            throw new InvalidOperationException($"Layer {layer} can back-propagate only after a training-mode forward pass; set Mode = NetworkMode.Training before Forward.");
        }
    }

    /// <summary>The gradient mirror of <see cref="Activation"/>.</summary>
    /// <param name="offset">The buffer's offset per sample (a generated constant).</param>
    /// <param name="size">The buffer's floats per sample.</param>
    /// <param name="batch">The number of samples.</param>
    protected Span<float> ActivationGradient(int offset, int size, int batch) => _activationGradients.Slice(offset * batch, size * batch);
}
