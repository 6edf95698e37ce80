using System;
using System.Collections.Generic;
using NetGen.Kernels;

namespace NetGen.Tests.Training;

/// <summary>
/// A hand-written network for trainer tests (the generator is not needed): one dense layer followed by a softmax
/// cross-entropy head, i.e. multinomial logistic regression, built from the runtime kernels like generated code.
/// </summary>
internal sealed class SoftmaxRegression : NetworkBase
{
    private readonly int _inputs;
    private readonly int _classes;
    private readonly ParameterTensor[] _tensors;
    private readonly LayerInfo[] _layers;
    private long _forwardCalls;

    // Arena layout per sample: input x [inputs], logits z [classes], probabilities p [classes].
    private int X => 0;

    private int Z => _inputs;

    private int P => _inputs + _classes;

    public SoftmaxRegression(int inputs, int classes)
        : base((inputs * classes) + classes, inputs + (2 * classes))
    {
        _inputs = inputs;
        _classes = classes;
        _tensors =
        [
            new ParameterTensor("dense0.weight", 0, 0, inputs * classes, [classes, inputs], ParameterRole.Weight),
            new ParameterTensor("dense0.bias", 0, inputs * classes, classes, [classes], ParameterRole.Bias),
        ];
        _layers =
        [
            new LayerInfo(0, "dense0", "Dense", [classes], (inputs * classes) + classes),
            new LayerInfo(1, "softmax", "Softmax", [classes], 0),
        ];
    }

    /// <summary>When positive, the loss of this forward call (counted from 1) is NaN, as if training had diverged.</summary>
    public long NaNLossAtForwardCall { get; set; } = -1;

    /// <summary>The modes seen by every forward call, for checking that evaluation switches to inference.</summary>
    public List<NetworkMode> ModesSeen { get; } = [];

    /// <summary>Whether to record <see cref="ModesSeen"/> (off for allocation tests).</summary>
    public bool RecordModes { get; set; }

    public override int InputSize => _inputs;

    public override int OutputSize => _classes;

    public override TensorShape InputShape => [_inputs];

    public override IReadOnlyList<ParameterTensor> ParameterTensors => _tensors;

    public override IReadOnlyList<LayerInfo> Layers => _layers;

    private Span<float> W => Parameters.Slice(0, _inputs * _classes);

    private Span<float> B => Parameters.Slice(_inputs * _classes, _classes);

    protected override ReadOnlySpan<float> ForwardCore(ReadOnlySpan<float> input, int batchSize)
    {
        BeginForward(input, batchSize, X);
        _forwardCalls++;
        if (RecordModes)
        {
            ModesSeen.Add(Mode);
        }

        Dense.Forward(batchSize, _inputs, _classes, Activation(X, _inputs, batchSize), W, B, Activation(Z, _classes, batchSize));
        Softmax.Forward(batchSize, _classes, Activation(Z, _classes, batchSize), Activation(P, _classes, batchSize));
        return OutputCore(batchSize);
    }

    protected override float LossCore(ReadOnlySpan<int> labels)
    {
        int batch = CheckTargets(labels.Length, 1, nameof(labels));
        if (_forwardCalls == NaNLossAtForwardCall)
        {
            return float.NaN;
        }

        return SoftmaxCrossEntropy.Forward(batch, _classes, Activation(Z, _classes, batch), labels);
    }

    protected override float LossCore(ReadOnlySpan<float> targets)
    {
        int batch = CheckTargets(targets.Length, _classes, nameof(targets));
        return SoftmaxCrossEntropy.Forward(batch, _classes, Activation(Z, _classes, batch), targets);
    }

    protected override void BackwardCore(ReadOnlySpan<int> labels)
    {
        int batch = BeginBackward(labels.Length, 1, nameof(labels));
        Span<float> dz = ActivationGradient(Z, _classes, batch);
        SoftmaxCrossEntropy.Backward(batch, _classes, Activation(P, _classes, batch), labels, dz);
        BackwardDense(batch, dz);
    }

    protected override void BackwardCore(ReadOnlySpan<float> targets)
    {
        int batch = BeginBackward(targets.Length, _classes, nameof(targets));
        Span<float> dz = ActivationGradient(Z, _classes, batch);
        SoftmaxCrossEntropy.Backward(batch, _classes, Activation(P, _classes, batch), targets, dz);
        BackwardDense(batch, dz);
    }

    private void BackwardDense(int batch, ReadOnlySpan<float> dz) =>
        Dense.Backward(batch, _inputs, _classes, Activation(X, _inputs, batch), W, dz, Span<float>.Empty,
            Gradients.Slice(0, _inputs * _classes), Gradients.Slice(_inputs * _classes, _classes));

    public override void InitializeParameters(int seed)
    {
        Initializers.Normal(W, 0.01f, new Rng(seed));
        B.Clear();
    }

    protected override ReadOnlySpan<float> OutputCore(int batch) => Activation(P, _classes, batch);
}

/// <summary>Plain SGD, <c>p -= lr·g</c>, for trainer tests.</summary>
internal sealed class TestSgd(float learningRate) : NetGen.Optimizers.IOptimizer
{
    public float LearningRate { get; set; } = learningRate;

    public long StepCount { get; private set; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] -= LearningRate * gradients[i];
        }

        StepCount++;
    }

    public void Reset() => StepCount = 0;
}

/// <summary>Small synthetic classification problems.</summary>
internal static class Synthetic
{
    /// <summary>Gaussian blobs around well-separated class centres: linearly separable up to a little overlap.</summary>
    public static NetGen.Data.Dataset Blobs(int count, int features, int classes, int seed, float noise = 0.6f)
    {
        var centreRng = new Rng(1234);
        var centres = new float[classes * features];
        for (int i = 0; i < centres.Length; i++)
        {
            centres[i] = 2.5f * centreRng.NextGaussian();
        }

        var rng = new Rng(seed);
        var x = new float[count * features];
        var y = new int[count];
        for (int s = 0; s < count; s++)
        {
            int c = s % classes;
            y[s] = c;
            for (int f = 0; f < features; f++)
            {
                x[(s * features) + f] = centres[(c * features) + f] + (noise * rng.NextGaussian());
            }
        }

        return new NetGen.Data.Dataset(x, y, [features], classes);
    }
}
