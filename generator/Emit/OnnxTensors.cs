using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Which ONNX tensor holds each arena buffer while <c>DescribeOnnxGraph</c> is written: the network input is
/// <c>input</c>, and each layer's output buffer is named by what its emitter returned (its own name, or its input's
/// name for layers that add no node at inference, such as dropout).
/// </summary>
internal sealed class OnnxTensors
{
    private readonly Dictionary<int, string> _byBuffer = new();

    public OnnxTensors(int inputBuffer) => _byBuffer[inputBuffer] = "input";

    /// <summary>The tensor holding arena buffer <paramref name="buffer"/> (e.g. a residual block's skip input).</summary>
    public string At(int buffer) => _byBuffer[buffer];

    /// <summary>The tensor holding the layer's input.</summary>
    public string Input(LayerModel layer) => At(layer.InputBuffer);

    /// <summary>Records that <paramref name="name"/> holds the layer's output from now on.</summary>
    public void Produced(LayerModel layer, string name) => _byBuffer[layer.OutputBuffer] = name;
}
