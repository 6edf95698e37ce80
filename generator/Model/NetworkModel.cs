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
    TorchDefault,
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

    /// <summary>
    /// Whether the backward pass reaches this layer's input gradient buffer before any other layer writes it (set by
    /// <c>GradientWrites.Mark</c> when the network is emitted): the layer's kernel may then overwrite the buffer.
    /// </summary>
    public bool FirstGradientWrite { get; init; }
}

/// <summary>
/// How a weight tensor starts: the resolved scheme and its arguments. <paramref name="BiasFromScheme"/>: the bias is drawn
/// by the scheme (<c>TorchDefault</c>'s U(±1/√fanIn), continuing the weights' random stream) instead of set to the
/// layer's constant <c>BiasInit</c>, which it does when the layer leaves <c>BiasInit</c> undeclared.
/// </summary>
internal sealed record InitModel(WeightInitKind Kind, string Reason, float Std, float Value, int FanIn, int FanOut, bool BiasFromScheme = false);

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

/// <summary>The full names of all valid networks, as one pipeline value (a record, so the pipeline holds no struct).</summary>
internal sealed record NetworkNames(EquatableArray<string> All);

/// <summary>One network's diagnostics, as one pipeline value (a record, so the pipeline holds no struct).</summary>
internal sealed record NetworkDiagnostics(EquatableArray<DiagnosticInfo> All);
