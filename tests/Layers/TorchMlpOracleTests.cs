using NetGen.Tests.Networks;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Layers;

/// <summary>
/// The generated 3-layer MLP (Dense 20→16, ReLU, Dense 16→12, Tanh, Dense 12→5, softmax cross-entropy) against the same
/// network written in TorchSharp with the same weights and inputs: outputs, loss and every parameter gradient.
/// </summary>
public class TorchMlpOracleTests(ITestOutputHelper output)
{
    private const int Batch = 8;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Mlp_forward_loss_and_all_gradients_match_torch_autograd(int seed)
    {
        var net = new OracleMlp(seed);
        var rng = new Rng(seed + 1000);
        var x = new float[Batch * OracleMlp.InputFeatures];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        var labels = new int[Batch];
        for (int b = 0; b < Batch; b++)
        {
            labels[b] = rng.NextInt(OracleMlp.OutputFeatures);
        }

        float[] probabilities = net.Forward(x, Batch).ToArray();
        float loss = net.Loss(labels);
        net.ZeroGradients();
        net.Backward(labels);

        using var scope = torch.NewDisposeScope();
        var parameters = net.ParameterTensors.ToDictionary(
            t => t.Name,
            t => torch.tensor(net.Parameters.Slice(t.Offset, t.Length).ToArray(), t.Shape.Select(d => (long)d).ToArray(), requires_grad: true));
        Tensor input = torch.tensor(x, new long[] { Batch, OracleMlp.InputFeatures });
        Tensor h1 = nn.functional.relu(nn.functional.linear(input, parameters["dense0.weight"], parameters["dense0.bias"]));
        Tensor h2 = torch.tanh(nn.functional.linear(h1, parameters["dense2.weight"], parameters["dense2.bias"]));
        Tensor logits = nn.functional.linear(h2, parameters["dense4.weight"], parameters["dense4.bias"]);
        Tensor target = torch.tensor(labels.Select(l => (long)l).ToArray());
        Tensor torchLoss = nn.functional.cross_entropy(logits, target);
        torchLoss.backward();

        float[] torchProbabilities = nn.functional.softmax(logits, 1).data<float>().ToArray();
        double outputDiff = TensorAssert.MaxAbsDiff(probabilities, torchProbabilities);
        double lossDiff = Math.Abs(loss - torchLoss.item<float>());
        output.WriteLine($"probabilities: max |diff| {outputDiff:E2}");
        output.WriteLine($"loss: ours {loss:G7}, torch {torchLoss.item<float>():G7}, |diff| {lossDiff:E2}");
        Assert.True(outputDiff <= 1e-4, $"probabilities differ by {outputDiff}");
        Assert.True(lossDiff <= 1e-4, $"loss differs by {lossDiff}");

        foreach (ParameterTensor tensor in net.ParameterTensors)
        {
            float[] theirs = parameters[tensor.Name].grad!.data<float>().ToArray();
            float[] ours = net.Gradients.Slice(tensor.Offset, tensor.Length).ToArray();
            double diff = TensorAssert.MaxAbsDiff(ours, theirs);
            double scale = theirs.Max(v => Math.Abs(v));
            output.WriteLine($"{tensor.Name,-14} max |diff| {diff:E2} (max |grad| {scale:E2})");
            Assert.True(scale > 1e-3, $"{tensor.Name}: the torch gradient is ~0, so the comparison would prove nothing");
            Assert.True(diff <= 1e-4, $"{tensor.Name}: gradients differ by {diff}");
        }
    }

