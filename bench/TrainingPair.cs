using NetGen.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// One network in NetGen and its TorchSharp twin (same weights), each with Adam (learning rate 1e-3) and the test
/// images cut into batches in both formats, for the training-step benchmarks (MLP and CNNs): <see cref="NetGenStep"/> and
/// <see cref="TorchSharpStep"/> each run one step on the next batch, cycling through the test set.
/// </summary>
public sealed class TrainingPair : IDisposable
{
    private readonly NetworkBase _net;
    private readonly Adam _adam = new(1e-3f);
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private readonly int _batch;
    private readonly int _batches;
    private readonly nn.Module<Tensor, Tensor> _torchNet;
    private readonly optim.Optimizer _torchAdam;
    private readonly Tensor _torchInputsAll;
    private readonly Tensor _torchLabelsAll;
    private readonly Tensor[] _torchInputs;
    private readonly Tensor[] _torchLabels;
    private int _step;

    /// <summary>Sets both libraries' thread counts and prepares the batches.</summary>
    /// <param name="net">The NetGen network (put in training mode).</param>
    /// <param name="twin">Makes the TorchSharp twin from the NetGen network's weights.</param>
    /// <param name="batch">Samples per step.</param>
    /// <param name="threads">Threads for both libraries.</param>
    public TrainingPair(NetworkBase net, Func<NetworkBase, nn.Module<Tensor, Tensor>> twin, int batch, int threads)
    {
        Compute.ThreadCount = threads;
        torch.set_num_threads(threads);
        var data = BenchData.Test;
        int features = net.InputSize;
        _batch = batch;
        _batches = BenchData.BatchCount(batch);
        _inputs = data.Features[..(_batches * batch * features)].ToArray();
        _labels = data.Labels[..(_batches * batch)].ToArray();
        _net = net;
        _net.Mode = NetworkMode.Training;
        _torchNet = twin(net);
        _torchNet.train();
        _torchAdam = optim.Adam(_torchNet.parameters(), lr: 1e-3);
        long[] shape = [_batches * batch, .. net.InputShape.Select(d => (long)d)];
        _torchInputsAll = torch.tensor(_inputs, shape);
        _torchLabelsAll = torch.tensor(_labels.Select(l => (long)l).ToArray(), new long[] { _batches * batch });
        _torchInputs = new Tensor[_batches];
        _torchLabels = new Tensor[_batches];
        for (int i = 0; i < _batches; i++)
        {
            _torchInputs[i] = _torchInputsAll.narrow(0, i * batch, batch);
            _torchLabels[i] = _torchLabelsAll.narrow(0, i * batch, batch);
        }
    }

    /// <summary>The first batch's images (for checks before timing).</summary>
    public ReadOnlySpan<float> FirstInputs => _inputs.AsSpan(0, _batch * _net.InputSize);

    /// <summary>The first batch's labels.</summary>
    public ReadOnlySpan<int> FirstLabels => _labels.AsSpan(0, _batch);

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step; returns the loss.</summary>
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

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step; returns the loss.</summary>
    public float NetGenStep()
    {
        int i = NextBatch();
        int features = _net.InputSize;
        ReadOnlySpan<int> labels = _labels.AsSpan(i * _batch, _batch);
        _net.Forward(_inputs.AsSpan(i * _batch * features, _batch * features), _batch);
        float loss = _net.Loss(labels);
        _net.ZeroGradients();
        _net.Backward(labels);
        _adam.Step(_net.Parameters, _net.Gradients);
        return loss;
    }

    /// <summary>Releases the torch tensors, module and optimizer.</summary>
    public void Dispose()
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
