using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Layers;

/// <summary>
/// A generated residual CNN (conv, batch norm, ReLU, a residual block of two conv + batch norm, a strided conv, ELU,
/// dense, softmax cross-entropy) against the same network in TorchSharp with the same weights, computed in float64
/// (libtorch's float32 convolution is wrong on some CPUs, see <see cref="TorchOracle"/>): training-mode forward,
/// loss, every parameter gradient, the running statistics after several steps, and inference-mode outputs.
/// </summary>
public class TorchResidualOracleTests(ITestOutputHelper output)
{
    private const int Batch = 4;

    [Fact]
    public void Residual_cnn_matches_torch_in_training_and_inference_mode()
    {
        var net = new ResidualOracleNet(5);
        var rng = new Rng(6);
        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> p = net.ParameterTensors.ToDictionary(
            t => t.Name,
            t => TorchOracle.Float64(net.Parameters.Slice(t.Offset, t.Length).ToArray(), t.Shape.Select(d => (long)d).ToArray(), requiresGrad: true));
        Dictionary<string, Tensor> running = net.BufferTensors.ToDictionary(
            t => t.Name,
            t => TorchOracle.Float64(net.Buffers.Slice(t.Offset, t.Length).ToArray(), [t.Length]));

        Tensor TorchForward(Tensor x, bool training)
        {
            Tensor Bn(string name, Tensor v) => nn.functional.batch_norm(v, running[name + ".running_mean"], running[name + ".running_var"], p[name + ".weight"], p[name + ".bias"], training, 0.1, 1e-5);
            Tensor h = nn.functional.relu(Bn("bn1", nn.functional.conv2d(x, p["conv0.weight"], p["conv0.bias"], padding: new long[] { 1, 1 })));
            Tensor b = nn.functional.relu(Bn("res0.bn4", nn.functional.conv2d(h, p["res0.conv3.weight"], p["res0.conv3.bias"], padding: new long[] { 1, 1 })));
            b = Bn("res0.bn7", nn.functional.conv2d(b, p["res0.conv6.weight"], p["res0.conv6.bias"], padding: new long[] { 1, 1 }));
            h = h + b;
            h = nn.functional.elu(nn.functional.conv2d(h, p["conv9.weight"], p["conv9.bias"], strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 }), 0.8);
            return nn.functional.linear(h.flatten(1), p["dense12.weight"], p["dense12.bias"]);
        }

        for (int step = 0; step < 3; step++)
        {
            float[] x = Enumerable.Range(0, Batch * ResidualOracleNet.InputFeatures).Select(_ => rng.NextGaussian()).ToArray();
            int[] labels = Enumerable.Range(0, Batch).Select(_ => rng.NextInt(5)).ToArray();

            net.Mode = NetworkMode.Training;
            float[] ours = net.Forward(x, Batch).ToArray();
            float loss = net.Loss(labels);
            net.ZeroGradients();
            net.Backward(labels);

            foreach (Tensor t in p.Values)
            {
                t.grad?.zero_();
            }

            Tensor logits = TorchForward(TorchOracle.Float64(x, [Batch, 2, 6, 6]), training: true);
            Tensor torchLoss = nn.functional.cross_entropy(logits, torch.tensor(labels.Select(l => (long)l).ToArray()));
            torchLoss.backward();

            Assert.True(TensorAssert.MaxAbsDiff(ours, TorchOracle.Doubles(nn.functional.softmax(logits, 1))) <= 1e-4, "training-mode outputs differ");
            Assert.True(Math.Abs(loss - torchLoss.item<double>()) <= 1e-4, $"loss {loss} vs {torchLoss.item<double>()}");
            foreach (ParameterTensor tensor in net.ParameterTensors)
            {
                double[] theirs = TorchOracle.Doubles(p[tensor.Name].grad!);
                // Biases directly before batch norm have a true gradient of 0 (the normalization subtracts them), so both
                // sides hold rounding noise: below 1e-3 the comparison is absolute (1e-6).
                double scale = Math.Max(theirs.Max(v => Math.Abs(v)), 1e-3);
                double rel = TensorAssert.MaxAbsDiff(net.Gradients.Slice(tensor.Offset, tensor.Length).ToArray(), theirs) / scale;
                output.WriteLine($"step {step} {tensor.Name,-20} max rel grad diff {rel:E2}");
                Assert.True(rel <= 1e-3, $"{tensor.Name}: gradients differ by {rel:E2} relative");
            }

            foreach (ParameterTensor buffer in net.BufferTensors)
            {
                double diff = TensorAssert.MaxAbsDiff(net.Buffers.Slice(buffer.Offset, buffer.Length).ToArray(), TorchOracle.Doubles(running[buffer.Name]));
                Assert.True(diff <= 1e-4, $"{buffer.Name} differs by {diff} after step {step}");
            }

            // Plain SGD on both sides so the next step starts from new weights.
            foreach (ParameterTensor tensor in net.ParameterTensors)
            {
                Span<float> w = net.Parameters.Slice(tensor.Offset, tensor.Length);
                ReadOnlySpan<float> g = net.Gradients.Slice(tensor.Offset, tensor.Length);
                for (int i = 0; i < w.Length; i++)
                {
                    w[i] -= 0.1f * g[i];
                }

                // Torch continues from NetGen's updated weights, so every step compares the same weights.
                using (torch.no_grad())
                {
                    p[tensor.Name].copy_(TorchOracle.Float64(w.ToArray(), p[tensor.Name].shape));
                }
            }
        }

        // Inference mode uses the running statistics on both sides.
        float[] test = Enumerable.Range(0, Batch * ResidualOracleNet.InputFeatures).Select(_ => rng.NextGaussian()).ToArray();
        net.Mode = NetworkMode.Inference;
        float[] inference = net.Forward(test, Batch).ToArray();
        using (torch.no_grad())
        {
            Tensor logits = TorchForward(TorchOracle.Float64(test, [Batch, 2, 6, 6]), training: false);
            double diff = TensorAssert.MaxAbsDiff(inference, TorchOracle.Doubles(nn.functional.softmax(logits, 1)));
            output.WriteLine($"inference outputs max |diff| {diff:E2}");
            Assert.True(diff <= 1e-4);
        }
    }
}
