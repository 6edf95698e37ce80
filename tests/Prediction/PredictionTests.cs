using NetGen.Tests.Networks;

namespace NetGen.Tests.Prediction;

/// <summary>A classifier with dropout, so that a forward pass in training mode differs from inference.</summary>
[Network]
[Input(6)]
[Dense(16)] [ReLU] [Dropout(0.5f)]
[Dense(4)] [SoftmaxCrossEntropy]
public partial class DropoutClassifier { }

public class PredictionTests
{
    private static float[] Inputs(int samples, int features, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[samples * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        return x;
    }

    /// <summary>The reference: one inference-mode forward pass over all samples at once.</summary>
    private static float[] InferenceForward(NetworkBase net, float[] inputs)
    {
        NetworkMode mode = net.Mode;
        net.Mode = NetworkMode.Inference;
        float[] outputs = net.Forward(inputs, inputs.Length / net.InputSize).ToArray();
        net.Mode = mode;
        return outputs;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Probabilities_and_classes_equal_one_inference_forward_pass_whatever_the_batch_size(int batchSize)
    {
        const int samples = 1000;
        float[] inputs = Inputs(samples, 6, seed: 3);
        float[] expected = InferenceForward(new DropoutClassifier(seed: 7), inputs);

        var net = new DropoutClassifier(seed: 7); // fresh arena, training mode
        float[] probabilities = net.PredictProbabilities(inputs, batchSize);
        int[] classes = net.PredictClasses(inputs, batchSize);

        Assert.Equal(NetworkMode.Training, net.Mode);
        Assert.Equal(Math.Min(batchSize, samples), net.BatchCapacity); // the arena holds one chunk, not all samples
        Assert.Equal(expected.Length, probabilities.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - probabilities[i]) <= 1e-6f, $"output {i}: {probabilities[i]} vs {expected[i]}");
        }

        for (int s = 0; s < samples; s++)
        {
            ReadOnlySpan<float> row = expected.AsSpan(s * 4, 4);
            Assert.Equal(row.IndexOf(TensorMax(row)), classes[s]);
            Assert.Equal(1f, probabilities.AsSpan(s * 4, 4).ToArray().Sum(), 5);
        }

        Assert.Equal(classes[17], net.PredictClass(inputs.AsSpan(17 * 6, 6)));
    }

    private static float TensorMax(ReadOnlySpan<float> row)
    {
        float max = row[0];
        foreach (float v in row)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    [Fact]
    public void Span_overloads_write_the_same_values_as_the_array_overloads()
    {
        float[] inputs = Inputs(300, 6, seed: 4);
        var net = new DropoutClassifier(seed: 2);
        var probabilities = new float[300 * 4];
        var classes = new int[300];
        net.PredictProbabilities(inputs, probabilities);
        net.PredictClasses(inputs, classes);
        Assert.Equal(net.PredictProbabilities(inputs), probabilities);
        Assert.Equal(net.PredictClasses(inputs), classes);
        Assert.Equal(net.Predict(inputs), probabilities); // a classifier's outputs are its probabilities
    }

    [Fact]
    public void Regressor_predicts_its_outputs_and_refuses_probabilities()
    {
        float[] inputs = Inputs(10, 4, seed: 5);
        var net = new RegressionNet(seed: 1);
        float[] expected = InferenceForward(new RegressionNet(seed: 1), inputs);

        float[] predicted = net.Predict(inputs, batchSize: 3);
        Assert.Equal(expected.Length, predicted.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - predicted[i]) <= 1e-6f, $"output {i}: {predicted[i]} vs {expected[i]}"); // another batch size, another GEMM blocking
        }

        Assert.False(net.IsClassifier());
        var error = Assert.Throws<InvalidOperationException>(() => net.PredictProbabilities(inputs));
        Assert.Contains("MeanSquaredError", error.Message);
        Assert.Throws<InvalidOperationException>(() => net.PredictClasses(inputs));
    }

    [Fact]
    public void Bad_sizes_are_rejected_with_the_numbers_and_leave_the_mode_alone()
    {
        var net = new DropoutClassifier(seed: 1);
        var error = Assert.Throws<ArgumentException>(() => net.PredictClasses(new float[13]));
        Assert.Contains("13 floats", error.Message);
        Assert.Contains("6 floats", error.Message);
        error = Assert.Throws<ArgumentException>(() => net.Predict(new float[12], new float[7]));
        Assert.Contains("2 samples need 8", error.Message);
        Assert.Throws<ArgumentException>(() => net.PredictClass(new float[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Predict(new float[12], batchSize: 0));
        Assert.Equal(NetworkMode.Training, net.Mode);
        Assert.Empty(net.PredictClasses(ReadOnlySpan<float>.Empty));
    }
}
