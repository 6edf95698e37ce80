using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// What a dense and a convolution layer print alike for their weight tensor and optional bias: the slices, the
/// initialization, the rows of the parameter table and the ONNX inputs. Each layer gives its own named-constant
/// expressions (weight count, shape, fan-in and fan-out), so the generated code names every size.
/// </summary>
internal sealed class WeightTensors
{
    private readonly LayerModel _layer;
    private readonly InitModel _init;
    private readonly bool _hasBias;
    private readonly float _biasInit;
    private readonly string _count;
    private readonly string[] _shape;
    private readonly string _fanIn;
    private readonly string _fanOut;
    private readonly string _biasCount;

    /// <summary>Describes a layer's weights (at the constant <c>L{i}_W</c>) and bias (at <c>L{i}_B</c>).</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="init">Its weight initialization.</param>
    /// <param name="hasBias">Whether it has a bias.</param>
    /// <param name="biasInit">The bias's initial value.</param>
    /// <param name="shape">The weight tensor's dimensions as named constants, outermost first (PyTorch's layout).</param>
    /// <param name="fanIn">The fan-in as an expression of named constants.</param>
    /// <param name="fanOut">The fan-out likewise.</param>
    public WeightTensors(LayerModel layer, InitModel init, bool hasBias, float biasInit, string[] shape, string fanIn, string fanOut)
    {
        _layer = layer;
        _init = init;
        _hasBias = hasBias;
        _biasInit = biasInit;
        _shape = shape;
        _count = string.Join(" * ", shape);
        _fanIn = fanIn;
        _fanOut = fanOut;
        _biasCount = shape[0];
    }

    /// <summary>The weights in <paramref name="buffer"/> (<c>Parameters</c>, <c>Gradients</c>, …).</summary>
    public string Weights(string buffer) => $"{buffer}.Slice({Names.P(_layer, "W")}, {_count})";

    /// <summary>The bias in <paramref name="buffer"/>, or <c>default</c> (an empty span) for a layer without bias.</summary>
    public string Bias(string buffer) => _hasBias ? $"{buffer}.Slice({Names.P(_layer, "B")}, {_biasCount})" : "default";

    /// <summary>The layer description's bias part: where the bias lives, or that there is none.</summary>
    public static string DescribeBias(bool hasBias, int count, int offset)
        => hasBias ? $", bias [{count}] at params[{offset}..{offset + count})" : ", no bias";

    /// <summary>
    /// Writes the parameter table's rows: <c>{name}.weight</c> (drawn from the random stream numbered by the layer), and
    /// <c>{name}.bias</c> when there is one: a constant or, for a scheme that draws biases, drawn right after the weights
    /// from the same stream.
    /// </summary>
    public void EmitParameterTensors(CodeWriter w)
    {
        bool schemeBias = _hasBias && _init.BiasFromScheme;
        string bias = !_hasBias ? "none" : schemeBias ? "U(±1/√fanIn)" : CodeWriter.Float(_biasInit).TrimEnd('f');
        w.Line($"// Layer {_layer.Index} ({_layer.Name}): weights {_init.Kind} ({_init.Reason}), bias {bias}.");
        // std and value matter only to the Gaussian and Constant schemes (the row's defaults stand for the others).
        string kind = _init.Kind.ToString();
        string[] how = new[] { $"scheme: global::NetGen.WeightInit.{kind}", $"fanIn: {_fanIn}", $"fanOut: {_fanOut}" }
            .Concat(kind == "Gaussian" ? new[] { $"std: {CodeWriter.Float(_init.Std)}" } : new string[0])
            .Concat(kind == "Constant" ? new[] { $"value: {CodeWriter.Float(_init.Value)}" } : new string[0])
            .ToArray();
        TensorTable.Row(w, _layer, "weight", Names.P(_layer, "W"), "Weight", _shape, how);
        if (schemeBias)
        {
            TensorTable.Row(w, _layer, "bias", Names.P(_layer, "B"), "Bias", [_biasCount],
                $"scheme: global::NetGen.WeightInit.{kind}", $"fanIn: {_fanIn}", "schemeBias: true");
        }
        else if (_hasBias)
        {
            TensorTable.Row(w, _layer, "bias", Names.P(_layer, "B"), "Bias", [_biasCount], $"value: {CodeWriter.Float(_biasInit)}");
        }
    }

    /// <summary>The ONNX node's inputs: the layer input, the weight and, if any, the bias initializer.</summary>
    public string[] OnnxInputs(string input)
    {
        string[] tensors = { input, _layer.Name + ".weight", _layer.Name + ".bias" };
        return tensors.Take(_hasBias ? 3 : 2).ToArray();
    }
}

/// <summary>The rows of the network layout's <c>parameters</c> and <c>buffers</c> tables.</summary>
internal static class TensorTable
{
    /// <summary>
    /// Writes one row with named arguments: on one line when it fits in 120 characters, otherwise one argument per
    /// line (<see cref="LineWrap"/>).
    /// </summary>
    /// <param name="w">The writer.</param>
    /// <param name="layer">The layer the tensor belongs to.</param>
    /// <param name="suffix">The tensor's name after the layer's (PyTorch's <c>state_dict</c> key), e.g. <c>weight</c>.</param>
    /// <param name="offset">The named constant of its offset in the flat buffer.</param>
    /// <param name="role">The <c>ParameterRole</c> member.</param>
    /// <param name="shape">Its dimensions as named constants (its length is their product).</param>
    /// <param name="how">How it starts: <c>value: 1f</c>, or a scheme with its fans.</param>
    public static void Row(CodeWriter w, LayerModel layer, string suffix, string offset, string role, string[] shape, params string[] how)
        => w.ArgumentList(
            "new(",
            [
                $"name: \"{layer.Name}.{suffix}\"", $"layer: {layer.Index}", $"offset: {offset}",
                $"shape: new({string.Join(", ", shape)})", $"role: global::NetGen.ParameterRole.{role}", .. how,
            ],
            "),");
}
