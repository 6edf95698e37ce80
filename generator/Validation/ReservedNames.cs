using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace NetGen.Generator.Validation;

/// <summary>
/// The member names the generated half of a network declares. A network class with one of these names would not
/// compile (CS0542: a member cannot have the name of its enclosing type), so the parser reports NG0022 instead.
/// <c>GeneratorEdgeCaseTests</c> checks this list against every member of a generated kitchen-sink network.
/// </summary>
internal static class ReservedNames
{
    private static readonly HashSet<string> Fixed = new(System.StringComparer.Ordinal)
    {
        "Architecture", "ArchitectureFingerprint", "ArenaFloatsPerSample", "Backpropagate", "Backward", "BackwardLayer",
        "BufferCount", "BufferTensors", "Fingerprint", "Forward", "ForwardLayer", "InitializeParameters", "InputFeatures",
        "InputShape", "InputSize", "LayerOutputOffset", "Layers", "Loss", "OutputCore", "OutputFeatures", "OutputSize",
        "ParameterTensors", "ScratchFloats", "TotalParameters", "ForwardCore", "LossCore", "BackwardCore", "CreateInferenceClone",
        "DescribeOnnxGraph", "ForwardFlopsPerSample", "BackwardFlopsPerSample", "ActivationBytesPerSample", "ParameterBytes",
        "GradientBytes", "Facts", "LossHeadLayout",
        "FoldedFloats", "FoldBatchNorm", "IsFoldedAway",
    };

    // Per-layer constants (L3_In), methods (Layer3Forward, Layers2To4Forward), fields (_l3Mask) and tables (s_layers).
    private static readonly Regex PerLayer = new(@"^(L[0-9]+_\w*|Layers?[0-9]+\w*|_l[0-9]+\w*|s_\w*)$", RegexOptions.CultureInvariant);

    public static bool IsReserved(string name) => Fixed.Contains(name) || PerLayer.IsMatch(name);
}
