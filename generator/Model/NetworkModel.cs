using System.Linq;

namespace NetGen.Generator.Model;

/// <summary>The shape of one sample (batch excluded), e.g. [784] or [1, 28, 28].</summary>
internal readonly record struct Shape(EquatableArray<int> Dims)
{
    public static Shape Of(params int[] dims) => new(new EquatableArray<int>(dims));

    public int Size => Dims.Aggregate(1, (a, b) => checked(a * b));

    public int Rank => Dims.Count;

    public override string ToString() => string.Join("×", Dims);
}

/// <summary>The element-wise activations.</summary>
internal enum ActivationKind
{
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    ELU,
}

/// <summary>The loss heads.</summary>
internal enum LossKind
{
    SoftmaxCrossEntropy,
    MeanSquaredError,
}

/// <summary>Mirrors NetGen.WeightInit (same names and numeric values).</summary>
internal enum WeightInitKind
{
    Auto = 0,
    Xavier,
    XavierUniform,
    He,
    HeUniform,
    Gaussian,
    Zeros,
    Constant,
}

/// <summary>
/// One layer after validation: every shape and offset resolved. Offsets into the activation arena are per sample
/// (the runtime multiplies them by the batch capacity); parameter offsets index the flat parameter buffer.
/// </summary>
internal abstract record LayerModel
{
    /// <summary>The layer's position, counting from 0 after the input.</summary>
    public int Index { get; init; }

    /// <summary>A name for summaries and parameter tensors, e.g. <c>dense0</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>The attribute name without the suffix, e.g. <c>Dense</c>.</summary>
    public string Kind { get; init; } = "";

    public Shape InputShape { get; init; }

    public Shape OutputShape { get; init; }

    /// <summary>Per-sample arena offset of the layer's input.</summary>
    public int InputBuffer { get; init; }

    /// <summary>Per-sample arena offset of the layer's output.</summary>
    public int OutputBuffer { get; init; }

    /// <summary>Whether the input is the network input (so no input gradient is needed).</summary>
    public bool InputIsNetworkInput { get; init; }

    public int ParameterCount { get; init; }

    public LocationInfo? Location { get; init; }
}

/// <summary>How a weight tensor starts: the resolved scheme and its arguments.</summary>
internal sealed record InitModel(WeightInitKind Kind, string Reason, float Std, float Value, int FanIn, int FanOut);

/// <summary>A fully connected layer, optionally with DropConnect on its weights (DropConnectP &gt; 0).</summary>
internal sealed record DenseLayer(
    int Units,
    InitModel Init,
    bool HasBias,
    float BiasInit,
    int WeightOffset,
    int BiasOffset,
    float DropConnectP) : LayerModel;

/// <summary>A 2-D convolution; <c>ScratchFloats</c> is what its kernel needs (im2col).</summary>
internal sealed record Conv2DLayer(
    int Filters,
    int Kernel,
    int Stride,
    int Padding,
    InitModel Init,
    bool HasBias,
    float BiasInit,
    int WeightOffset,
    int BiasOffset,
    int ScratchFloats) : LayerModel;

/// <summary>Max or average pooling.</summary>
internal sealed record PoolLayer(bool IsMax, int Size, int Stride) : LayerModel;

/// <summary>Fractional max pooling with pseudo-random regions in training.</summary>
internal sealed record FractionalPoolLayer(double Ratio) : LayerModel;

/// <summary>A reshape to a vector (no work: the output buffer is the input buffer).</summary>
internal sealed record FlattenLayer(bool IsImplicit) : LayerModel;

/// <summary>The normalizations.</summary>
internal enum NormKind
{
    BatchNorm,
    LayerNorm,
    InstanceNorm,
    GroupNorm,
}

/// <summary>
/// A normalization layer. <c>Channels</c>×<c>Spatial</c> is the input (Spatial = 1 after dense layers). Gamma and beta
/// live in the parameters; batch norm's running statistics in the network's buffers; the saved mean and inverse
/// standard deviation of the forward pass in the arena (<c>StatsBuffer</c>, per-sample groups) or, for batch norm, in a
/// per-layer field.
/// </summary>
internal sealed record NormLayer(
    NormKind Norm,
    int Channels,
    int Spatial,
    int Groups,
    float Momentum,
    float Epsilon,
    int GammaOffset,
    int BetaOffset,
    int AffineSize,
    int RunningMeanOffset,
    int RunningVarOffset,
    int StatsBuffer) : LayerModel;

/// <summary>Inverted dropout with its mask in the arena.</summary>
internal sealed record DropoutLayer(float P, int MaskBuffer) : LayerModel;

/// <summary>PReLU with a learned slope per channel.</summary>
internal sealed record PReluLayer(float Init, int Channels, int Spatial, int AlphaOffset) : LayerModel;

/// <summary>RReLU with per-element random slopes stored in the arena.</summary>
internal sealed record RReluLayer(float Lower, float Upper, int SlopesBuffer) : LayerModel;

/// <summary>Maxout over consecutive pieces.</summary>
internal sealed record MaxoutLayer(int Pieces) : LayerModel;

/// <summary>Softmax as a layer.</summary>
internal sealed record SoftmaxLayer : LayerModel;

/// <summary>The end of a residual block: <c>y = skip + mask·branch</c>, with per-sample stochastic-depth masks when Survival &lt; 1.</summary>
internal sealed record ResidualAddLayer(string Block, int SkipBuffer, float Survival, int MaskBuffer, int FirstLayer) : LayerModel;

/// <summary>An element-wise activation.</summary>
internal sealed record ActivationLayer(ActivationKind Activation, float Alpha) : LayerModel;

/// <summary>The loss head (always last).</summary>
internal sealed record LossLayer(LossKind Loss) : LayerModel;

/// <summary>A validated network, everything the emitter needs and nothing from Roslyn.</summary>
internal sealed record NetworkModel(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    Shape InputShape,
    EquatableArray<LayerModel> Layers,
    int ParameterCount,
    int ArenaFloatsPerSample,
    int BufferCount,
    int ScratchFloats,
    int OutputBuffer,
    string Declaration)
{
    /// <summary>The class is abstract, so it cannot create its own inference clones.</summary>
    public bool IsAbstract { get; init; }

    public LayerModel Last => Layers[Layers.Count - 1];

    public int OutputSize => Last.OutputShape.Size;
}

/// <summary>What validation produced: the model when the network is valid, and the diagnostics either way.</summary>
internal sealed record ValidationResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
