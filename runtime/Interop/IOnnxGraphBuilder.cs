namespace NetGen.Interop;

/// <summary>
/// Receives a network's inference graph as ONNX nodes, in topological order. Generated networks describe themselves to
/// it in <see cref="NetworkBase.DescribeOnnxGraph"/> (one call per node, every shape a constant); the <c>NetGen.Onnx</c>
/// package implements it and writes the model file, so the core package needs no protobuf library.
/// </summary>
/// <remarks>
/// Tensor names: <c>input</c> is the network input (shape [batch, ...InputShape]); every node names its one output.
/// A node input that is neither <c>input</c>, an earlier node's output nor a constant of this builder names a tensor of
/// <see cref="NetworkBase.ParameterTensors"/> or <see cref="NetworkBase.BufferTensors"/>, which becomes an initializer
/// of the same name and shape (use <see cref="Parameter"/> for another shape). An empty name is an omitted optional input.
/// </remarks>
public interface IOnnxGraphBuilder
{
    /// <summary>Adds a node of the default ONNX domain with one output; set its attributes on the returned node.</summary>
    /// <param name="opType">The operator, e.g. <c>Gemm</c>.</param>
    /// <param name="output">The name of the tensor the node produces; unique in the graph.</param>
    /// <param name="inputs">The names of its input tensors, in the operator's order.</param>
    IOnnxNode Node(string opType, string output, params string[] inputs);

    /// <summary>Makes a parameter or buffer tensor an initializer with another shape of the same element count (e.g. a per-channel slope as [C, 1, 1]).</summary>
    /// <param name="name">The tensor's name in <see cref="NetworkBase.ParameterTensors"/> or <see cref="NetworkBase.BufferTensors"/>.</param>
    /// <param name="shape">The shape the graph sees.</param>
    /// <returns>The initializer's name (<paramref name="name"/>), to use as a node input.</returns>
    string Parameter(string name, params long[] shape);

    /// <summary>Adds a float constant of the given shape with every element equal to <paramref name="value"/>.</summary>
    /// <param name="name">The constant's name; unique in the graph.</param>
    /// <param name="value">The value of every element.</param>
    /// <param name="shape">The shape; empty for a scalar.</param>
    /// <returns><paramref name="name"/>, to use as a node input.</returns>
    string Constant(string name, float value, params long[] shape);

    /// <summary>Adds a one-dimensional int64 constant (a target shape, axes, gather indices).</summary>
    /// <param name="name">The constant's name; unique in the graph.</param>
    /// <param name="values">Its elements.</param>
    /// <returns><paramref name="name"/>, to use as a node input.</returns>
    string Int64s(string name, params long[] values);

    /// <summary>Declares which tensor is the network's output (it is named <c>output</c> in the graph).</summary>
    /// <param name="name">The tensor holding what <see cref="NetworkBase.Forward(System.ReadOnlySpan{float}, int)"/> returns in inference mode.</param>
    void Output(string name);
}

/// <summary>A node being added to an <see cref="IOnnxGraphBuilder"/>: its attributes, set fluently.</summary>
public interface IOnnxNode
{
    /// <summary>Sets an integer attribute.</summary>
    /// <param name="name">The attribute's name, e.g. <c>transB</c>.</param>
    /// <param name="value">Its value.</param>
    IOnnxNode Int(string name, long value);

    /// <summary>Sets an attribute holding a list of integers.</summary>
    /// <param name="name">The attribute's name, e.g. <c>kernel_shape</c>.</param>
    /// <param name="values">Its values.</param>
    IOnnxNode Ints(string name, params long[] values);

    /// <summary>Sets a float attribute.</summary>
    /// <param name="name">The attribute's name, e.g. <c>epsilon</c>.</param>
    /// <param name="value">Its value.</param>
    IOnnxNode Float(string name, float value);
}
