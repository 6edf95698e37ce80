using Microsoft.ML.OnnxRuntime;
using NetGen.Interop;
using NetGen.Onnx;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using Xunit.Abstractions;

namespace NetGen.Tests.Interop;

/// <summary>
/// Every layer kind exported to ONNX and run in ONNX Runtime (the independent reference), compared with NetGen's own
/// inference-mode <c>Forward</c> on the same batch, with graph optimizations off and on. Prints the largest difference
/// per kind.
/// </summary>
public class OnnxExportTests(ITestOutputHelper output)
{
    private const int Batch = 3;
    private const float Tolerance = 1e-5f;

    private static readonly Dictionary<string, Func<NetworkBase>> s_networks = new()
    {
        ["Dense"] = () => new OnnxDenseNet(1),
        ["Conv2D"] = () => new OnnxConvNet(1),
        ["MaxPool2D+AvgPool2D"] = () => new OnnxPoolNet(1),
        ["AvgPool2D overlapping"] = () => new OnnxAvgPoolNet(1),
        ["FractionalMaxPool2D"] = () => new OnnxFractionalPoolNet(1),
        ["Flatten"] = () => new OnnxFlattenNet(1),
        ["BatchNorm"] = () => new OnnxBatchNormNet(1),
        ["LayerNorm"] = () => new OnnxLayerNormNet(1),
        ["InstanceNorm"] = () => new OnnxInstanceNormNet(1),
        ["GroupNorm"] = () => new OnnxGroupNormNet(1),
        ["ReLU"] = () => new OnnxReluNet(1),
        ["LeakyReLU"] = () => new OnnxLeakyReluNet(1),
        ["ELU"] = () => new OnnxEluNet(1),
        ["Sigmoid"] = () => new OnnxSigmoidNet(1),
        ["Tanh"] = () => new OnnxTanhNet(1),
        ["SiLU+GELU+GELU(tanh)+GlobalAvgPool2D"] = () => new GapCnnNet(1),
        ["SiLU+GELU in dense pairs"] = () => new SiluGeluMlp(1),
        ["PReLU"] = () => new OnnxPReluNet(1),
        ["RReLU"] = () => new OnnxRReluNet(1),
        ["Maxout"] = () => new OnnxMaxoutNet(1),
        ["Softmax"] = () => new OnnxSoftmaxNet(1),
        ["Dropout+DropConnect"] = () => new OnnxDropoutNet(1),
        ["Residual (+Survival)"] = () => new OnnxResidualNet(1),
        ["SoftmaxCrossEntropy"] = () => new OnnxSoftmaxHeadNet(1),
        ["SoftmaxCrossEntropy over an image"] = () => new OnnxSpatialSoftmaxHeadNet(1),
        ["MeanSquaredError (identity)"] = () => new OnnxIdentityNet(1),
        ["sample MLP"] = () => new FashionMlp(1),
        ["sample CNN"] = () => new TestCnn(1),
        ["KitchenSinkNet"] = () => new KitchenSinkNet(1),
        ["NormalizationNet"] = () => new NormalizationNet(1),
        ["ResidualOracleNet"] = () => new ResidualOracleNet(1),
    };

