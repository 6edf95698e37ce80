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
    Other,
}

/// <summary>One layer attribute as written: its kind (attribute name without the suffix), arguments and location.</summary>
internal sealed record LayerSpec(string Kind, EquatableArray<ArgumentSpec> Arguments, LocationInfo? Location)
{
    /// <summary>The attribute as written, whitespace normalized (e.g. <c>Dense(8, Bias = false)</c>), for the generated header.</summary>
    public string Source { get; init; } = "";
}

/// <summary>The parse result for one network class: where it lives and its layer attributes in source order.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    bool IsPartial,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<DiagnosticInfo> Diagnostics,
    LocationInfo? Location);
