using TorchSharp;
using Xunit.Abstractions;

namespace NetGen.Tests.Layers;

/// <summary>One wide layer of each kind with PyTorch's default initialization, and one with a declared bias.</summary>
[Network]
[Input(16, 12, 12)]
[Conv2D(64, 3, padding: 1, Init = WeightInit.TorchDefault)] [ReLU] [MaxPool2D(2)]
[Dense(300, Init = WeightInit.TorchDefault)] [ReLU]
[Dense(10, Init = WeightInit.TorchDefault, BiasInit = 0.5f)] [SoftmaxCrossEntropy]
public partial class TorchDefaultInitNet { }

/// <summary>
/// <see cref="WeightInit.TorchDefault"/>: weights and biases from U(−1/√fanIn, 1/√fanIn), checked statistically (bounds,
/// mean and variance with tolerances derived from the sample size) and against the bounds and variance of the tensors
/// TorchSharp's <c>nn.Linear</c> and <c>nn.Conv2d</c> build with their own <c>reset_parameters</c>.
/// </summary>
public class TorchDefaultInitTests(ITestOutputHelper output)
{
    /// <summary>
    /// How the sample of U(−a, a) of size n must look, each check failing with probability below ~1e-6 when the
    /// draw is right: every value in [−a, a]; the largest and smallest within a·z/n of the bounds (P(max &lt; a(1 − z/n))
    /// = (1 − z/(2n))ⁿ ≈ e^(−z/2), z = 30); the mean within 5 standard errors of 0 (σ² = a²/3); the second moment within 5
    /// standard errors of a²/3 (Var(X²) = E[X⁴] − E[X²]² = a⁴/5 − a⁴/9 = 4a⁴/45).
    /// </summary>
    private static void AssertUniform(ReadOnlySpan<float> values, double bound, string what)
    {
        int n = values.Length;
        double sum = 0, squares = 0, min = double.MaxValue, max = double.MinValue;
        foreach (float v in values)
        {
            sum += v;
            squares += (double)v * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / n, secondMoment = squares / n;
        double edge = bound * Math.Min(0.5, 30.0 / n);
        Assert.True(max <= bound && min >= -bound, $"{what}: values [{min}, {max}] leave [-{bound}, {bound}]");
        Assert.True(max >= bound - edge && min <= -bound + edge, $"{what}: values [{min}, {max}] do not reach within {edge:G3} of ±{bound}");
        double meanTolerance = 5 * bound / Math.Sqrt(3.0 * n);
        Assert.True(Math.Abs(mean) <= meanTolerance, $"{what}: mean {mean:G4}, more than {meanTolerance:G3} from 0");
        double variance = bound * bound / 3, varianceTolerance = 5 * Math.Sqrt(4 * Math.Pow(bound, 4) / 45 / n);
        Assert.True(Math.Abs(secondMoment - variance) <= varianceTolerance, $"{what}: E[x²] {secondMoment:G5}, expected {variance:G5} ± {varianceTolerance:G3}");
    }

    [Theory]
    [InlineData(27)]
    [InlineData(288)]
    [InlineData(3136)]
    public void Weights_and_biases_are_uniform_within_one_over_root_fan_in(int fanIn)
    {
        // 200,000 samples: the variance is known to ±0.5 % (5 standard errors), so a variance of 1/fanIn (LeCun), 2/fanIn
        // (He) or a bound of √(3/fanIn) (LeCun uniform) fails by far.
        var weights = new float[200_000];
        var rng = new Rng(fanIn, stream: 3);
        Initializers.Fill(WeightInit.TorchDefault, weights, fanIn, fanOut: 10, std: 0.01f, value: 0, rng);
        double bound = 1 / Math.Sqrt(fanIn);
        Assert.Equal(bound, Initializers.TorchDefaultBound(fanIn), bound * 1e-6);
        AssertUniform(weights, bound, $"weights, fan-in {fanIn}");

        var bias = new float[200_000];
        Initializers.FillBias(WeightInit.TorchDefault, bias, fanIn, rng);
        AssertUniform(bias, bound, $"bias, fan-in {fanIn}");
    }

    [Fact]
    public void Other_schemes_start_biases_at_zero()
    {
        var bias = new float[50];
        bias.AsSpan().Fill(3f);
        Initializers.FillBias(WeightInit.He, bias, fanIn: 10, new Rng(1));
        Assert.All(bias, b => Assert.Equal(0f, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.TorchDefaultBound(0));
    }

    [Fact]
    public void Generated_layers_draw_weights_then_bias_from_the_layer_stream_unless_bias_init_is_declared()
    {
        const int seed = 5;
        var net = new TorchDefaultInitNet(seed);
        ParameterTensor Tensor(string name) => net.ParameterTensors.Single(t => t.Name == name);
        float[] Values(string name) => net.Parameters.Slice(Tensor(name).Offset, Tensor(name).Length).ToArray();

        foreach ((string layer, int fanIn, int fanOut) in new[] { ("conv0", 16 * 9, 64 * 9), ("dense4", 64 * 6 * 6, 300) })
        {
            float[] weights = Values($"{layer}.weight"), bias = Values($"{layer}.bias");
            AssertUniform(weights, 1 / Math.Sqrt(fanIn), $"{layer}.weight");
            Assert.All(bias, b => Assert.InRange(b, -1 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanIn)));
            Assert.Contains(bias, b => b != 0);

            // The same draws as the runtime's initializer on the layer's stream: weights first, then the bias.
            var rng = new Rng(seed, stream: Tensor($"{layer}.weight").LayerIndex);
            var expectedWeights = new float[weights.Length];
            var expectedBias = new float[bias.Length];
            Initializers.Fill(WeightInit.TorchDefault, expectedWeights, fanIn, fanOut, 0.01f, 0, rng);
            Initializers.FillBias(WeightInit.TorchDefault, expectedBias, fanIn, rng);
            Assert.Equal(expectedWeights, weights);
            Assert.Equal(expectedBias, bias);
        }

        float[] declared = Values("dense6.bias");
        Assert.All(declared, b => Assert.Equal(0.5f, b));
        Assert.All(Values("dense6.weight"), w => Assert.InRange(w, -1 / Math.Sqrt(300), 1 / Math.Sqrt(300)));
    }

    [Fact]
    public void Bounds_and_variance_match_torch_linear_and_conv2d_reset_parameters()
    {
        // Not the random streams (they differ by design): torch's tensors must lie within NetGen's bound, reach it, and
        // have NetGen's variance, which a different rule (Kaiming-uniform with a = 0 gives √6 times the bound) fails.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var linear = torch.nn.Linear(3136, 128);
        using var conv = torch.nn.Conv2d(32, 64, 3);
        foreach ((string what, torch.Tensor weight, torch.Tensor bias, int fanIn) in new[]
        {
            ("nn.Linear(3136, 128)", linear.weight!, linear.bias!, 3136),
            ("nn.Conv2d(32, 64, 3)", conv.weight!, conv.bias!, 32 * 9),
        })
        {
            float[] w = weight.detach().data<float>().ToArray();
            float[] b = bias.detach().data<float>().ToArray();
            double bound = Initializers.TorchDefaultBound(fanIn);
            output.WriteLine($"{what}: NetGen bound {bound:G6}, torch weights in [{w.Min():G6}, {w.Max():G6}], bias in [{b.Min():G6}, {b.Max():G6}]");

            // torch computes the bound in double, NetGen in float: allow one float rounding at the edge.
            AssertUniform(w, bound * (1 + 1e-6), $"torch {what} weight");
            Assert.All(b, v => Assert.InRange(v, -bound * (1 + 1e-6), bound * (1 + 1e-6)));

            // 64 or 128 biases: the largest |b| is below 0.7·bound with probability 0.7^n < 1e-9.
            Assert.True(b.Max(Math.Abs) >= 0.7 * bound, $"torch {what} bias max |b| {b.Max(Math.Abs)} far below {bound}");

            // NetGen's sample of the same size has the same variance within the two samples' combined tolerance.
            var ours = new float[w.Length];
            Initializers.Fill(WeightInit.TorchDefault, ours, fanIn, fanOut: 1, 0.01f, 0, new Rng(fanIn));
            double torchVar = w.Average(v => (double)v * v), ourVar = ours.Average(v => (double)v * v);
            double tolerance = 5 * Math.Sqrt(2 * 4 * Math.Pow(bound, 4) / 45 / w.Length);
            output.WriteLine($"{what}: E[w²] torch {torchVar:G6}, NetGen {ourVar:G6}, bound²/3 {bound * bound / 3:G6}, tolerance {tolerance:G3}");
            Assert.True(Math.Abs(torchVar - ourVar) <= tolerance, $"{what}: E[w²] torch {torchVar}, NetGen {ourVar}");
        }
    }
}
