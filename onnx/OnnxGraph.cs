using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Interop;

namespace NetGen.Onnx;

/// <summary>
/// Collects the nodes a network describes and the initializers they use (parameter and buffer tensors copied from the
/// network, constants), checking every name as it goes, then writes the ONNX ModelProto.
/// </summary>
internal sealed class OnnxGraph : IOnnxGraphBuilder
{
    /// <summary>The graph input's and output's names.</summary>
    public const string InputName = "input", OutputName = "output";

    private readonly NetworkBase _network;
    private readonly Dictionary<string, (ParameterTensor Tensor, bool IsBuffer)> _tensors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal) { InputName };
    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private string? _output;

    public OnnxGraph(NetworkBase network)
    {
        _network = network;
        foreach (ParameterTensor t in network.ParameterTensors)
        {
            _tensors[t.Name] = (t, false);
        }

        foreach (ParameterTensor t in network.BufferTensors)
        {
            _tensors[t.Name] = (t, true);
        }
    }

    /// <summary>The nodes in the order they were added (topological, as the network describes them).</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>The initializers in the order they were first used.</summary>
    public IReadOnlyList<Initializer> Initializers => _initializers;

    public IOnnxNode Node(string opType, string output, params string[] inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentException.ThrowIfNullOrEmpty(output);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (string input in inputs)
        {
            if (input.Length > 0 && !_defined.Contains(input))
            {
                if (!_tensors.TryGetValue(input, out var tensor))
                {
                    throw new InvalidOperationException($"The {opType} node '{output}' reads '{input}', which is neither the input, an earlier node's output, a constant nor a parameter or buffer tensor of {_network.GetType().Name}.");
                }

                AddTensor(input, tensor.Tensor, tensor.IsBuffer, tensor.Tensor.Shape.Select(d => (long)d).ToArray());
            }
        }

        Define(output);
        var node = new Node(opType, output, inputs.ToArray());
        _nodes.Add(node);
        return node;
    }

    public string Parameter(string name, params long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (!_tensors.TryGetValue(name, out var tensor))
        {
            throw new InvalidOperationException($"{_network.GetType().Name} has no parameter or buffer tensor named '{name}'.");
        }

        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != tensor.Tensor.Length || shape.Any(d => d < 0))
        {
            throw new InvalidOperationException($"The tensor '{name}' holds {tensor.Tensor.Length} values; it cannot be viewed as [{string.Join(", ", shape)}].");
        }

        if (_initializers.Find(i => i.Name == name) is { } existing)
        {
            return existing.Dims.SequenceEqual(shape) ? name : throw new InvalidOperationException($"The tensor '{name}' is already in the graph as [{string.Join(", ", existing.Dims)}]; it cannot also be [{string.Join(", ", shape)}].");
        }

        AddTensor(name, tensor.Tensor, tensor.IsBuffer, shape);
        return name;
    }

    public string Constant(string name, float value, params long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        Array.Fill(values, value);
        Define(name);
        _initializers.Add(new Initializer(name, shape.ToArray(), Floats: values, Int64s: null));
        return name;
    }

    public string Int64s(string name, params long[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        Define(name);
        _initializers.Add(new Initializer(name, [values.Length], Floats: null, Int64s: values.ToArray()));
        return name;
    }

    public void Output(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_output is not null)
        {
            throw new InvalidOperationException($"The output was already declared ('{_output}').");
        }

        if (!_defined.Contains(name))
        {
            throw new InvalidOperationException($"The output '{name}' is not a tensor of the graph.");
        }

        // The last node's own output becomes "output"; anything else (the input itself, a tensor read later) goes
        // through an Identity node.
        int producer = _nodes.FindLastIndex(n => n.Output == name);
        bool consumed = _nodes.Any(n => n.Inputs.Contains(name));
        if (producer >= 0 && !consumed && name != OutputName)
        {
            _nodes[producer].Output = OutputName;
            _defined.Remove(name);
            Define(OutputName);
        }
        else if (name != OutputName)
        {
            Node("Identity", OutputName, name);
        }

        _output = OutputName;
    }

    /// <summary>Throws unless the network declared its output.</summary>
    public void Complete()
    {
        if (_output is null)
        {
            throw new InvalidOperationException($"{_network.GetType().Name} described its graph without declaring the output.");
        }
    }

    private void Define(string name)
    {
        if (!_defined.Add(name))
        {
            throw new InvalidOperationException($"The tensor name '{name}' is used twice in the graph.");
        }
    }

    private void AddTensor(string name, ParameterTensor tensor, bool isBuffer, long[] shape)
    {
        Define(name);
        ReadOnlySpan<float> source = (isBuffer ? _network.Buffers : _network.Parameters).Slice(tensor.Offset, tensor.Length);
        _initializers.Add(new Initializer(name, shape, Floats: source.ToArray(), Int64s: null));
    }
}

/// <summary>One node: an operator of the default domain with its inputs, one output and attributes.</summary>
internal sealed class Node(string opType, string output, string[] inputs) : IOnnxNode
{
    public string OpType { get; } = opType;

    public string Output { get; set; } = output;

    public string[] Inputs { get; } = inputs;

    public List<NodeAttribute> Attributes { get; } = [];

    public IOnnxNode Int(string name, long value) => Add(new NodeAttribute(name, AttributeKind.Int, value, 0f, null));

    public IOnnxNode Ints(string name, params long[] values) => Add(new NodeAttribute(name, AttributeKind.Ints, 0, 0f, (values ?? throw new ArgumentNullException(nameof(values))).ToArray()));

    public IOnnxNode Float(string name, float value) => Add(new NodeAttribute(name, AttributeKind.Float, 0, value, null));

    private Node Add(NodeAttribute attribute)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute.Name);
        if (Attributes.Any(a => a.Name == attribute.Name))
        {
            throw new InvalidOperationException($"The {OpType} node '{Output}' already has the attribute '{attribute.Name}'.");
        }

        Attributes.Add(attribute);
        return this;
    }
}

/// <summary>The attribute types NetGen's graphs use (values of ONNX's AttributeProto.AttributeType).</summary>
internal enum AttributeKind
{
    Float = 1,
    Int = 2,
    Ints = 7,
}

/// <summary>One node attribute.</summary>
internal sealed record NodeAttribute(string Name, AttributeKind Kind, long Int, float Float, long[]? Ints);

/// <summary>A constant tensor of the graph: float data (parameters, buffers, constants) or int64 data (shapes, indices).</summary>
internal sealed record Initializer(string Name, long[] Dims, float[]? Floats, long[]? Int64s)
{
    /// <summary>The data as little-endian bytes (ONNX's raw_data).</summary>
    public byte[] RawData()
    {
        byte[] bytes = Floats is not null ? MemoryMarshal.AsBytes(Floats.AsSpan()).ToArray() : MemoryMarshal.AsBytes(Int64s.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX export writes little-endian tensor data and supports little-endian hosts only.");
        }

        return bytes;
    }
}
