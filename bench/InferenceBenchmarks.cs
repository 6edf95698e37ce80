using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// Batch-1 inference of the Fashion-MNIST MLP, softmax included on both sides: NetGen <c>Forward(x, 1)</c> against
/// the TorchSharp module's forward and <c>softmax</c> under <c>torch.no_grad()</c>, on 1 and 2 threads.
/// </summary>
[BenchmarkCategory("Inference")]
public class InferenceBenchmarks
{
    private FashionMlp _net = null!;
    private float[] _sample = null!;
    private TorchFashionMlp _torchNet = null!;
    private Tensor _torchSample = null!;

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

    /// <summary>Releases the torch tensor and module.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _torchSample.Dispose();
        _torchNet.Dispose();
    }
}
