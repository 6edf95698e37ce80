using NetGen.Tests.Networks;
using Xunit.Abstractions;

namespace NetGen.Tests.Layers;

/// <summary>
/// Finite-difference checks of every layer of the training notes, in training mode, through generated networks:
/// convolution, batch/group/layer/instance norm, residual blocks with stochastic depth, PReLU, RReLU, DropConnect,
/// Maxout, dropout, softmax as a layer. The checker freezes masks and random slopes after the analytic pass (so every
/// evaluation sees the same function) and restores running statistics afterwards.
/// </summary>
/// <remarks>
/// Tolerances as in <see cref="GradientCheckTests"/>: |a − n| ≤ atol + 1e-2·max(|a|, |n|). Batch norm makes the loss
/// depend on every sample's activations, so rounding noise is a little larger (more float operations per loss) and
/// ReLU/PReLU/Maxout kinks can be crossed: h = 1e-3 keeps crossings rare and atol = 3e-4 covers the ~1.3e-4 noise.
/// </remarks>
public class LayerGradientCheckTests(ITestOutputHelper output)
{
    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[n];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        return x;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_layer_kind_matches_finite_differences_in_training_mode(int seed)
    {
        var net = new KitchenSinkNet(seed) { Mode = NetworkMode.Training };
        const int batch = 4;
        float[] x = Gaussian(batch * KitchenSinkNet.InputFeatures, seed + 10);
        int[] labels = [0, 1, 2, 1];

        GradientCheckReport report = GradientCheck.Run(net, x, batch, labels, step: 1e-3f, atol: 3e-4);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(net.ParameterCount, report.Tensors.Sum(t => t.Checked));
    }

    [Fact]
    public void Instance_group_norm_softmax_layer_and_mse_match_finite_differences()
    {
        var net = new NormalizationNet(3) { Mode = NetworkMode.Training };
        const int batch = 3;
        float[] x = Gaussian(batch * NormalizationNet.InputFeatures, 4);
        float[] targets = Gaussian(batch * NormalizationNet.OutputFeatures, 5);

        GradientCheckReport report = GradientCheck.Run(net, x, batch, targets, step: 1e-3f, atol: 3e-4);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void The_checker_fails_when_frozen_randomness_is_not_honoured()
    {
        // Without freezing, dropout/DropConnect/RReLU/stochastic depth draw new masks on every evaluation, so the
        // numerical gradient is noise: the check must notice.
        var net = new KitchenSinkNet(1) { Mode = NetworkMode.Training };
        float[] x = Gaussian(4 * KitchenSinkNet.InputFeatures, 11);
        int[] labels = [0, 1, 2, 1];
        net.Forward(x, 4);
        net.ZeroGradients();
        net.Backward(labels);
        float[] analytic = net.Gradients.ToArray();
        GradientCheckReport report = GradientCheck.Compare(net, analytic, () =>
        {
            net.FreezeRandomness = false;
            net.Forward(x, 4);
            return net.Loss(labels);
        }, step: 1e-3f, atol: 3e-4);
        output.WriteLine(report.ToString());
        Assert.False(report.Passed);
    }
}
