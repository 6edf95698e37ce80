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
    private FashionCnn _net = null!;
    private Adam _adam = null!;
    private float[] _inputs = null!;
    private int[] _labels = null!;
    private TorchFashionCnn _torchNet = null!;
    private optim.Optimizer _torchAdam = null!;
    private Tensor _torchInputsAll = null!;
    private Tensor _torchLabelsAll = null!;
    private Tensor[] _torchInputs = null!;
    private Tensor[] _torchLabels = null!;
    private int _batches;
    private int _step;

    /// <summary>Threads for both libraries.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds both networks with the same weights and the batches in both formats.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = Threads;
        torch.set_num_threads(Threads);
        var data = BenchData.Test;
        _batches = BenchData.BatchCount(Batch);
        _inputs = data.Features[..(_batches * Batch * FashionCnn.InputFeatures)].ToArray();
        _labels = data.Labels[..(_batches * Batch)].ToArray();
        _net = new FashionCnn(seed: 1) { Mode = NetworkMode.Training };
        _adam = new Adam(1e-3f);
        _torchNet = new TorchFashionCnn(_net);
        _torchNet.train();
        _torchAdam = optim.Adam(_torchNet.parameters(), lr: 1e-3);
        _torchInputsAll = torch.tensor(_inputs, new long[] { _batches * Batch, 1, 28, 28 });
        _torchLabelsAll = torch.tensor(_labels.Select(l => (long)l).ToArray(), new long[] { _batches * Batch });
        _torchInputs = new Tensor[_batches];
        _torchLabels = new Tensor[_batches];
        for (int i = 0; i < _batches; i++)
        {
            _torchInputs[i] = _torchInputsAll.narrow(0, i * Batch, Batch);
            _torchLabels[i] = _torchLabelsAll.narrow(0, i * Batch, Batch);
        }

        _step = 0;
    }

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp CNN train step")]
    [FlopCount(FashionCnnFlops.TrainingStep)]
    public float TorchSharpStep()
    {
        int i = NextBatch();
        using var scope = torch.NewDisposeScope();
        Tensor loss = nn.functional.cross_entropy(_torchNet.forward(_torchInputs[i]), _torchLabels[i]);
        _torchAdam.zero_grad();
        loss.backward();
        _torchAdam.step();
        return loss.item<float>();
    }

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step.</summary>
    [Benchmark(Description = "NetGen CNN train step")]
    [FlopCount(FashionCnnFlops.TrainingStep)]
    public float NetGenStep()
    {
        int i = NextBatch();
        ReadOnlySpan<int> labels = _labels.AsSpan(i * Batch, Batch);
        _net.Forward(_inputs.AsSpan(i * Batch * FashionCnn.InputFeatures, Batch * FashionCnn.InputFeatures), Batch);
        float loss = _net.Loss(labels);
        _net.ZeroGradients();
        _net.Backward(labels);
        _adam.Step(_net.Parameters, _net.Gradients);
        return loss;
    }

    /// <summary>Releases the torch objects.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor t in _torchInputs.Concat(_torchLabels))
        {
            t.Dispose();
        }

        _torchInputsAll.Dispose();
        _torchLabelsAll.Dispose();
        _torchAdam.Dispose();
        _torchNet.Dispose();
    }

    private int NextBatch()
    {
        int i = _step;
        _step = i + 1 == _batches ? 0 : i + 1;
        return i;
    }
}
