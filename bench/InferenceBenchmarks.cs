using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// Batch-1 inference of the Fashion-MNIST MLP, softmax included everywhere: NetGen <c>Forward(x, 1)</c> against
/// the TorchSharp module's forward and <c>softmax</c> under <c>torch.no_grad()</c>, ONNX Runtime 1.32 running the
/// network's ONNX export, and a plain hand-written C# loop (<see cref="PlainMlp"/>, always one thread), on 1 and 2 threads.
/// </summary>
[BenchmarkCategory("Inference")]
public class InferenceBenchmarks
{
    private FashionMlp _net = null!;
    private float[] _sample = null!;
    private TorchFashionMlp _torchNet = null!;
    private Tensor _torchSample = null!;
    private PlainMlp _plain = null!;
    private OnnxRuntimeMlp _onnx = null!;
    private readonly float[] _probabilities = new float[10];

    /// <summary>Threads for both libraries: <see cref="Compute.ThreadCount"/> and <c>torch.set_num_threads</c>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Sets the thread counts and builds both networks with the same weights and one test image.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = Threads;
        torch.set_num_threads(Threads);

        _sample = BenchData.Test.GetFeatures(0).ToArray();
        _net = new FashionMlp(seed: 1) { Mode = NetworkMode.Inference };
        _torchNet = new TorchFashionMlp(_net);
        _torchNet.eval();
        _torchSample = torch.tensor(_sample, new long[] { 1, FashionMlp.InputFeatures });
        _plain = new PlainMlp(_net);
        _onnx = new OnnxRuntimeMlp(_net, batch: 1, Threads);
        _sample.CopyTo(_onnx.Input, 0);

        // The three must agree before their times mean anything.
        _plain.Forward(_sample, _probabilities);
        _onnx.Run();
        ReadOnlySpan<float> ours = _net.Forward(_sample, 1);
        for (int j = 0; j < 10; j++)
        {
            if (Math.Abs(ours[j] - _probabilities[j]) > 1e-5f || Math.Abs(ours[j] - _onnx.Output[j]) > 1e-5f)
            {
                throw new InvalidOperationException($"Probability {j}: NetGen {ours[j]}, plain loop {_probabilities[j]}, ONNX Runtime {_onnx.Output[j]}.");
            }
        }
    }

    /// <summary>TorchSharp: softmax(module(x)) without autograd; returns the first probability.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp batch-1 inference")]
    [FlopCount(FashionMlpFlops.Inference)]
    public float TorchSharpForward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor probabilities = nn.functional.softmax(_torchNet.forward(_torchSample), 1);
        return probabilities.ReadCpuSingle(0);
    }

    /// <summary>NetGen: Forward on one sample (the output is the probabilities); returns the first probability.</summary>
    [Benchmark(Description = "NetGen batch-1 inference")]
    [FlopCount(FashionMlpFlops.Inference)]
    public float NetGenForward() => _net.Forward(_sample, 1)[0];

    /// <summary>The plain C# loop (one thread whatever <see cref="Threads"/> says); returns the first probability.</summary>
    [Benchmark(Description = "Plain C# loop batch-1 inference (1 thread)")]
    [FlopCount(FashionMlpFlops.Inference)]
    public float PlainForward()
    {
        _plain.Forward(_sample, _probabilities);
        return _probabilities[0];
    }

    /// <summary>ONNX Runtime on the exported model with bound buffers; returns the first probability.</summary>
    [Benchmark(Description = "ONNX Runtime batch-1 inference")]
    [FlopCount(FashionMlpFlops.Inference)]
    public float OnnxRuntimeForward()
    {
        _onnx.Run();
        return _onnx.Output[0];
    }

    /// <summary>Releases the torch tensor and module.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _torchSample.Dispose();
        _torchNet.Dispose();
        _onnx.Dispose();
    }
}
