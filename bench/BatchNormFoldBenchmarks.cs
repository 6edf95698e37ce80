using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// Inference of the sample's CNN with each batch norm folded into the convolution before it (the default) against the
/// same network with <see cref="NetworkBase.FoldBatchNormForInference"/> off, at batch 1 and 64 on one thread. Both
/// networks hold the same weights and non-trivial running statistics (a few training-mode passes).
/// </summary>
[BenchmarkCategory("Inference")]
public class BatchNormFoldBenchmarks
{
    private FashionCnn _folded = null!;
    private FashionCnn _unfolded = null!;
    private float[] _inputs = null!;

    /// <summary>The batch size of each inference call.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>One thread; builds both networks with the same state and the first test images.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = 1;
        _inputs = BenchData.Test.Features[..(Batch * FashionCnn.InputFeatures)].ToArray();
        _folded = new FashionCnn(seed: 1);
        float[] warm = BenchData.Test.Features[..(64 * FashionCnn.InputFeatures)].ToArray();
        for (int i = 0; i < 3; i++)
        {
            _folded.Forward(warm, 64); // training mode: moves the running statistics
        }

        _folded.Mode = NetworkMode.Inference;
        _unfolded = new FashionCnn(seed: 2) { Mode = NetworkMode.Inference, FoldBatchNormForInference = false };
        _unfolded.SetState(_folded.GetState());
    }

    /// <summary>The unfolded path: each convolution, then the batch norm's pass over its output.</summary>
    [Benchmark(Baseline = true, Description = "CNN inference, batch norm unfolded")]
    public float Unfolded() => _unfolded.Forward(_inputs, Batch)[0];

    /// <summary>The folded path: each convolution with the folded weights straight into the batch norm's output.</summary>
    [Benchmark(Description = "CNN inference, batch norm folded")]
    public float Folded() => _folded.Forward(_inputs, Batch)[0];
}
