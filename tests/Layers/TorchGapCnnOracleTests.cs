using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Layers;

/// <summary>
/// The networks that use the GELU, SiLU and GlobalAvgPool2D layers, checked twice: against central finite differences
/// of their own loss, and against the same networks in TorchSharp with the same weights (float64, as every
/// convolution oracle; see <see cref="TorchOracle"/>): outputs, loss and every parameter gradient.
/// </summary>
public class TorchGapCnnOracleTests(ITestOutputHelper output)
{
    private const int Batch = 4;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Gap_cnn_matches_finite_differences(int seed)
    {
        var net = new GapCnnNet(seed) { Mode = NetworkMode.Training };
        float[] x = Gaussian(Batch * GapCnnNet.InputFeatures, seed + 10);
        int[] labels = [0, 2, 1, 2];
        GradientCheckReport report = GradientCheck.Run(net, x, Batch, labels, step: 5e-3f, atol: 1e-4);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(net.ParameterCount, report.Tensors.Sum(t => t.Checked));
    }

    [Fact]
    public void Silu_gelu_mlp_matches_finite_differences()
    {
        var net = new SiluGeluMlp(3) { Mode = NetworkMode.Training };
        float[] x = Gaussian(Batch * SiluGeluMlp.InputFeatures, 4), targets = Gaussian(Batch * SiluGeluMlp.OutputFeatures, 5);
        GradientCheckReport report = GradientCheck.Run(net, x, Batch, targets, step: 5e-3f, atol: 1e-4);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Gap_cnn_outputs_loss_and_every_gradient_match_torch(int seed)
    {
        var net = new GapCnnNet(seed);
        float[] x = Gaussian(Batch * GapCnnNet.InputFeatures, seed + 20);
        int[] labels = [1, 0, 2, 2];
        float[] ours = net.Forward(x, Batch).ToArray();
        float loss = net.Loss(labels);
        net.ZeroGradients();
        net.Backward(labels);

        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> p = TorchParameters(net);
        Tensor h = nn.functional.gelu(nn.functional.conv2d(TorchOracle.Float64(x, [Batch, 2, 6, 6]), p["conv0.weight"], p["conv0.bias"], padding: [1, 1]));
        h = nn.functional.silu(nn.functional.conv2d(h, p["conv2.weight"], p["conv2.bias"], strides: [2, 2], padding: [1, 1]));
        h = nn.functional.adaptive_avg_pool2d(h, 1).flatten(1);
        h = nn.functional.gelu(nn.functional.linear(h, p["dense5.weight"], p["dense5.bias"]), TorchSharp.Modules.GELU.Approximate.tanh, inplace: false);
        Tensor logits = nn.functional.linear(h, p["dense7.weight"], p["dense7.bias"]);
        Tensor torchLoss = nn.functional.cross_entropy(logits, torch.tensor(labels.Select(l => (long)l).ToArray()));
        torchLoss.backward();

        Compare(net, ours, TorchOracle.Doubles(nn.functional.softmax(logits, 1)), loss, torchLoss.item<double>(), p);
    }

    [Fact]
    public void Silu_gelu_mlp_outputs_loss_and_every_gradient_match_torch()
    {
        var net = new SiluGeluMlp(6);
        float[] x = Gaussian(Batch * SiluGeluMlp.InputFeatures, 7), targets = Gaussian(Batch * SiluGeluMlp.OutputFeatures, 8);
        float[] ours = net.Forward(x, Batch).ToArray();
        float loss = net.Loss(targets);
        net.ZeroGradients();
        net.Backward(targets);

        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> p = TorchParameters(net);
        Tensor h = nn.functional.silu(nn.functional.linear(TorchOracle.Float64(x, [Batch, SiluGeluMlp.InputFeatures]), p["dense0.weight"], p["dense0.bias"]));
        h = nn.functional.gelu(nn.functional.linear(h, p["dense2.weight"], p["dense2.bias"]));
        Tensor y = nn.functional.linear(h, p["dense4.weight"], p["dense4.bias"]);
        Tensor torchLoss = nn.functional.mse_loss(y, TorchOracle.Float64(targets, [Batch, SiluGeluMlp.OutputFeatures]));
        torchLoss.backward();

        Compare(net, ours, TorchOracle.Doubles(y), loss, torchLoss.item<double>(), p);
    }

    private static Dictionary<string, Tensor> TorchParameters(NetworkBase net) => net.ParameterTensors.ToDictionary(
        t => t.Name,
        t => TorchOracle.Float64(net.Parameters.Slice(t.Offset, t.Length).ToArray(), t.Shape.Select(d => (long)d).ToArray(), requiresGrad: true));

    /// <summary>Outputs and loss within 1e-5; every gradient within 1e-4 of its tensor's largest torch gradient.</summary>
    private void Compare(NetworkBase net, float[] ours, double[] theirs, float loss, double torchLoss, Dictionary<string, Tensor> p)
    {
        double outputDiff = MaxAbsDiff(ours, theirs);
        output.WriteLine($"outputs max |diff| {outputDiff:E2}; loss {loss:G7} vs {torchLoss:G7}");
        Assert.True(outputDiff <= 1e-5, $"outputs differ by {outputDiff:E2}");
        Assert.True(Math.Abs(loss - torchLoss) <= 1e-5 * Math.Max(1, Math.Abs(torchLoss)), $"loss {loss} vs {torchLoss}");
        Assert.Equal(p.Count, net.ParameterTensors.Count);
        foreach (ParameterTensor tensor in net.ParameterTensors)
        {
            double[] expected = TorchOracle.Doubles(p[tensor.Name].grad!);
            double scale = Math.Max(expected.Max(v => Math.Abs(v)), 1e-6);
            double rel = MaxAbsDiff(net.Gradients.Slice(tensor.Offset, tensor.Length).ToArray(), expected) / scale;
            output.WriteLine($"{tensor.Name,-16} max rel grad diff {rel:E2}");
            Assert.True(rel <= 1e-4, $"{tensor.Name}: gradients differ by {rel:E2} relative");
        }
    }

    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextGaussian();
        }

        return x;
    }

    private static double MaxAbsDiff(float[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
