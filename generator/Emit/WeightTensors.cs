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
    /// Writes the initialization table's rows: the weights (drawn from the random stream numbered by the layer) and the
    /// bias, a constant or, for a scheme that draws biases, drawn right after the weights from the same stream.
    /// </summary>
    public void EmitInitialization(CodeWriter w)
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
        TensorTable.InitRow(w, _layer, Names.P(_layer, "W"), _count, how);
        if (schemeBias)
        {
            TensorTable.InitRow(w, _layer, Names.P(_layer, "B"), _biasCount, $"scheme: global::NetGen.WeightInit.{_init.Kind}",
                $"fanIn: {_fanIn}", "schemeBias: true");
        }
        else if (_hasBias)
        {
            TensorTable.InitRow(w, _layer, Names.P(_layer, "B"), _biasCount, $"value: {CodeWriter.Float(_biasInit)}");
        }
    }

    /// <summary>Writes the parameter table's rows: <c>{name}.weight</c>, and <c>{name}.bias</c> when there is one.</summary>
    public void EmitParameterTensors(CodeWriter w)
    {
        TensorTable.Row(w, _layer, "weight", Names.P(_layer, "W"), _count, "Weight", _shape);
        if (_hasBias)
        {
            TensorTable.Row(w, _layer, "bias", Names.P(_layer, "B"), _biasCount, "Bias", _biasCount);
        }
    }

    /// <summary>The ONNX node's inputs: the layer input, the weight and, if any, the bias initializer.</summary>
    public string[] OnnxInputs(string input)
    {
        string[] tensors = { input, _layer.Name + ".weight", _layer.Name + ".bias" };
        return tensors.Take(_hasBias ? 3 : 2).ToArray();
    }
}

/// <summary>The rows of the generated <c>ParameterTensors</c> and <c>BufferTensors</c> tables.</summary>
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
    /// <param name="length">Its length as an expression of named constants.</param>
    /// <param name="role">The <c>ParameterRole</c> member.</param>
    /// <param name="shape">Its dimensions as named constants.</param>
    public static void Row(CodeWriter w, LayerModel layer, string suffix, string offset, string length, string role, params string[] shape)
        => w.ArgumentList(
            "new(",
            [
                $"Name: \"{layer.Name}.{suffix}\"", $"LayerIndex: {layer.Index}", $"Offset: {offset}", $"Length: {length}",
                $"Shape: new[] {{ {string.Join(", ", shape)} }}", $"Role: global::NetGen.ParameterRole.{role}",
            ],
            "),");

    /// <summary>
    /// Writes one row of the layout's <c>initialization</c> (or <c>bufferInitialization</c>) table: the tensor at
    /// <paramref name="offset"/> of <paramref name="length"/>, then how it starts (<c>value: 1f</c>, or a scheme with its
    /// fans).
    /// </summary>
    public static void InitRow(CodeWriter w, LayerModel layer, string offset, string length, params string[] how)
        => w.ArgumentList("new(", [$"layer: {layer.Index}", $"offset: {offset}", $"length: {length}", .. how], "),");
}