    public static TheoryData<string> Networks => new(s_networks.Keys);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Exported_network_matches_NetGen_inference_in_onnx_runtime(string kind)
    {
        NetworkBase net = s_networks[kind]();
        Randomize(net, seed: 11);
        float[] x = Gaussian(Batch * net.InputSize, seed: 5);
        net.Mode = NetworkMode.Inference;
        float[] expected = net.Forward(x, Batch).ToArray();

        byte[] model = OnnxExporter.Export(net);
        float worst = 0f;
        foreach (GraphOptimizationLevel level in new[] { GraphOptimizationLevel.ORT_DISABLE_ALL, GraphOptimizationLevel.ORT_ENABLE_ALL })
        {
            (float[] actual, long[] shape) = Run(model, net, x, level);
            Assert.Equal(new long[] { Batch }.Concat(net.Layers[^1].OutputShape.Select(d => (long)d)), shape);
            float difference = (float)TensorAssert.MaxAbsDiff(expected, actual);
            output.WriteLine($"ONNX {kind}, {level}: max |NetGen − ONNX Runtime| = {difference:E2} over {expected.Length} outputs");
            worst = Math.Max(worst, difference);
        }

        Assert.True(worst <= Tolerance, $"{kind}: ONNX Runtime differs from NetGen by {worst:E2} (> {Tolerance:E0}).");
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    [InlineData(23)]
    public void Every_supported_opset_runs_in_onnx_runtime(int opset)
    {
        // The networks that together use every operator the exporter writes.
        foreach (NetworkBase net in new NetworkBase[] { new KitchenSinkNet(2), new OnnxFractionalPoolNet(2), new OnnxSoftmaxNet(2), new OnnxInstanceNormNet(2), new OnnxPoolNet(2), new OnnxIdentityNet(2), new GapCnnNet(2) })
        {
            Randomize(net, seed: 3);
            float[] x = Gaussian(Batch * net.InputSize, seed: 4);
            net.Mode = NetworkMode.Inference;
            float[] expected = net.Forward(x, Batch).ToArray();
            (float[] actual, _) = Run(OnnxExporter.Export(net, new OnnxExportOptions { Opset = opset }), net, x, GraphOptimizationLevel.ORT_ENABLE_ALL);
            Assert.True(TensorAssert.MaxAbsDiff(expected, actual) <= Tolerance, $"{net.GetType().Name} at opset {opset}");
        }
    }

    [Fact]
    public void Saved_file_has_a_symbolic_batch_input_named_input_and_an_output_named_output()
    {
        var net = new TestCnn(4);
        string path = Path.Combine(Path.GetTempPath(), $"netgen-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Save(net, path);
            using var session = new InferenceSession(path);
            NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "input").Value;
            Assert.Equal(new[] { -1, 1, 28, 28 }, input.Dimensions);
            Assert.Equal("batch", input.SymbolicDimensions[0]);
            NodeMetadata result = Assert.Single(session.OutputMetadata, m => m.Key == "output").Value;
            Assert.Equal(new[] { -1, 10 }, result.Dimensions);
            Assert.Equal("NetGen", session.ModelMetadata.ProducerName);
            Assert.Equal("TestCnn", session.ModelMetadata.GraphName);
            Assert.Single(session.InputMetadata); // parameters are initializers, not inputs
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Export_does_not_change_the_network()
    {
        var net = new OnnxBatchNormNet(5);
        Randomize(net, seed: 6);
        float[] parameters = net.Parameters.ToArray(), buffers = net.Buffers.ToArray();
        OnnxExporter.Export(net);
        Assert.Equal(NetworkMode.Training, net.Mode);
        Assert.Equal(parameters, net.Parameters.ToArray());
        Assert.Equal(buffers, net.Buffers.ToArray());
    }

    [Fact]
    public void An_unsupported_opset_is_rejected_and_the_existing_file_is_kept()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "previous model");
        try
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.Save(new OnnxDenseNet(1), path, new OnnxExportOptions { Opset = 16 }));
            Assert.Contains("between 17 and 23", e.Message, StringComparison.Ordinal);
            Assert.Equal("previous model", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_graph_reading_an_unknown_tensor_is_rejected_with_its_name_and_the_existing_file_is_kept()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "previous model");
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => OnnxExporter.Save(new BrokenGraphNet(), path));
            Assert.Contains("'dense9.weight'", e.Message, StringComparison.Ordinal);
            Assert.Equal("previous model", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_graph_without_an_output_is_rejected()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OnnxExporter.Export(new NoOutputNet()));
        Assert.Contains("without declaring the output", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A generated network whose graph description names a parameter it does not have.</summary>
    private sealed class BrokenGraphNet() : OnnxDenseNet(1)
    {
        public override void DescribeOnnxGraph(IOnnxGraphBuilder graph)
        {
            graph.Node("Gemm", "dense0", "input", "dense9.weight").Int("transB", 1);
            graph.Output("dense0");
        }
    }

    /// <summary>A generated network whose graph description forgets the output.</summary>
    private sealed class NoOutputNet() : OnnxDenseNet(1)
    {
        public override void DescribeOnnxGraph(IOnnxGraphBuilder graph) => graph.Node("Relu", "relu", "input");
    }

    /// <summary>Runs the model in ONNX Runtime on one batch and returns the output and its shape.</summary>
    internal static (float[] Output, long[] Shape) Run(byte[] model, NetworkBase net, float[] x, GraphOptimizationLevel level)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        long[] inputShape = new long[] { x.Length / net.InputSize }.Concat(net.InputShape.Select(d => (long)d)).ToArray();
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, inputShape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, new[] { "input" }, new[] { input }, new[] { "output" });
        OrtValue result = outputs[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    /// <summary>
    /// Moves every parameter and buffer away from its initial value so that nothing is exported by luck: biases and
    /// shifts in [−0.5, 0.5), scales in [0.5, 1.5), slopes in [0.05, 0.45), running means in [−0.5, 0.5) and running
    /// variances in [0.5, 2); weights keep their random initialization.
    /// </summary>
    internal static void Randomize(NetworkBase net, int seed)
    {
        var rng = new Rng(seed);
        Span<float> p = net.Parameters;
        foreach (ParameterTensor t in net.ParameterTensors)
        {
            (float lo, float hi) = t.Role switch
            {
                ParameterRole.Weight => (float.NaN, float.NaN),
                ParameterRole.Normalization when t.Name.EndsWith(".weight", StringComparison.Ordinal) => (0.5f, 1.5f),
                ParameterRole.Other => (0.05f, 0.45f),
                _ => (-0.5f, 0.5f),
            };
            if (!float.IsNaN(lo))
            {
                Fill(p.Slice(t.Offset, t.Length), rng, lo, hi);
            }
        }

        Span<float> b = net.Buffers;
        foreach (ParameterTensor t in net.BufferTensors)
        {
            bool variance = t.Name.EndsWith(".running_var", StringComparison.Ordinal);
            Fill(b.Slice(t.Offset, t.Length), rng, variance ? 0.5f : -0.5f, variance ? 2f : 0.5f);
        }
    }

    internal static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    private static void Fill(Span<float> values, Rng rng, float lo, float hi)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = lo + ((hi - lo) * rng.NextFloat());
        }
    }
}