    /// <summary>
    /// The Fashion-MNIST MLP in inference mode at the batch sizes that take the fused dense-pair path (1, 3, 8) and one
    /// that does not (9), on one and two threads, against the same weights in TorchSharp.
    /// </summary>
    [Fact]
    public void Fashion_mlp_small_batch_inference_matches_torch_on_one_and_two_threads()
    {
        var net = new FashionMlp(seed: 4) { Mode = NetworkMode.Inference };
        var rng = new Rng(77);
        var x = new float[9 * FashionMlp.InputFeatures];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextFloat();
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor Param(string name)
        {
            ParameterTensor t = net.ParameterTensors.Single(p => p.Name == name);
            return torch.tensor(net.Parameters.Slice(t.Offset, t.Length).ToArray(), t.Shape.Select(d => (long)d).ToArray());
        }

        Tensor w0 = Param("dense0.weight"), b0 = Param("dense0.bias"), w2 = Param("dense2.weight"), b2 = Param("dense2.bias");
        Tensor w4 = Param("dense4.weight"), b4 = Param("dense4.bias");
        var saved = new TestThreads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                saved.Set(threads);
                foreach (int batch in new[] { 1, 3, 8, 9 })
                {
                    float[] input = x.AsSpan(0, batch * FashionMlp.InputFeatures).ToArray();
                    float[] ours = net.Forward(input, batch).ToArray();
                    Tensor t = torch.tensor(input, new long[] { batch, FashionMlp.InputFeatures });
                    Tensor h = nn.functional.relu(nn.functional.linear(t, w0, b0));
                    h = nn.functional.relu(nn.functional.linear(h, w2, b2));
                    float[] theirs = nn.functional.softmax(nn.functional.linear(h, w4, b4), 1).data<float>().ToArray();
                    double diff = TensorAssert.MaxAbsDiff(ours, theirs);
                    output.WriteLine($"threads {threads}, batch {batch}: max |diff| {diff:E2}");
                    Assert.True(diff <= 1e-5, $"threads {threads}, batch {batch}: probabilities differ by {diff}");
                }
            }
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <summary>
    /// A training step of the Fashion-MNIST MLP at batch 3 on two threads (the forward takes the split dense-pair path),
    /// against torch autograd: the loss and every parameter gradient, so the backward pass reads what the pair wrote.
    /// </summary>
    [Fact]
    public void Fashion_mlp_small_batch_training_step_on_two_threads_matches_torch_autograd()
    {
        const int batch = 3;
        var net = new FashionMlp(seed: 6);
        var rng = new Rng(5);
        var x = new float[batch * FashionMlp.InputFeatures];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextFloat();
        }

        int[] labels = [2, 7, 0];
        var saved = new TestThreads();
        float loss;
        try
        {
            saved.Set(2);
            net.Forward(x, batch);
            loss = net.Loss(labels);
            net.ZeroGradients();
            net.Backward(labels);
        }
        finally
        {
            saved.Dispose();
        }

        using var scope = torch.NewDisposeScope();
        var parameters = net.ParameterTensors.ToDictionary(
            t => t.Name,
            t => torch.tensor(net.Parameters.Slice(t.Offset, t.Length).ToArray(), t.Shape.Select(d => (long)d).ToArray(), requires_grad: true));
        Tensor input = torch.tensor(x, new long[] { batch, FashionMlp.InputFeatures });
        Tensor h = nn.functional.relu(nn.functional.linear(input, parameters["dense0.weight"], parameters["dense0.bias"]));
        h = nn.functional.relu(nn.functional.linear(h, parameters["dense2.weight"], parameters["dense2.bias"]));
        Tensor logits = nn.functional.linear(h, parameters["dense4.weight"], parameters["dense4.bias"]);
        Tensor torchLoss = nn.functional.cross_entropy(logits, torch.tensor(labels.Select(l => (long)l).ToArray()));
        torchLoss.backward();

        Assert.True(Math.Abs(loss - torchLoss.item<float>()) <= 1e-5, $"loss {loss} vs torch {torchLoss.item<float>()}");
        foreach (ParameterTensor tensor in net.ParameterTensors)
        {
            float[] theirs = parameters[tensor.Name].grad!.data<float>().ToArray();
            double diff = TensorAssert.MaxAbsDiff(net.Gradients.Slice(tensor.Offset, tensor.Length).ToArray(), theirs);
            output.WriteLine($"{tensor.Name,-14} max |diff| {diff:E2}");
            Assert.True(theirs.Max(v => Math.Abs(v)) > 1e-4, $"{tensor.Name}: the torch gradient is ~0");
            Assert.True(diff <= 1e-5, $"{tensor.Name}: gradients differ by {diff}");
        }
    }
}
