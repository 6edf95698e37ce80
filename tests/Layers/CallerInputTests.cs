using NetGen.Optimizers;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>A dense pair inside a residual block: the block's skip reads the network input buffer.</summary>
[Block]
[Dense(12)] [ReLU] [Dense(12)]
public partial class InputPairBlock { }

/// <summary>A network whose first layers form a dense pair, but whose residual add also reads the input: the arena copy must stay.</summary>
[Network]
[Input(12)]
[Residual(typeof(InputPairBlock))]
[ReLU]
[Dense(4)] [SoftmaxCrossEntropy]
public partial class InputResidualMlp
{
    /// <summary>The arena's copy of the input of the last forward pass.</summary>
    internal float[] ArenaInput(int batch) => Activation(L0_X, L0_In, batch).ToArray();
}

/// <summary>A dense pair at the input and nothing else reading it: the forward pass reads the caller's span only.</summary>
[Network]
[Input(20)]
[Dense(16)] [ReLU]
[Dense(8)] [ReLU]
[Dense(3)] [SoftmaxCrossEntropy]
public partial class CallerInputMlp
{
    /// <summary>The arena's copy of the input of the last forward pass.</summary>
    internal float[] ArenaInput(int batch) => Activation(L0_X, L0_In, batch).ToArray();
}

/// <summary>
/// A forward pass that no backward pass can follow (an inference clone's, or one run by a prediction helper) leaves the
/// arena copy of the input out when the generated forward reads the input only from the caller's span: the outputs
/// keep their bits, a network whose later layers read the input keeps its copy, and a backward pass after a
/// prediction helper says what to do instead of reading a stale input.
/// </summary>
public class CallerInputTests
{
    private const int Batch = 5;

    [Fact]
    public void An_inference_clone_skips_the_copy_only_where_nothing_else_reads_the_input()
    {
        var mlp = new CallerInputMlp(3) { Mode = NetworkMode.Inference };
        var mlpClone = (CallerInputMlp)mlp.CloneForInference();
        var residual = new InputResidualMlp(4) { Mode = NetworkMode.Inference };
        var residualClone = (InputResidualMlp)residual.CloneForInference();
        float[] a = Gaussian(Batch * 20, 1), b = Gaussian(Batch * 20, 2);
        float[] ra = Gaussian(Batch * 12, 3), rb = Gaussian(Batch * 12, 4);

        // Each clone runs on another input first, so a stale arena input would show in the second pass.
        mlpClone.Forward(a, Batch);
        Assert.Equal(mlp.Forward(b, Batch).ToArray(), mlpClone.Forward(b, Batch).ToArray());
        residualClone.Forward(ra, Batch);
        Assert.Equal(residual.Forward(rb, Batch).ToArray(), residualClone.Forward(rb, Batch).ToArray());

        // The copy is left out where it can be, and kept where the residual add reads it.
        Assert.All(mlpClone.ArenaInput(Batch), v => Assert.Equal(0f, v));
        Assert.Equal(b, mlp.ArenaInput(Batch));
        Assert.Equal(rb, residualClone.ArenaInput(Batch));
    }

    [Fact]
    public void Prediction_helpers_give_the_forward_bits_and_a_backward_after_them_asks_for_a_forward()
    {
        var net = new FashionMlp(5);
        float[] x = Gaussian(Batch * FashionMlp.InputFeatures, 6);
        int[] labels = [1, 0, 9, 3, 3];

        net.Mode = NetworkMode.Inference;
        float[] expected = net.Forward(x, Batch).ToArray();
        net.Mode = NetworkMode.Training;
        Assert.Equal(expected, net.PredictProbabilities(x));
        Assert.Equal(NetworkMode.Training, net.Mode);

        var ex = Assert.Throws<InvalidOperationException>(() => net.Backward(labels));
        Assert.Contains("call Forward before Backward", ex.Message);

        // After a forward pass the backward pass runs as on a network that never predicted.
        var twin = new FashionMlp(5);
        net.Forward(x, Batch);
        twin.Forward(x, Batch);
        net.ZeroGradients();
        twin.ZeroGradients();
        net.Backward(labels);
        twin.Backward(labels);
        Assert.Equal(twin.Gradients.ToArray(), net.Gradients.ToArray());

        // The same holds for a network whose forward pass keeps the copy anyway, so the rule does not depend on the layers.
        var residual = new InputResidualMlp(7);
        float[] rx = Gaussian(Batch * 12, 8);
        residual.PredictClasses(rx);
        Assert.Throws<InvalidOperationException>(() => residual.Backward(new[] { 0, 1, 2, 3, 0 }));
        residual.Forward(rx, Batch);
        residual.Backward(new[] { 0, 1, 2, 3, 0 });
    }

    [Fact]
    public void Training_after_predicting_reads_the_new_input()
    {
        // A prediction on other data between two training steps must not leave its input for the next backward pass.
        var net = new CallerInputMlp(9);
        var twin = new CallerInputMlp(9);
        float[] x = Gaussian(Batch * 20, 10), other = Gaussian(Batch * 20, 11);
        int[] labels = [0, 1, 2, 0, 1];
        var adam = new Adam(learningRate: 0.01f);
        var twinAdam = new Adam(learningRate: 0.01f);
        for (int step = 0; step < 3; step++)
        {
            net.Predict(other);
            foreach ((CallerInputMlp n, Adam o) in new[] { (net, adam), (twin, twinAdam) })
            {
                n.Forward(x, Batch);
                n.ZeroGradients();
                n.Backward(labels);
                o.Step(n.Parameters, n.Gradients);
            }
        }

        Assert.Equal(twin.Parameters.ToArray(), net.Parameters.ToArray());
    }

    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextGaussian();
        }

        return x;
    }
}
