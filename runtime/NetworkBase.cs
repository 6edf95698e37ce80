using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

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
public abstract class NetworkBase
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _buffers;
    private readonly int _scratchPerThread;
    private float[] _scratch = Array.Empty<float>();
    private readonly int _activationFloatsPerSample;
    private float[] _activations = Array.Empty<float>();
    private float[] _activationGradients = Array.Empty<float>();
    private int _capacity;
    private int _lastBatch;

    /// <summary>Creates the buffers; called by the generated constructor.</summary>
    /// <param name="parameterCount">The number of learned parameters.</param>
    /// <param name="activationFloatsPerSample">The floats the activation arena needs per sample.</param>
    /// <param name="bufferCount">The number of non-learned state values (e.g. batch-norm running statistics).</param>
    /// <param name="scratchFloats">Temporary floats some kernels need per thread (e.g. im2col), independent of the batch size.</param>
    /// <param name="seed">Seeds <see cref="Random"/>, the source of dropout masks and other training-time randomness.</param>
    protected NetworkBase(int parameterCount, int activationFloatsPerSample, int bufferCount = 0, int scratchFloats = 0, int seed = 0)
    {
        _parameters = new float[parameterCount];
        _gradients = new float[parameterCount];
        _buffers = bufferCount == 0 ? Array.Empty<float>() : new float[bufferCount];
        _scratchPerThread = scratchFloats;
        _activationFloatsPerSample = activationFloatsPerSample;
        Random = new Rng(seed, stream: -1);
    }

    /// <summary>The number of floats in one input sample.</summary>
    public abstract int InputSize { get; }

    /// <summary>The number of floats in one output sample.</summary>
    public abstract int OutputSize { get; }

    /// <summary>The number of learned parameters.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>All learned parameters in one flat buffer; <see cref="ParameterTensors"/> says what lives where.</summary>
    public Span<float> Parameters => _parameters;

    /// <summary>The gradient of the loss with respect to <see cref="Parameters"/>, same layout. Backward passes add to it.</summary>
    public Span<float> Gradients => _gradients;

    /// <summary>
    /// Non-learned state that inference depends on, such as batch normalization's running mean and variance (PyTorch
    /// calls these buffers). Saved with the parameters in checkpoints; optimizers never touch it.
    /// </summary>
    public Span<float> Buffers => _buffers;

    /// <summary>The named tensors of <see cref="Buffers"/>.</summary>
    public virtual IReadOnlyList<ParameterTensor> BufferTensors => Array.Empty<ParameterTensor>();

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
    public virtual string Architecture => GetType().FullName ?? GetType().Name;

    /// <summary>A 64-bit FNV-1a hash of <see cref="Architecture"/>, computed at compile time.</summary>
    public virtual ulong ArchitectureFingerprint => Fnv1a(Architecture);

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
    public abstract IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>The layers with their output shapes and parameter counts.</summary>
    public abstract IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Whether mode-dependent layers behave as in training or inference.</summary>
    public NetworkMode Mode { get; set; }

    /// <summary>The batch size the activation arena currently holds without growing.</summary>
    public int BatchCapacity => _capacity;

    /// <summary>The batch size of the most recent <see cref="Forward"/> call (0 before the first).</summary>
    public int LastBatchSize => _lastBatch;

    /// <summary>Runs the network on <paramref name="batchSize"/> samples laid out one after another.</summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples; positive.</param>
    /// <returns>The outputs, <c>batchSize × OutputSize</c> floats, valid until the next call.</returns>
    public abstract ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batchSize);

    /// <summary>The mean loss of the last forward pass against class labels.</summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    public abstract float Loss(ReadOnlySpan<int> labels);

    /// <summary>The mean loss of the last forward pass against float targets (probabilities or regression targets).</summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    public abstract float Loss(ReadOnlySpan<float> targets);

    /// <summary>Back-propagates the mean loss of the last forward pass against class labels, adding to <see cref="Gradients"/>.</summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    public abstract void Backward(ReadOnlySpan<int> labels);

    /// <summary>Back-propagates the mean loss of the last forward pass against float targets, adding to <see cref="Gradients"/>.</summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    public abstract void Backward(ReadOnlySpan<float> targets);

    /// <summary>Re-initializes every parameter deterministically from <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed; the same seed gives the same parameters on every machine.</param>
    public abstract void InitializeParameters(int seed);

    /// <summary>Sets every gradient to zero; call it before each backward pass unless you accumulate on purpose.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);

    /// <summary>Makes sure the activation arena holds <paramref name="batchSize"/> samples, allocating only when it grows.</summary>
    /// <param name="batchSize">The largest batch the next calls will use.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch needs more floats than an array holds; the network is unchanged.</exception>
    /// <exception cref="OutOfMemoryException">The arena could not be allocated; the network is unchanged and smaller batches still work.</exception>
    public void EnsureBatchCapacity(int batchSize)
    {
        if (batchSize <= _capacity)
        {
            return;
        }

        // Size first (in long, so the message cannot overflow), allocate both arrays, and only then commit: a batch
        // that is too large leaves the capacity and the arena as they were.
        long floats = (long)batchSize * _activationFloatsPerSample;
        if (floats > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(batchSize),
                batchSize,
                $"A batch of {batchSize.ToString("N0", CultureInfo.InvariantCulture)} samples needs {floats.ToString("N0", CultureInfo.InvariantCulture)} floats of activations " +
                $"({_activationFloatsPerSample.ToString("N0", CultureInfo.InvariantCulture)} per sample), more than an array holds ({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}); " +
                $"the largest batch is {(Array.MaxLength / Math.Max(1, _activationFloatsPerSample)).ToString("N0", CultureInfo.InvariantCulture)}.");
        }

        var activations = new float[floats];
        var activationGradients = new float[floats];
        _activations = activations;
        _activationGradients = activationGradients;
        _capacity = batchSize;
    }

    /// <summary>Returns the index of the largest output of each sample of the last forward pass.</summary>
    /// <param name="predictions">Receives one class index per sample of the last batch.</param>
    public void ArgMax(Span<int> predictions)
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
    public IReadOnlyList<LayerTiming> Profile(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batchSize, int repetitions = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
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
    public ReadOnlySpan<float> LayerOutput(int index)
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

        int size = 1;
        foreach (int d in layers[index].OutputShape)
        {
            size *= d;
        }

        return Activation(LayerOutputOffset(index), size, _lastBatch);
    }

    /// <summary>The per-sample arena offset of layer <paramref name="index"/>'s output; supplied by the generated code.</summary>
    /// <param name="index">The layer's position.</param>
    protected virtual int LayerOutputOffset(int index) => throw new NotSupportedException($"{GetType().Name} does not expose layer outputs.");

    /// <summary>Runs layer <paramref name="index"/>'s forward pass alone (for <see cref="Profile"/>); layers without forward work do nothing.</summary>
    /// <param name="index">The layer's position.</param>
    /// <param name="batch">The batch size of the last forward pass.</param>
    protected virtual void ForwardLayer(int index, int batch) => throw new NotSupportedException($"{GetType().Name} does not support per-layer profiling.");

    /// <summary>Runs layer <paramref name="index"/>'s backward pass alone (for <see cref="Profile"/>); layers without backward work do nothing.</summary>
    /// <param name="index">The layer's position.</param>
    /// <param name="batch">The batch size of the last forward pass.</param>
    protected virtual void BackwardLayer(int index, int batch) => throw new NotSupportedException($"{GetType().Name} does not support per-layer profiling.");

    /// <summary>A Keras-style table of the layers, their output shapes and parameter counts, with the total.</summary>
    public string Summary()
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
        sb.Append(line);
        return sb.ToString();
    }

    /// <summary>The shape of one input sample.</summary>
    public abstract TensorShape InputShape { get; }

    private static string FormatShape(TensorShape shape) => "(batch, " + string.Join(", ", shape) + ")";

    /// <summary>The output slice of the arena for <paramref name="batch"/> samples; supplied by the generated code.</summary>
    /// <param name="batch">The number of samples.</param>
    protected abstract ReadOnlySpan<float> OutputCore(int batch);

    /// <summary>Validates a forward call, grows the arena if needed and copies the input into it.</summary>
    /// <param name="input">The caller's input.</param>
    /// <param name="batchSize">The number of samples.</param>
    /// <param name="inputOffset">Where the input buffer starts in the arena, per sample.</param>
    protected void BeginForward(ReadOnlySpan<float> input, int batchSize, int inputOffset)
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

        EnsureBatchCapacity(batchSize);
        if (_scratch.Length < _scratchPerThread * Compute.ThreadCount)
        {
            _scratch = new float[_scratchPerThread * Compute.ThreadCount]; // grows only when the thread count does
        }

        input.CopyTo(Activation(inputOffset, inputSize, batchSize));
        _lastBatch = batchSize;
        TrainingForward = Mode == NetworkMode.Training;
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

    /// <summary>Validates a backward call, clears the activation gradients and returns the batch size.</summary>
    /// <param name="length">The length of the labels or targets span.</param>
    /// <param name="perSample">How many values each sample needs.</param>
    /// <param name="name">The argument's name for the exception.</param>
    protected int BeginBackward(int length, int perSample, string name)
    {
        int batch = CheckTargets(length, perSample, name);
        // Buffers are laid out for the current batch (see Activation), so the used part is a prefix of the arena.
        Array.Clear(_activationGradients, 0, batch * _activationFloatsPerSample);
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
    protected Span<float> Activation(int offset, int size, int batch) => _activations.AsSpan(offset * batch, size * batch);

    /// <summary>Temporary memory for kernels (im2col and the like), one slot per compute thread; its contents do not survive a layer call.</summary>
    protected Span<float> Scratch => _scratch;

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
    protected Span<float> ActivationGradient(int offset, int size, int batch) => _activationGradients.AsSpan(offset * batch, size * batch);
}
