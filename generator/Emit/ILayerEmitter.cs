using System.Collections.Generic;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Prints one layer kind. Forward and backward live side by side so a reader checks one against the other. Emitters
/// see only the model: every shape and offset was computed by the validator.
/// </summary>
internal interface ILayerEmitter
{
    /// <summary>The layer model type this emitter prints.</summary>
    System.Type ModelType { get; }

    /// <summary>One line for the header comment and the constants' comment, e.g. <c>Dense 784 -> 256</c>.</summary>
    string Describe(LayerModel layer);

    /// <summary>The layer's named constants beyond the common ones (input/output sizes and buffers).</summary>
    string ExtraConstants(LayerModel layer);

    /// <summary>FLOPs of one sample's forward pass: 2 per multiply-add of matrix products and convolutions, others 0.</summary>
    long ForwardFlops(LayerModel layer);

    /// <summary>FLOPs of one sample's backward pass, counted as <see cref="ForwardFlops"/> (weight and input gradients).</summary>
    long BackwardFlops(LayerModel layer);

    /// <summary>Whether the layer has any forward work (a mean-squared-error head passes its input through).</summary>
    bool HasForward(LayerModel layer);

    /// <summary>Whether the layer has any backward work.</summary>
    bool HasBackward(LayerModel layer);

    /// <summary>
    /// The activation-gradient buffers the layer's backward adds into (its input gradient unless its input is the
    /// network's; a residual add also its skip buffer's); see <see cref="GradientWrites"/>.
    /// </summary>
    IEnumerable<GradientBuffer> InputGradientBuffers(LayerModel layer);

    /// <summary>
    /// Whether the layer's backward kernel can write its input gradient instead of adding to it; where the layer runs
    /// first among that buffer's writers (<see cref="LayerModel.FirstGradientWrite"/>) its call then passes
    /// <c>overwriteDx: true</c> and the buffer needs no clearing.
    /// </summary>
    bool OverwritesInputGradient(LayerModel layer);

    /// <summary>
    /// Whether the layer's backward writes its parameters' gradients instead of adding to them while the network's
    /// <c>OverwriteParameterGradients</c> is true (the first backward pass after <c>ZeroGradients</c>, which then leaves
    /// them uncleared); printed into the layout as <c>writesParameterGradients: true</c>.
    /// </summary>
    bool WritesParameterGradients(LayerModel layer);

    /// <summary>Writes the layer's <c>Layer{i}Forward</c> method.</summary>
    void EmitForward(CodeWriter w, LayerModel layer);

    /// <summary>Writes the layer's <c>Layer{i}Backward</c> method, the mirror of its forward.</summary>
    void EmitBackward(CodeWriter w, LayerModel layer);

    /// <summary>
    /// Writes this layer's rows of the layout's parameter table, each tensor with how it starts (nothing for layers
    /// without parameters).
    /// </summary>
    void EmitParameterTensors(CodeWriter w, LayerModel layer);

    /// <summary>
    /// Writes the layer's part of <c>DescribeOnnxGraph</c>: its ONNX nodes at inference, one builder call per node, and
    /// returns the tensor that holds its output (its name, or its input's name when it adds no node).
    /// </summary>
    string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors);

    /// <summary>Writes private fields the layer needs (allocated once with the network).</summary>
    void EmitFields(CodeWriter w, LayerModel layer);

    /// <summary>Writes this layer's rows of the layout's buffer table, each tensor with the constant it starts at.</summary>
    void EmitBufferTensors(CodeWriter w, LayerModel layer);
}

