using System.ComponentModel;

namespace NetGen.Kernels;

/// <summary>The stateless element-wise activations, for kernels that apply one inside a fused pass.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum ActivationFunction
{
    /// <summary><c>max(0, x)</c>.</summary>
    Relu,

    /// <summary><c>x &gt; 0 ? x : alpha·x</c>.</summary>
    LeakyRelu,

    /// <summary><c>x &gt; 0 ? x : alpha·(eˣ − 1)</c>.</summary>
    Elu,

    /// <summary><c>1 / (1 + e⁻ˣ)</c>.</summary>
    Sigmoid,

    /// <summary><c>tanh(x)</c>.</summary>
    Tanh,

    /// <summary><c>x·σ(x)</c> (SiLU, swish).</summary>
    Silu,

    /// <summary><c>x·Φ(x)</c> (GELU, exact erf form).</summary>
    Gelu,

    /// <summary><c>x·Φ(x)</c> with the tanh approximation of Φ (GELU, <c>approximate='tanh'</c>).</summary>
    GeluTanh,
}
