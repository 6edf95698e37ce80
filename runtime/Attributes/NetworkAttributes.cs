using System;

namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a NetGen network. The layer attributes on the same class, read top to bottom,
/// declare the layers; the source generator emits the forward and backward code into the other half of the class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
}

/// <summary>Base class of every attribute that declares a layer; the order of the attributes is the order of the layers.</summary>
public abstract class LayerAttribute : Attribute
{
}

/// <summary>Declares the shape of one input sample, e.g. <c>[Input(784)]</c> for a flat vector. Must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : LayerAttribute
{
    /// <summary>Declares an input sample of the given shape (one dimension for a flat vector).</summary>
    /// <param name="shape">The dimensions of one sample; each must be positive.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The dimensions of one input sample.</summary>
    public int[] Shape { get; }
}

/// <summary>How a layer's weights are initialized.</summary>
public enum WeightInit
{
    /// <summary>Chosen from the activation that follows the layer: <see cref="He"/> for the ReLU family, <see cref="Xavier"/> otherwise.</summary>
    Auto = 0,

    /// <summary>Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)).</summary>
    Xavier,

    /// <summary>Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)).</summary>
    XavierUniform,

    /// <summary>He/Kaiming normal for ReLU layers: N(0, 2 / fanIn).</summary>
    He,

    /// <summary>He/Kaiming uniform for ReLU layers: U(-a, a) with a = sqrt(6 / fanIn).</summary>
    HeUniform,

    /// <summary>Small random numbers: N(0, std²) with std given by the layer's <c>InitStd</c> (default 0.01).</summary>
    Gaussian,

    /// <summary>All weights zero (breaks symmetry only where another mechanism does; mainly for tests).</summary>
    Zeros,

    /// <summary>All weights equal to the layer's <c>InitValue</c>.</summary>
    Constant,

    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c> and <c>nn.Conv2d</c> (Kaiming-uniform with a = √5): weights
    /// U(−1/√fanIn, 1/√fanIn), variance 1 / (3·fanIn); the bias, unless the layer declares <c>BiasInit</c>, is drawn from
    /// the same U(−1/√fanIn, 1/√fanIn) rather than set to zero. With batch norm and a wide dense head it trains the
    /// FashionMnist sample's CNN faster than the automatic He/Xavier choice (docs/initialization.md).
    /// </summary>
    TorchDefault,
}

/// <summary>
/// A fully connected layer: <c>y = x·Wᵀ + b</c> with <c>W</c> stored as [units × inputs] (PyTorch's layout).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a fully connected layer with <paramref name="units"/> outputs.</summary>
    /// <param name="units">The number of output features; must be positive.</param>
    public DenseAttribute(int units) => Units = units;

    /// <summary>The number of output features.</summary>
    public int Units { get; }

    /// <summary>How the weights are initialized; <see cref="WeightInit.Auto"/> picks by the following activation.</summary>
    public WeightInit Init { get; set; } = WeightInit.Auto;

    /// <summary>The standard deviation used by <see cref="WeightInit.Gaussian"/>.</summary>
    public float InitStd { get; set; } = 0.01f;

    /// <summary>The value used by <see cref="WeightInit.Constant"/>.</summary>
    public float InitValue { get; set; }

    /// <summary>Whether the layer has a bias vector (default true).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The value every bias starts at (default 0; some practitioners use 0.01 with ReLU); with
    /// <see cref="WeightInit.TorchDefault"/> an undeclared bias is drawn from U(±1/√fanIn) instead.
    /// </summary>
    public float BiasInit { get; set; }
}

/// <summary>The logistic sigmoid activation <c>σ(x) = 1 / (1 + e^-x)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
}

/// <summary>The hyperbolic tangent activation.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
}

/// <summary>The rectified linear unit <c>max(0, x)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
}

/// <summary>Leaky ReLU: <c>x</c> for positive inputs, <c>alpha·x</c> otherwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>Declares a leaky ReLU with the given negative slope.</summary>
    /// <param name="alpha">The slope for negative inputs, in [0, 1) (default 0.01).</param>
    public LeakyReLUAttribute(float alpha = 0.01f) => Alpha = alpha;

    /// <summary>The slope for negative inputs.</summary>
    public float Alpha { get; }
}

/// <summary>Exponential linear unit: <c>x</c> for positive inputs, <c>alpha·(e^x - 1)</c> otherwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ELUAttribute : LayerAttribute
{
    /// <summary>Declares an ELU with the given saturation value.</summary>
    /// <param name="alpha">The value the output approaches for large negative inputs is <c>-alpha</c> (default 1).</param>
    public ELUAttribute(float alpha = 1f) => Alpha = alpha;

    /// <summary>The scale of the negative part.</summary>
    public float Alpha { get; }
}

/// <summary>
/// SiLU, also called swish: <c>x·σ(x)</c> with <c>σ(x) = 1 / (1 + e^-x)</c>, like <c>torch.nn.SiLU</c>. A smooth,
/// non-monotonic ReLU alternative used by EfficientNet and many recent CNNs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SiLUAttribute : LayerAttribute
{
}

/// <summary>Which form of the normal distribution function Φ a <see cref="GELUAttribute"/> uses, as PyTorch's <c>approximate</c>.</summary>
public enum GeluApproximation
{
    /// <summary>The exact <c>Φ(x) = (1 + erf(x/√2))/2</c> (PyTorch's default, <c>approximate='none'</c>).</summary>
    None = 0,

    /// <summary><c>Φ(x) ≈ (1 + tanh(√(2/π)·(x + 0.044715·x³)))/2</c> (PyTorch's <c>approximate='tanh'</c>, used by GPT-2 and BERT).</summary>
    Tanh,
}

/// <summary>
/// GELU (Hendrycks &amp; Gimpel 2016): <c>x·Φ(x)</c> with Φ the standard normal distribution function, like
/// <c>torch.nn.GELU</c>; exact by default, or the tanh approximation with <c>Approximation = GeluApproximation.Tanh</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GELUAttribute : LayerAttribute
{
    /// <summary>Which form of Φ: <see cref="GeluApproximation.None"/> (exact, the default) or <see cref="GeluApproximation.Tanh"/>.</summary>
    public GeluApproximation Approximation { get; set; } = GeluApproximation.None;
}

/// <summary>
/// Loss head: softmax over the previous layer's outputs fused with the cross-entropy loss (numerically stable).
/// The network's output is the class probabilities; training takes class labels or probability targets.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : LayerAttribute
{
}

/// <summary>
/// Loss head: mean squared error <c>mean((y - t)²)</c> over all outputs of the batch. The network's output is the
/// previous layer's output; training takes float targets, or class labels as one-hot targets.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MeanSquaredErrorAttribute : LayerAttribute
{
}
