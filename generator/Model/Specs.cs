namespace NetGen.Generator.Model;

/// <summary>One attribute argument as written, before validation: its name and its value in invariant text.</summary>
/// <param name="Name">The constructor parameter or property name.</param>
/// <param name="Kind">What the value is.</param>
/// <param name="Value">The value as invariant text (round-trippable for floats); for arrays, empty.</param>
/// <param name="Values">For array arguments (<c>params int[]</c>), each element.</param>
internal sealed record ArgumentSpec(string Name, ArgumentKind Kind, string Value, EquatableArray<string> Values);

/// <summary>The kind of an attribute argument value.</summary>
internal enum ArgumentKind
{
    Integer,
    Float,
    Boolean,
    Enum,
    String,
    Array,
    Type,
    Other,
}

/// <summary>One layer attribute as written: its kind (attribute name without the suffix), arguments and location.</summary>
/// <param name="Kind">The attribute name without the suffix, e.g. <c>Dense</c>.</param>
/// <param name="Arguments">Constructor and named arguments.</param>
/// <param name="Location">The attribute's location.</param>
/// <param name="Block">For <c>[Residual(typeof(X))]</c>: the block class's name and layers; otherwise null.</param>
internal sealed record LayerSpec(string Kind, EquatableArray<ArgumentSpec> Arguments, LocationInfo? Location, BlockSpec? Block = null)
{
    /// <summary>The attribute as written, whitespace normalized (e.g. <c>Dense(8, Bias = false)</c>), for the generated header.</summary>
    public string Source { get; init; } = "";
}

/// <summary>A block class used by a residual layer: its name, whether it is marked [Block], and its layers in order.</summary>
internal sealed record BlockSpec(string Name, bool IsMarked, bool IsRecursive, EquatableArray<LayerSpec> Layers)
{
    /// <summary>How many layers the block becomes once inlined, nested blocks included (saturating). Over the limit, <see cref="Layers"/> is empty.</summary>
    public long InlinedLayers { get; init; }

    /// <summary>Whether a block somewhere inside this one contains itself.</summary>
    public bool ContainsRecursion { get; init; }
}

/// <summary>The parse result for one network class: where it lives and its layer attributes in source order.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    bool IsPartial,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<DiagnosticInfo> Diagnostics,
    LocationInfo? Location)
{
    /// <summary>A second partial declaration that also carries [Network] (CS0579): it generates nothing.</summary>
    public bool IsRedundantPart { get; init; }

    /// <summary>The class is abstract: it gets no inference-clone constructor (an abstract class cannot be created).</summary>
    public bool IsAbstract { get; init; }
}
