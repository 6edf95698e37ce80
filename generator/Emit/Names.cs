using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Names shared by the emitters, so generated code is consistent.</summary>
internal static class Names
{
    public const string Kernels = "global::NetGen.Kernels";

    public static string P(LayerModel l, string suffix) => $"L{l.Index}_{suffix}";

    /// <summary>A per-sample extra buffer of the layer (mask, statistics) for the batch, at its named offset constant.</summary>
    public static string Extra(LayerModel l, string offsetSuffix, string size) => $"Activation({P(l, offsetSuffix)}, {size}, batch)";

    /// <summary>The layer's input activations for the batch.</summary>
    public static string X(LayerModel l) => $"Activation({P(l, "X")}, {P(l, "In")}, batch)";

    /// <summary>The layer's output activations for the batch.</summary>
    public static string Y(LayerModel l) => $"Activation({P(l, "Y")}, {P(l, "Out")}, batch)";

    /// <summary>The gradient of the layer's input.</summary>
    public static string DX(LayerModel l) => $"ActivationGradient({P(l, "X")}, {P(l, "In")}, batch)";

    /// <summary>The gradient of the layer's output.</summary>
    public static string DY(LayerModel l) => $"ActivationGradient({P(l, "Y")}, {P(l, "Out")}, batch)";
}
