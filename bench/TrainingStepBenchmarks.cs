using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

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

    private FashionMlp _net = null!;
    private Adam _adam = null!;
    private float[] _inputs = null!;
    private int[] _labels = null!;
    private TorchFashionMlp _torchNet = null!;
    private optim.Optimizer _torchAdam = null!;
    private Tensor _torchInputsAll = null!;
    private Tensor _torchLabelsAll = null!;
    private Tensor[] _torchInputs = null!;
    private Tensor[] _torchLabels = null!;
    private int _batches;
    private int _step;

    /// <summary>Threads for both libraries: <see cref="Compute.ThreadCount"/> and <c>torch.set_num_threads</c>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The mini-batch size: <see cref="DefaultBatch"/>, and 8, where per-call overheads weigh most.</summary>
    [Params(DefaultBatch, 8)]
    public int Batch { get; set; } = DefaultBatch;

    /// <summary>Sets the thread counts and builds both networks with the same weights and the batches in both formats.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Compute.ThreadCount = Threads;
        torch.set_num_threads(Threads);

        var data = BenchData.Test;
        _batches = BenchData.BatchCount(Batch);
        _inputs = data.Features[..(_batches * Batch * FashionMlp.InputFeatures)].ToArray();
        _labels = data.Labels[..(_batches * Batch)].ToArray();

        _net = new FashionMlp(seed: 1);
        _adam = new Adam(1e-3f);
        _torchNet = new TorchFashionMlp(_net);
        _torchAdam = optim.Adam(_torchNet.parameters(), lr: 1e-3);

        // Whole batches as views of one tensor each, made once: the step itself only indexes, like the NetGen side.
        _torchInputsAll = torch.tensor(_inputs, new long[] { _batches * Batch, FashionMlp.InputFeatures });
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

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step; returns the loss.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp train step")]
    [FlopCount(FashionMlpFlops.TrainingStepPerSample, PerSample = true)]
    public float TorchSharpStep()
    {
        int i = NextBatch();
        using var scope = torch.NewDisposeScope();
        Tensor logits = _torchNet.forward(_torchInputs[i]);
        Tensor loss = nn.functional.cross_entropy(logits, _torchLabels[i]);
        _torchAdam.zero_grad();
        loss.backward();
        _torchAdam.step();
        return loss.item<float>();
    }

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step; returns the loss.</summary>
    [Benchmark(Description = "NetGen train step")]
    [FlopCount(FashionMlpFlops.TrainingStepPerSample, PerSample = true)]
    public float NetGenStep()
    {
        int i = NextBatch();
        ReadOnlySpan<int> labels = _labels.AsSpan(i * Batch, Batch);
        _net.Forward(_inputs.AsSpan(i * Batch * FashionMlp.InputFeatures, Batch * FashionMlp.InputFeatures), Batch);
        float loss = _net.Loss(labels);
        _net.ZeroGradients();
        _net.Backward(labels);
        _adam.Step(_net.Parameters, _net.Gradients);
        return loss;
    }

    /// <summary>Releases the torch tensors, module and optimizer.</summary>
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
