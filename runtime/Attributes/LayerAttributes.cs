using System;

namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a reusable block of layers (no input, no loss head) that networks include with
/// <see cref="ResidualAttribute"/>. Its layer attributes, top to bottom, are the block's layers.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
}

/// <summary>
/// A residual connection around a block: <c>y = x + F(x)</c>, where <c>F</c> is the block class's layers. The block's
/// output shape must equal its input shape. The same block class may be used several times; each use has its own
/// parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ResidualAttribute : LayerAttribute
{
    /// <summary>Declares a residual connection around the layers of <paramref name="block"/>.</summary>
    /// <param name="block">A class marked <see cref="BlockAttribute"/>.</param>
    public ResidualAttribute(Type block) => Block = block;

    /// <summary>The block class.</summary>
    public Type Block { get; }

    /// <summary>
    /// Stochastic depth (Huang et al. 2016): the probability that the block's branch survives in training, per sample;
    /// at inference the branch is scaled by it. 1 (the default) disables it.
    /// </summary>
    public float Survival { get; set; } = 1f;
}

/// <summary>A 2-D convolution over [channels, height, width] inputs with a square kernel, like <c>torch.nn.Conv2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>Declares a convolution.</summary>
    /// <param name="filters">Output channels; positive.</param>
    /// <param name="kernel">Kernel height and width; positive and at most the padded input size.</param>
    /// <param name="stride">Step between windows; positive.</param>
    /// <param name="padding">Zero padding on every side; not negative.</param>
    public Conv2DAttribute(int filters, int kernel, int stride = 1, int padding = 0)
    {
        Filters = filters;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel height and width.</summary>
    public int Kernel { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>How the weights are initialized; <see cref="WeightInit.Auto"/> picks by the following activation.</summary>
    public WeightInit Init { get; set; } = WeightInit.Auto;

    /// <summary>The standard deviation used by <see cref="WeightInit.Gaussian"/>.</summary>
    public float InitStd { get; set; } = 0.01f;

    /// <summary>The value used by <see cref="WeightInit.Constant"/>.</summary>
    public float InitValue { get; set; }

    /// <summary>Whether the layer has a bias per filter (default true).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The value every bias starts at (default 0; with <see cref="WeightInit.TorchDefault"/> an undeclared bias is drawn from U(±1/√fanIn)).</summary>
    public float BiasInit { get; set; }
}

/// <summary>Max pooling over square windows (no padding), like <c>torch.nn.MaxPool2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : LayerAttribute
{
    /// <summary>Declares max pooling.</summary>
    /// <param name="size">Window height and width.</param>
    /// <param name="stride">Step between windows; 0 (the default) means equal to <paramref name="size"/>.</param>
    public MaxPool2DAttribute(int size, int stride = 0)
    {
        Size = size;
        Stride = stride;
    }

    /// <summary>Window height and width.</summary>
    public int Size { get; }

    /// <summary>Step between windows (0 = size).</summary>
    public int Stride { get; }
}

/// <summary>Average pooling over square windows (no padding), like <c>torch.nn.AvgPool2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : LayerAttribute
{
    /// <summary>Declares average pooling.</summary>
    /// <param name="size">Window height and width.</param>
    /// <param name="stride">Step between windows; 0 (the default) means equal to <paramref name="size"/>.</param>
    public AvgPool2DAttribute(int size, int stride = 0)
    {
        Size = size;
        Stride = stride;
    }

    /// <summary>Window height and width.</summary>
    public int Size { get; }

    /// <summary>Step between windows (0 = size).</summary>
    public int Stride { get; }
}

/// <summary>
/// Global average pooling, the standard CNN head: each channel's height×width plane becomes its mean, so a
/// [channels, height, width] input becomes a vector of <c>channels</c> features (like <c>torch.nn.AdaptiveAvgPool2d(1)</c>
/// followed by <c>torch.flatten(x, 1)</c>), ready for a dense layer. The input must be three-dimensional.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : LayerAttribute
{
}

/// <summary>
/// Fractional max pooling (Graham 2014): reduces height and width by <c>ratio</c> (between 1 and 2) with pseudo-random
/// pooling regions while training and fixed regions at inference.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FractionalMaxPool2DAttribute : LayerAttribute
{
    /// <summary>Declares fractional max pooling.</summary>
    /// <param name="ratio">The size reduction, in (1, 2]; the output is floor(size / ratio).</param>
    public FractionalMaxPool2DAttribute(double ratio) => Ratio = ratio;

    /// <summary>The size reduction.</summary>
    public double Ratio { get; }
}

/// <summary>Flattens [channels, height, width] into one vector (implicit when a dense layer follows a spatial one).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>
/// Batch normalization (Ioffe &amp; Szegedy 2015) per feature after dense layers and per channel after convolutions:
/// mini-batch statistics in training (updating running statistics), running statistics at inference.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>The weight of the newest batch in the running statistics, as in PyTorch (default 0.1).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>Layer normalization (Ba et al. 2016) across all features of one sample, with a learned scale and shift per feature.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>Instance normalization (Ulyanov et al. 2016) per sample and channel over height × width, learned scale and shift per channel.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InstanceNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>Group normalization (Wu &amp; He 2018): per sample over groups of channels, learned scale and shift per channel.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GroupNormAttribute : LayerAttribute
{
    /// <summary>Declares group normalization.</summary>
    /// <param name="groups">The number of channel groups; must divide the channel count.</param>
    public GroupNormAttribute(int groups) => Groups = groups;

    /// <summary>The number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>Inverted dropout: zeroes each activation with probability <c>p</c> in training and scales the rest by 1/(1−p); identity at inference.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares dropout.</summary>
    /// <param name="p">The drop probability, in [0, 1).</param>
    public DropoutAttribute(float p = 0.5f) => P = p;

    /// <summary>The drop probability.</summary>
    public float P { get; }
}

/// <summary>
/// DropConnect (Wan et al. 2013): drops each weight of the following dense layer with probability <c>p</c> in training
/// (one mask per mini-batch, kept weights scaled by 1/(1−p)); full weights at inference.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropConnectAttribute : LayerAttribute
{
    /// <summary>Declares DropConnect on the next dense layer.</summary>
    /// <param name="p">The drop probability, in [0, 1).</param>
    public DropConnectAttribute(float p = 0.5f) => P = p;

    /// <summary>The drop probability.</summary>
    public float P { get; }
}

/// <summary>Parametric ReLU (He et al. 2015) with a learned negative slope per channel (per feature after dense layers).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PReLUAttribute : LayerAttribute
{
    /// <summary>The initial slope (default 0.25, as in the paper and PyTorch).</summary>
    public float Init { get; set; } = 0.25f;
}

/// <summary>Randomized leaky ReLU (Xu et al. 2015): random slope in [lower, upper] per element in training, the mean slope at inference.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RReLUAttribute : LayerAttribute
{
    /// <summary>Declares a randomized leaky ReLU.</summary>
    /// <param name="lower">The smallest slope (default 1/8).</param>
    /// <param name="upper">The largest slope (default 1/3).</param>
    public RReLUAttribute(float lower = 0.125f, float upper = 0.33333334f)
    {
        Lower = lower;
        Upper = upper;
    }

    /// <summary>The smallest slope.</summary>
    public float Lower { get; }

    /// <summary>The largest slope.</summary>
    public float Upper { get; }
}

/// <summary>
/// Maxout (Goodfellow et al. 2013): the maximum over <c>pieces</c> consecutive linear pieces. The previous dense layer
/// produces units × pieces features (piece index fastest); the output has units features.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxoutAttribute : LayerAttribute
{
    /// <summary>Declares maxout.</summary>
    /// <param name="pieces">The number of pieces per unit; at least 2, and it must divide the input size.</param>
    public MaxoutAttribute(int pieces) => Pieces = pieces;

    /// <summary>The number of pieces per unit.</summary>
    public int Pieces { get; }
}

/// <summary>Softmax as a layer (not a loss head): normalizes each sample's features into probabilities.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
}
