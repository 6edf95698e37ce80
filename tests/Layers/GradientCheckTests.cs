using NetGen.Tests.Networks;
using Xunit.Abstractions;

namespace NetGen.Tests.Layers;

/// <summary>
/// Finite-difference checks of every layer, activation and loss of the foundation: the generated Backward must agree
/// with central differences of the generated Forward + Loss.
/// </summary>
/// <remarks>
/// Tolerances: the network computes in float32, so a loss of magnitude ~1 carries rounding of ~1e-7, and a central
/// difference with h = 5e-3 turns that into ~2e-5 of absolute noise; truncation error is h²/6·|L'''| ≈ 4e-6. An entry
/// passes when |analytic − numerical| ≤ 1e-4 + 1e-2·max(|analytic|, |numerical|): atol covers the rounding noise with
/// a margin of 5, rtol 1e-2 is the cs231n threshold for float32 ("relative error &gt; 1e-2 usually means wrong").
/// A sign error, a missing factor or a dropped term gives errors of order 1 and fails.
/// </remarks>
public class GradientCheckTests(ITestOutputHelper output)
{
    private static (float[] X, int[] Labels) Batch(int batch, int inputs, int classes, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[batch * inputs];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        var labels = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            labels[b] = rng.NextInt(classes);
        }

        return (x, labels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_activation_and_dense_layer_matches_finite_differences_with_softmax_cross_entropy(int seed)
    {
        var net = new AllActivationsNet(seed);
        var (x, labels) = Batch(4, AllActivationsNet.InputFeatures, AllActivationsNet.OutputFeatures, seed + 100);
        GradientCheckReport report = GradientCheck.Run(net, x, 4, labels);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(net.ParameterCount, report.Tensors.Sum(t => t.Checked));
    }

    [Fact]
    public void Softmax_cross_entropy_with_soft_targets_matches_finite_differences()
    {
        var net = new AllActivationsNet(7);
        var (x, _) = Batch(3, AllActivationsNet.InputFeatures, 3, 8);
        var rng = new Rng(9);
        var targets = new float[3 * AllActivationsNet.OutputFeatures];
        for (int b = 0; b < 3; b++)
        {
            float sum = 0;
            for (int c = 0; c < 3; c++)
            {
                sum += targets[(b * 3) + c] = rng.NextFloat() + 0.1f;
            }

            for (int c = 0; c < 3; c++)
            {
                targets[(b * 3) + c] /= sum;
            }
        }

        GradientCheckReport report = GradientCheck.Run(net, x, 3, targets);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Mean_squared_error_head_with_targets_and_labels_matches_finite_differences()
    {
        var net = new RegressionNet(3);
        var (x, labels) = Batch(5, RegressionNet.InputFeatures, RegressionNet.OutputFeatures, 4);
        var rng = new Rng(5);
        var targets = new float[5 * RegressionNet.OutputFeatures];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = rng.NextGaussian();
        }

        GradientCheckReport withTargets = GradientCheck.Run(net, x, 5, targets);
        GradientCheckReport withLabels = GradientCheck.Run(net, x, 5, labels);
        output.WriteLine(withTargets.ToString());
        output.WriteLine(withLabels.ToString());
        Assert.True(withTargets.Passed, withTargets.ToString());
        Assert.True(withLabels.Passed, withLabels.ToString());
    }

    [Fact]
    public void Fashion_mlp_gradients_match_finite_differences_on_a_sample_of_each_tensor()
    {
        var net = new FashionMlp(11);
        var (x, labels) = Batch(2, FashionMlp.InputFeatures, FashionMlp.OutputFeatures, 12);
        // A smaller step than the default: with 2×384 ReLU units, a step of 5e-3 moves a few pre-activations across
        // the kink at 0, where the loss is not differentiable and central differences are meaningless (cs231n: "kinks").
        // With h = 1e-3 the float rounding noise of the loss (~2.5e-7 / 2h) rises to ~1.3e-4, so atol is 3e-4.
        GradientCheckReport report = GradientCheck.Run(net, x, 2, labels, step: 1e-3f, atol: 3e-4, maxPerTensor: 200);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }

    [Theory]
    [InlineData("dense0.weight", 1.05f)]
    [InlineData("dense2.bias", -1f)]
    [InlineData("dense10.weight", 0.9f)]
    public void The_checker_fails_on_a_deliberately_wrong_gradient(string tensorName, float factor)
    {
        var net = new AllActivationsNet(1);
        var (x, labels) = Batch(4, AllActivationsNet.InputFeatures, AllActivationsNet.OutputFeatures, 101);
        net.Forward(x, 4);
        net.ZeroGradients();
        net.Backward(labels);
        float[] analytic = net.Gradients.ToArray();

        // Corrupt the entry of the tensor with the largest gradient, so the error is well above any tolerance.
        ParameterTensor tensor = net.ParameterTensors.Single(t => t.Name == tensorName);
        int worst = tensor.Offset;
        for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
        {
            worst = Math.Abs(analytic[i]) > Math.Abs(analytic[worst]) ? i : worst;
        }

        analytic[worst] *= factor;
        GradientCheckReport report = GradientCheck.Compare(net, analytic, () =>
        {
            net.Forward(x, 4);
            return net.Loss(labels);
        });
        output.WriteLine(report.ToString());

        Assert.False(report.Passed);
        TensorGradientCheck row = Assert.Single(report.Tensors, t => t.Failures > 0);
        Assert.Equal(tensorName, row.Tensor);
        Assert.Equal(worst - tensor.Offset, row.WorstIndex);
    }

    [Fact]
    public void The_checker_fails_on_a_network_whose_backward_forgets_the_relu_mask()
    {
        var net = new BuggyReluNet();
        var (x, labels) = Batch(4, 3, 2, 5);
        GradientCheckReport report = GradientCheck.Run(net, x, 4, labels);
        output.WriteLine(report.ToString());
        Assert.False(report.Passed);
    }

    /// <summary>A hand-written network (dense → ReLU → dense → softmax) whose ReLU backward passes every gradient.</summary>
    private sealed class BuggyReluNet : NetworkBase
    {
        private const int In = 3, Hidden = 6, Classes = 2, W1 = 0, B1 = 18, W2 = 24, B2 = 36;

        private static readonly ParameterTensor[] Tensors =
        [
            new("w1", 0, W1, 18, [Hidden, In], ParameterRole.Weight),
            new("b1", 0, B1, 6, [Hidden], ParameterRole.Bias),
            new("w2", 2, W2, 12, [Classes, Hidden], ParameterRole.Weight),
            new("b2", 2, B2, 2, [Classes], ParameterRole.Bias),
        ];

        public BuggyReluNet()
            : base(38, In + Hidden + Hidden + Classes + Classes) => InitializeParameters(3);

        public override int InputSize => In;

        public override int OutputSize => Classes;

        public override TensorShape InputShape => [In];

        public override IReadOnlyList<ParameterTensor> ParameterTensors => Tensors;

        public override IReadOnlyList<LayerInfo> Layers => [];

        protected override ReadOnlySpan<float> ForwardCore(ReadOnlySpan<float> input, int batchSize)
        {
            BeginForward(input, batchSize, 0);
            NetGen.Kernels.Dense.Forward(batchSize, In, Hidden, Activation(0, In, batchSize), Parameters.Slice(W1, 18), Parameters.Slice(B1, 6), Activation(3, Hidden, batchSize));
            NetGen.Kernels.Relu.Forward(Activation(3, Hidden, batchSize), Activation(9, Hidden, batchSize));
            NetGen.Kernels.Dense.Forward(batchSize, Hidden, Classes, Activation(9, Hidden, batchSize), Parameters.Slice(W2, 12), Parameters.Slice(B2, 2), Activation(15, Classes, batchSize));
            NetGen.Kernels.Softmax.Forward(batchSize, Classes, Activation(15, Classes, batchSize), Activation(17, Classes, batchSize));
            return OutputCore(batchSize);
        }

        protected override float LossCore(ReadOnlySpan<int> labels)
        {
            int batch = CheckTargets(labels.Length, 1, nameof(labels));
            return NetGen.Kernels.SoftmaxCrossEntropy.Forward(batch, Classes, Activation(15, Classes, batch), labels);
        }

        protected override float LossCore(ReadOnlySpan<float> targets) => throw new NotSupportedException();

        protected override void BackwardCore(ReadOnlySpan<int> labels)
        {
            int batch = BeginBackward(labels.Length, 1, nameof(labels));
            NetGen.Kernels.SoftmaxCrossEntropy.Backward(batch, Classes, Activation(17, Classes, batch), labels, ActivationGradient(15, Classes, batch));
            NetGen.Kernels.Dense.Backward(batch, Hidden, Classes, Activation(9, Hidden, batch), Parameters.Slice(W2, 12), ActivationGradient(15, Classes, batch), ActivationGradient(9, Hidden, batch), Gradients.Slice(W2, 12), Gradients.Slice(B2, 2));

            // The bug: the gradient passes through the ReLU unmasked (dx += dy instead of dx += dy·[x > 0]).
            NetGen.Kernels.Elementwise.Add(ActivationGradient(9, Hidden, batch), ActivationGradient(3, Hidden, batch));
            NetGen.Kernels.Dense.Backward(batch, In, Hidden, Activation(0, In, batch), Parameters.Slice(W1, 18), ActivationGradient(3, Hidden, batch), default, Gradients.Slice(W1, 18), Gradients.Slice(B1, 6));
        }

        protected override void BackwardCore(ReadOnlySpan<float> targets) => throw new NotSupportedException();

        public override void InitializeParameters(int seed)
        {
            Initializers.Normal(Parameters, 1f, new Rng(seed));
        }

        protected override ReadOnlySpan<float> OutputCore(int batch) => Activation(17, Classes, batch);
    }
}
