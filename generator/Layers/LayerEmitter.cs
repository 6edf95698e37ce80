using System.Collections.Generic;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;

namespace NetGen.Generator.Layers;

/// <summary>
/// The base of every layer emitter: typed on the layer model it prints, so no emitter casts. Forward and backward sit
/// side by side in each subclass; the optional parts (fields, buffers, initialization, parameter tensors) print nothing
/// unless overridden.
/// </summary>
/// <typeparam name="TLayer">The layer model this emitter prints.</typeparam>
internal abstract class LayerEmitter<TLayer> : ILayerEmitter
    where TLayer : LayerModel
{
    /// <inheritdoc />
    public System.Type ModelType => typeof(TLayer);

    /// <summary>One line for the header comment and the constants' comment, e.g. <c>Dense 784 -> 256</c>.</summary>
    public abstract string Describe(TLayer layer);

    /// <summary>The layer's named constants beyond the common ones (input/output sizes and buffers).</summary>
    public virtual string ExtraConstants(TLayer layer) => "";

    /// <summary>
    /// FLOPs of one sample's forward pass, counted as PyTorch's <c>FlopCounterMode</c> does: 2 per multiply-add of
    /// matrix products and convolutions; element-wise work (activations, normalization, pooling, bias) counts 0.
    /// </summary>
    public virtual long ForwardFlops(TLayer layer) => 0;

    /// <summary>FLOPs of one sample's backward pass, counted likewise: the weight gradient, plus the input gradient unless the input is the network's.</summary>
    public virtual long BackwardFlops(TLayer layer) => 0;

    /// <summary>Whether the layer has any forward work.</summary>
    public virtual bool HasForward(TLayer layer) => true;

    /// <summary>Whether the layer has any backward work (by default, unless its input is the network input).</summary>
    public virtual bool HasBackward(TLayer layer) => !layer.InputIsNetworkInput;

    /// <summary>The activation-gradient buffers the backward adds into: by default the input gradient, when there is a backward and the input is not the network's.</summary>
    public virtual IEnumerable<GradientBuffer> InputGradientBuffers(TLayer layer) =>
        HasBackward(layer) && !layer.InputIsNetworkInput ? new[] { GradientBuffer.InputOf(layer) } : System.Array.Empty<GradientBuffer>();

    /// <summary>Whether the backward kernel takes <c>overwriteDx</c> (see <see cref="ILayerEmitter.OverwritesInputGradient"/>); false unless overridden.</summary>
    public virtual bool OverwritesInputGradient(TLayer layer) => false;

    /// <summary>Whether the backward writes the parameters' gradients after <c>ZeroGradients</c> (see <see cref="ILayerEmitter.WritesParameterGradients"/>); false unless overridden.</summary>
    public virtual bool WritesParameterGradients(TLayer layer) => false;

    /// <summary>Writes the layer's <c>Layer{i}Forward</c> method.</summary>
    public abstract void EmitForward(CodeWriter w, TLayer layer);

    /// <summary>Writes the layer's <c>Layer{i}Backward</c> method, the mirror of its forward.</summary>
    public abstract void EmitBackward(CodeWriter w, TLayer layer);

    /// <summary>Writes this layer's rows of the layout's parameter table, each tensor with how it starts.</summary>
    public virtual void EmitParameterTensors(CodeWriter w, TLayer layer)
    {
    }

    /// <summary>Writes the layer's ONNX nodes and returns the tensor holding its output.</summary>
    public abstract string EmitOnnx(CodeWriter w, TLayer layer, OnnxTensors tensors);

    /// <summary>Writes private fields the layer needs.</summary>
    public virtual void EmitFields(CodeWriter w, TLayer layer)
    {
    }

    /// <summary>Writes this layer's rows of the layout's buffer table, each tensor with the constant it starts at.</summary>
    public virtual void EmitBufferTensors(CodeWriter w, TLayer layer)
    {
    }

    string ILayerEmitter.Describe(LayerModel layer) => Describe((TLayer)layer);

    string ILayerEmitter.ExtraConstants(LayerModel layer) => ExtraConstants((TLayer)layer);

    long ILayerEmitter.ForwardFlops(LayerModel layer) => ForwardFlops((TLayer)layer);

    long ILayerEmitter.BackwardFlops(LayerModel layer) => BackwardFlops((TLayer)layer);

    bool ILayerEmitter.HasForward(LayerModel layer) => HasForward((TLayer)layer);

    bool ILayerEmitter.WritesParameterGradients(LayerModel layer) => WritesParameterGradients((TLayer)layer);

    bool ILayerEmitter.HasBackward(LayerModel layer) => HasBackward((TLayer)layer);

    IEnumerable<GradientBuffer> ILayerEmitter.InputGradientBuffers(LayerModel layer) => InputGradientBuffers((TLayer)layer);

    bool ILayerEmitter.OverwritesInputGradient(LayerModel layer) => OverwritesInputGradient((TLayer)layer);

    void ILayerEmitter.EmitForward(CodeWriter w, LayerModel layer) => EmitForward(w, (TLayer)layer);

    void ILayerEmitter.EmitBackward(CodeWriter w, LayerModel layer) => EmitBackward(w, (TLayer)layer);

    void ILayerEmitter.EmitParameterTensors(CodeWriter w, LayerModel layer) => EmitParameterTensors(w, (TLayer)layer);

    string ILayerEmitter.EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors) => EmitOnnx(w, (TLayer)layer, tensors);

    void ILayerEmitter.EmitFields(CodeWriter w, LayerModel layer) => EmitFields(w, (TLayer)layer);

    void ILayerEmitter.EmitBufferTensors(CodeWriter w, LayerModel layer) => EmitBufferTensors(w, (TLayer)layer);
}
