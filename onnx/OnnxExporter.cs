using System;
using System.IO;
using System.Linq;

namespace NetGen.Onnx;

/// <summary>What <see cref="OnnxExporter"/> writes beyond the graph itself.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The lowest opset the exporter writes (LayerNormalization needs 17).</summary>
    public const int MinimumOpset = 17;

    /// <summary>The highest opset the exporter writes (every operator it uses is tested in ONNX Runtime at 17, 21 and 23).</summary>
    public const int MaximumOpset = 23;

    /// <summary>The version of the default ONNX operator set the model imports (default 17).</summary>
    public int Opset { get; init; } = MinimumOpset;

    /// <summary>The graph's name; null (the default) uses the network's class name.</summary>
    public string? GraphName { get; init; }

    /// <summary>Free text stored as the model's doc string; null (the default) stores the network's architecture.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// Writes a NetGen network's inference graph (what <see cref="NetworkBase.Forward(System.ReadOnlySpan{float}, int)"/> computes in
/// <see cref="NetworkMode.Inference"/>) as an ONNX model: input <c>input</c> of shape [batch, ...InputShape], output
/// <c>output</c> of shape [batch, ...output shape], the batch dimension symbolic, parameters and batch-norm running
/// statistics as float initializers under the names of <see cref="NetworkBase.ParameterTensors"/> and
/// <see cref="NetworkBase.BufferTensors"/>. Each layer kind's ONNX operators are chosen by its emitter in the generator.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Writes the model to <paramref name="path"/> (through a temporary file, so an existing file is replaced only by a complete model).</summary>
    /// <param name="network">A generated network; its mode and buffers are not changed.</param>
    /// <param name="path">The file to write, usually <c>model.onnx</c>.</param>
    /// <param name="options">Opset and names; null for the defaults.</param>
    public static void Save(NetworkBase network, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] model = Export(network, options);
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write {path}: the directory {directory} does not exist.");
        }

        string temporary = full + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, model);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Returns the serialized ONNX model (a ModelProto) of the network.</summary>
    /// <param name="network">A generated network; its mode and buffers are not changed.</param>
    /// <param name="options">Opset and names; null for the defaults.</param>
    public static byte[] Export(NetworkBase network, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new OnnxExportOptions();
        if (options.Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, $"The opset must be between {OnnxExportOptions.MinimumOpset} and {OnnxExportOptions.MaximumOpset}.");
        }

        var graph = new OnnxGraph(network);
        network.DescribeOnnxGraph(graph);
        graph.Complete();
        return ModelProto.Write(network, graph, options);
    }
}

/// <summary>The ONNX messages NetGen writes, with their field numbers from onnx.proto.</summary>
internal static class ModelProto
{
    private const int FloatType = 1, Int64Type = 7;

    public static byte[] Write(NetworkBase network, OnnxGraph graph, OnnxExportOptions options)
    {
        var model = new ProtoWriter();
        model.Int64(1, IrVersion(options.Opset));                                   // ir_version
        model.String(2, "NetGen");                                                   // producer_name
        model.String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"); // producer_version
        model.String(6, options.Description ?? network.Architecture);                 // doc_string
        model.Message(7, g => WriteGraph(g, network, graph, options));              // graph
        model.Message(8, o => o.Int64(2, options.Opset));                           // opset_import { version }
        model.Message(14, m => { m.String(1, "netgen.fingerprint"); m.String(2, network.ArchitectureFingerprint.ToString("X16", System.Globalization.CultureInfo.InvariantCulture)); }); // metadata_props
        return model.Written.ToArray();
    }

    /// <summary>The IR version that the ONNX release introducing each opset wrote (opset 17: IR 8 … opset 23: IR 11).</summary>
    private static long IrVersion(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    private static void WriteGraph(ProtoWriter g, NetworkBase network, OnnxGraph graph, OnnxExportOptions options)
    {
        foreach (Node node in graph.Nodes)
        {
            g.Message(1, n => WriteNode(n, node));                                 // node
        }

        g.String(2, options.GraphName ?? network.GetType().Name);                   // name
        foreach (Initializer initializer in graph.Initializers)
        {
            g.Message(5, t => WriteTensor(t, initializer));                         // initializer
        }

        g.Message(11, v => WriteValueInfo(v, OnnxGraph.InputName, network.InputShape.ToArray()));  // input
        g.Message(12, v => WriteValueInfo(v, OnnxGraph.OutputName, network.Layers[network.Layers.Count - 1].OutputShape.ToArray())); // output
    }

    private static void WriteNode(ProtoWriter n, Node node)
    {
        foreach (string input in node.Inputs)
        {
            n.String(1, input);                                                      // input
        }

        n.String(2, node.Output);                                                    // output
        n.String(3, node.Output);                                                    // name
        n.String(4, node.OpType);                                                    // op_type
        foreach (NodeAttribute attribute in node.Attributes)
        {
            n.Message(5, a => WriteAttribute(a, attribute));                         // attribute
        }
    }

    private static void WriteAttribute(ProtoWriter a, NodeAttribute attribute)
    {
        a.String(1, attribute.Name);                                                 // name
        switch (attribute.Kind)
        {
            case AttributeKind.Float:
                a.Float(2, attribute.Float);                                         // f
                break;
            case AttributeKind.Int:
                a.Int64(3, attribute.Int);                                           // i
                break;
            default:
                foreach (long value in attribute.Ints!)
                {
                    a.Int64(8, value);                                               // ints
                }

                break;
        }

        a.Int64(20, (int)attribute.Kind);                                            // type
    }

    private static void WriteTensor(ProtoWriter t, Initializer initializer)
    {
        foreach (long dim in initializer.Dims)
        {
            t.Int64(1, dim);                                                         // dims
        }

        t.Int64(2, initializer.Floats is not null ? FloatType : Int64Type);          // data_type
        t.String(8, initializer.Name);                                               // name
        t.Bytes(9, initializer.RawData());                                           // raw_data
    }

    private static void WriteValueInfo(ProtoWriter v, string name, int[] shape)
    {
        v.String(1, name);                                                           // name
        v.Message(2, type => type.Message(1, tensor =>                               // type { tensor_type
        {
            tensor.Int64(1, FloatType);                                              //   elem_type
            tensor.Message(2, s =>                                                   //   shape
            {
                s.Message(1, d => d.String(2, "batch"));                             //     dim { dim_param }
                foreach (int dim in shape)
                {
                    s.Message(1, d => d.Int64(1, dim));                              //     dim { dim_value }
                }
            });
        }));
    }
}
