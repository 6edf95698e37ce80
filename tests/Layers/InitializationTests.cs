using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>Seeded initialization: the scheme chosen per layer, its statistics, and reproducibility.</summary>
public class InitializationTests
{
    private static (double Mean, double Std, float Min, float Max) Stats(NetworkBase net, string tensor)
    {
        ParameterTensor t = net.ParameterTensors.Single(p => p.Name == tensor);
        ReadOnlySpan<float> w = net.Parameters.Slice(t.Offset, t.Length);
        double sum = 0, sq = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in w)
        {
            sum += v;
            sq += (double)v * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / w.Length;
        return (mean, Math.Sqrt((sq / w.Length) - (mean * mean)), min, max);
    }

    [Fact]
    public void Default_init_is_he_before_relu_and_xavier_before_tanh()
    {
        var net = new InitNet(1);

        // He normal: std = sqrt(2 / fanIn); Xavier normal: std = sqrt(2 / (fanIn + fanOut)).
        // 120k and 60k samples give the std to within ~0.5 %; 3 % tolerance separates the schemes (they differ by > 20 %).
        var he = Stats(net, "dense0.weight");
        Assert.Equal(Math.Sqrt(2.0 / 400), he.Std, Math.Sqrt(2.0 / 400) * 0.03);
        Assert.Equal(0, he.Mean, 0.002);

        var xavier = Stats(net, "dense2.weight");
        Assert.Equal(Math.Sqrt(2.0 / (300 + 200)), xavier.Std, Math.Sqrt(2.0 / 500) * 0.03);
    }

    [Fact]
    public void Explicit_schemes_and_bias_init_are_honoured()
    {
        var net = new InitNet(2);
        Assert.Equal(0.05, Stats(net, "dense4.weight").Std, 0.05 * 0.03);
        var bias = Stats(net, "dense4.bias");
        Assert.Equal((0.01f, 0.01f), (bias.Min, bias.Max));

        var constant = Stats(net, "dense6.weight");
        Assert.Equal((0.25f, 0.25f), (constant.Min, constant.Max));

        var zeros = Stats(net, "dense8.weight");
        Assert.Equal((0f, 0f), (zeros.Min, zeros.Max));
        Assert.DoesNotContain(net.ParameterTensors, t => t.Name == "dense8.bias");

        // Uniform schemes: bounded by sqrt(6 / fanIn) (He) and sqrt(6 / (fanIn + fanOut)) (Xavier), std = bound / sqrt(3).
        var heUniform = Stats(net, "dense10.weight");
        double heBound = Math.Sqrt(6.0 / 100);
        Assert.InRange(heUniform.Max, heBound * 0.9, heBound);
        Assert.InRange(-heUniform.Min, heBound * 0.9, heBound);
        var xavierUniform = Stats(net, "dense12.weight");
        Assert.InRange(xavierUniform.Max, 0, Math.Sqrt(6.0 / 60));
        Assert.Equal(Math.Sqrt(6.0 / 60) / Math.Sqrt(3), xavierUniform.Std, 0.1 * Math.Sqrt(6.0 / 60) / Math.Sqrt(3));

        // Default biases start at zero.
        var defaultBias = Stats(net, "dense0.bias");
        Assert.Equal((0f, 0f), (defaultBias.Min, defaultBias.Max));
    }

    [Fact]
    public void Same_seed_gives_same_parameters_and_another_seed_different_ones()
    {
        var a = new FashionMlp(7);
        var b = new FashionMlp(7);
        var c = new FashionMlp(8);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));

        // Re-initializing restores the constructor's parameters.
        a.Parameters.Fill(1f);
        a.InitializeParameters(7);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Fact]
    public void Summary_lists_every_layer_with_shapes_and_the_parameter_total()
    {
        var net = new FashionMlp();
        string summary = net.Summary();
        Assert.Contains("dense0 (Dense)", summary);
        Assert.Contains("(batch, 256)", summary);
        Assert.Contains("200,960", summary);
        Assert.Contains("softmax (SoftmaxCrossEntropy)", summary);
        Assert.Contains($"Total params: {FashionMlp.TotalParameters:N0}", summary);
        Assert.Equal(784 * 256 + 256 + (256 * 128) + 128 + (128 * 10) + 10, FashionMlp.TotalParameters);
        Assert.Equal(6, net.Layers.Count);
        Assert.Equal(FashionMlp.TotalParameters, net.Layers.Sum(l => l.ParameterCount));
    }

    [Fact]
    public void Wrong_span_lengths_throw_exceptions_that_name_the_problem()
    {
        var net = new FashionMlp();
        var ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[783], 1));
        Assert.Contains("783", ex.Message);
        Assert.Contains("784", ex.Message);
        Assert.Throws<InvalidOperationException>(() => net.Loss(new int[1]));
        net.Forward(new float[2 * 784], 2);
        var labels = Assert.Throws<ArgumentException>(() => net.Backward(new int[3]));
        Assert.Contains("2 samples", labels.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => net.Loss(new[] { 0, 10 }));
        Assert.Contains("label 10", range.Message);
    }
}
