using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;

namespace NetGen.Benchmarks;

/// <summary>
/// ONNX Runtime running a NetGen network exported with <see cref="OnnxExporter"/> (same weights, softmax included),
/// with its input and output bound to preallocated arrays so that a call measures the session's run alone.
/// </summary>
public sealed class OnnxRuntimeMlp : IDisposable
{
    private static readonly string[] InputNames = ["input"];
    private static readonly string[] OutputNames = ["output"];
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;

    /// <summary>Exports <paramref name="network"/> and opens a session with every graph optimization on.</summary>
    /// <param name="network">The NetGen network (inference mode).</param>
    /// <param name="batch">The batch size the bound buffers hold.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads.</param>
    public OnnxRuntimeMlp(NetworkBase network, int batch, int threads)
    {
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(OnnxExporter.Export(network), _options);
        Input = new float[batch * network.InputSize];
        Output = new float[batch * network.OutputSize];
        _inputs = [OrtValue.CreateTensorValueFromMemory(Input, [batch, network.InputSize])];
        _outputs = [OrtValue.CreateTensorValueFromMemory(Output, [batch, network.OutputSize])];
    }

    /// <summary>The bound input, batch × InputSize floats.</summary>
    public float[] Input { get; }

    /// <summary>The bound output, batch × OutputSize floats, written by <see cref="Run"/>.</summary>
    public float[] Output { get; }

    /// <summary>Runs the session on <see cref="Input"/> into <see cref="Output"/>.</summary>
    public void Run() => _session.Run(_run, InputNames, _inputs, OutputNames, _outputs);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (OrtValue value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
