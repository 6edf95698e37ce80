using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// Batch-256 inference of the Fashion-MNIST MLP (probabilities out): ONNX Runtime 1.32 running NetGen's ONNX export of
/// the same weights (the baseline), NetGen <c>Forward(x, 256, output)</c> on an inference clone (the serving path of
/// <c>NetworkPool</c>: like an ONNX Runtime session it cannot back-propagate, so it does not copy its input for a
/// backward pass) and TorchSharp under <c>torch.no_grad()</c>, on 1 and 2 threads. Samples per second = 256 / mean time.
/// </summary>
[BenchmarkCategory("Inference")]
public class BatchInferenceBenchmarks
{
    /// <summary>The batch size.</summary>
    public const int Batch = 256;

    private FashionMlp _net = null!;
    private FashionMlp _clone = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private OnnxRuntimeMlp _onnx = null!;
    private TorchFashionMlp _torchNet = null!;
    private Tensor _torchInput = null!;

    /// <summary>Threads for all three: <see cref="Compute.ThreadCount"/>, ONNX Runtime's intra-op threads, <c>torch.set_num_threads</c>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds the three with the same weights and the first 256 test images, and checks that they agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = Threads;
        torch.set_num_threads(Threads);
        _input = BenchData.Test.Features[..(Batch * FashionMlp.InputFeatures)].ToArray();
        _output = new float[Batch * FashionMlp.OutputFeatures];
        _net = new FashionMlp(seed: 1) { Mode = NetworkMode.Inference };
        _clone = (FashionMlp)_net.CloneForInference();
        _onnx = new OnnxRuntimeMlp(_net, Batch, Threads);
        _input.CopyTo(_onnx.Input, 0);
        _torchNet = new TorchFashionMlp(_net);
        _torchNet.eval();
        _torchInput = torch.tensor(_input, new long[] { Batch, FashionMlp.InputFeatures });

        _clone.Forward(_input, Batch, _output);
        _onnx.Run();
        for (int i = 0; i < _output.Length; i++)
        {
            if (Math.Abs(_output[i] - _onnx.Output[i]) > 1e-5f)
            {
                throw new InvalidOperationException($"Output {i}: NetGen {_output[i]}, ONNX Runtime {_onnx.Output[i]}.");
            }
        }
    }

    /// <summary>ONNX Runtime on the exported model with bound buffers.</summary>
    [Benchmark(Baseline = true, Description = "ONNX Runtime batch-256 inference")]
    [FlopCount(Batch * FashionMlpFlops.Inference)]
    public float OnnxRuntimeForward()
    {
        _onnx.Run();
        return _onnx.Output[0];
    }

    /// <summary>NetGen on an inference clone: the batch's probabilities copied into a caller's buffer.</summary>
    [Benchmark(Description = "NetGen batch-256 inference")]
    [FlopCount(Batch * FashionMlpFlops.Inference)]
    public float NetGenForward()
    {
        _clone.Forward(_input, Batch, _output);
        return _output[0];
    }

    /// <summary>TorchSharp: softmax(module(x)) without autograd.</summary>
    [Benchmark(Description = "TorchSharp batch-256 inference")]
    [FlopCount(Batch * FashionMlpFlops.Inference)]
    public float TorchSharpForward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor probabilities = nn.functional.softmax(_torchNet.forward(_torchInput), 1);
        return probabilities.ReadCpuSingle(0);
    }

    /// <summary>Releases the native sessions and tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _torchInput.Dispose();
        _torchNet.Dispose();
    }
}
