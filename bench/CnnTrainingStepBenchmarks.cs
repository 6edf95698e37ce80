using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step of the Fashion-MNIST CNN at batch 64 (two conv + batch norm + ReLU + max-pool stages, a dense
/// head with dropout; forward, loss, zero gradients, backward, Adam) in NetGen and in TorchSharp-cpu from the same
/// weights, on 1 and 2 threads, cycling through the test images.
/// </summary>
[BenchmarkCategory("Training")]
public class CnnTrainingStepBenchmarks
{
    private const int Batch = 64;
    private TrainingPair _pair = null!;

    /// <summary>Threads for both libraries.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds both networks with the same weights and the batches in both formats.</summary>
    [GlobalSetup]
    public void Setup() => _pair = new TrainingPair(new FashionCnn(seed: 1), net => new TorchFashionCnn((FashionCnn)net), Batch, Threads);

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp CNN train step")]
    [FlopCount(FashionCnnFlops.TrainingStep)]
    public float TorchSharpStep() => _pair.TorchSharpStep();

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step.</summary>
    [Benchmark(Description = "NetGen CNN train step")]
    [FlopCount(FashionCnnFlops.TrainingStep)]
    public float NetGenStep() => _pair.NetGenStep();

    /// <summary>Releases the torch objects.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();
}
