using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Prints one layer kind. Forward and backward live side by side so a reader checks one against the other. Emitters
/// see only the model: every shape and offset was computed by the validator.
/// </summary>
internal interface ILayerEmitter
{
    /// <summary>One line for the header comment and the constants' comment, e.g. <c>Dense 784 -> 256</c>.</summary>
    string Describe(LayerModel layer);

    /// <summary>The layer's named constants beyond the common ones (input/output sizes and buffers).</summary>
    string ExtraConstants(LayerModel layer);

    /// <summary>Whether the layer has any forward work (a mean-squared-error head passes its input through).</summary>
    bool HasForward(LayerModel layer);

    /// <summary>Whether the layer has any backward work.</summary>
    bool HasBackward(LayerModel layer);

    void EmitForward(CodeWriter w, LayerModel layer);

    void EmitBackward(CodeWriter w, LayerModel layer);

    /// <summary>Writes this layer's part of <c>InitializeParameters</c> (nothing for layers without parameters).</summary>
    void EmitInitialization(CodeWriter w, LayerModel layer);

    /// <summary>Writes this layer's entries of the parameter tensor table.</summary>
    void EmitParameterTensors(CodeWriter w, LayerModel layer);

    /// <summary>
    /// Writes the layer's part of <c>DescribeOnnxGraph</c>: its ONNX nodes at inference, one builder call per node, and
    /// returns the tensor that holds its output (its name, or its input's name when it adds no node).
    /// </summary>
    string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors);
}

/// <summary>Optional emitter parts, for layers with per-layer fields or non-learned state.</summary>
internal interface ILayerStateEmitter
{
    /// <summary>Writes private fields the layer needs (allocated once with the network).</summary>
    void EmitFields(CodeWriter w, LayerModel layer);

    /// <summary>Writes this layer's entries of the buffer tensor table.</summary>
    void EmitBufferTensors(CodeWriter w, LayerModel layer);

    /// <summary>Writes the reset of this layer's buffers (part of <c>InitializeParameters</c>).</summary>
    void EmitBufferInitialization(CodeWriter w, LayerModel layer);
}

/// <summary>Maps each layer model to its emitter: adding a layer kind means one model case and one emitter.</summary>
internal static class EmitterRegistry
{
    private static readonly DenseEmitter Dense = new();
    private static readonly ActivationEmitter Activation = new();
    private static readonly LossEmitter Loss = new();
    private static readonly Conv2DEmitter Conv = new();
    private static readonly PoolEmitter Pool = new();
    private static readonly FlattenEmitter Flatten = new();
    private static readonly NormEmitter Norm = new();
    private static readonly DropoutEmitter Dropout = new();
    private static readonly LearnedActivationEmitter Learned = new();
    private static readonly ResidualEmitter Residual = new();

    public static ILayerEmitter For(LayerModel layer) => layer switch
    {
        DenseLayer => Dense,
        ActivationLayer => Activation,
        LossLayer => Loss,
        Conv2DLayer => Conv,
        PoolLayer or FractionalPoolLayer => Pool,
        FlattenLayer => Flatten,
        NormLayer => Norm,
        DropoutLayer => Dropout,
        PReluLayer or RReluLayer or MaxoutLayer or SoftmaxLayer => Learned,
        ResidualAddLayer => Residual,
        _ => throw new System.InvalidOperationException("No emitter for " + layer.Kind),
    };
}

/// <summary>Names shared by the emitters, so generated code is consistent.</summary>
internal static class Names
{
    public const string Kernels = "global::NetGen.Kernels";

    public static string P(LayerModel l, string suffix) => $"L{l.Index}_{suffix}";

    /// <summary>A per-sample extra buffer of the layer (mask, statistics) for the batch.</summary>
    public static string Extra(int offset, string size) => $"Activation({offset}, {size}, batch)";

    /// <summary>The layer's input activations for the batch.</summary>
    public static string X(LayerModel l) => $"Activation({P(l, "X")}, {P(l, "In")}, batch)";

    /// <summary>The layer's output activations for the batch.</summary>
    public static string Y(LayerModel l) => $"Activation({P(l, "Y")}, {P(l, "Out")}, batch)";

    /// <summary>The gradient of the layer's input.</summary>
    public static string DX(LayerModel l) => $"ActivationGradient({P(l, "X")}, {P(l, "In")}, batch)";

    /// <summary>The gradient of the layer's output.</summary>
    public static string DY(LayerModel l) => $"ActivationGradient({P(l, "Y")}, {P(l, "Out")}, batch)";
}
