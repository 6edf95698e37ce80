using NetGen.Generator.Model;

namespace NetGen.Generator.Layers;

/// <summary>The weight and bias arguments that <c>[Dense]</c> and <c>[Conv2D]</c> share; initial values are the attributes' defaults.</summary>
internal abstract class WeightArguments
{
    /// <summary>The weight initialization (<c>Auto</c> picks by the activation that follows).</summary>
    public WeightInitKind Init { get; set; } = WeightInitKind.Auto;

    /// <summary>The standard deviation of <c>Gaussian</c> initialization.</summary>
    public float InitStd { get; set; } = 0.01f;

    /// <summary>The value of <c>Constant</c> initialization.</summary>
    public float InitValue { get; set; }

    /// <summary>Whether the layer has a bias.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The bias's initial value.</summary>
    public float BiasInit { get; set; }
}
