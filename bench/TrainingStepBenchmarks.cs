using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step of the Fashion-MNIST MLP at batch 64 and 8 — forward, loss, zero gradients, backward, Adam step —
/// in NetGen and in TorchSharp-cpu from the same initial weights, on 1 and 2 threads. Each call takes the next batch of
/// the Fashion-MNIST test images, cycling, so both sides train on the same sequence of batches.
/// </summary>
[BenchmarkCategory("Training")]
public class TrainingStepBenchmarks
{
    /// <summary>The mini-batch size of the main comparison (and of <c>--profile</c>).</summary>
    public const int DefaultBatch = 64;

    private TrainingPair _pair = null!;

    /// <summary>Threads for both libraries: <see cref="Compute.ThreadCount"/> and <c>torch.set_num_threads</c>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The mini-batch size: <see cref="DefaultBatch"/>, and 8, where per-call overheads weigh most.</summary>
    [Params(DefaultBatch, 8)]
    public int Batch { get; set; } = DefaultBatch;

    /// <summary>Sets the thread counts and builds both networks with the same weights and the batches in both formats.</summary>
    [GlobalSetup]
    public void Setup() => _pair = new TrainingPair(new FashionMlp(seed: 1), net => new TorchFashionMlp((FashionMlp)net), Batch, Threads);

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step; returns the loss.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp train step")]
    [FlopCount(FashionMlpFlops.TrainingStepPerSample, PerSample = true)]
    public float TorchSharpStep() => _pair.TorchSharpStep();

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step; returns the loss.</summary>
    [Benchmark(Description = "NetGen train step")]
    [FlopCount(FashionMlpFlops.TrainingStepPerSample, PerSample = true)]
    public float NetGenStep() => _pair.NetGenStep();

    /// <summary>Releases the torch tensors, module and optimizer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();
}
