using BenchmarkDotNet.Attributes;
using NetGen.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step of the small CNN (<see cref="SmallCnn"/>) at batch 64 (forward, loss, zero gradients,
/// backward, Adam 1e-3) in NetGen and in TorchSharp-cpu (float32, libtorch's default convolution path) from the same
/// weights, on 1 and 2 threads, cycling through the test images.
/// </summary>
/// <remarks>
/// <para>
/// Before anything is timed, <see cref="Setup"/> runs the first step on fresh copies of both networks and throws unless
/// NetGen and TorchSharp agree with a float64 reference of the same step: the same module and weights in libtorch at
/// float64 (which has no oneDNN path, see <c>docs/torchsharp-on-debian.md</c>). Comparing with float64 rather than
/// NetGen with TorchSharp float32 directly says which side is wrong when they differ — on AMD Zen 5, libtorch's float32
/// oneDNN convolution has given wrong outputs and gradients for some shapes.
/// </para>
/// <para>
/// Tolerances (<see cref="FirstStepCheck"/>): probabilities within 1e-4 absolute, the loss within 1e-4 relative, each
/// parameter tensor's gradient within 1e-3 of its largest float64 entry. Every sum in the step has at most 256
/// float32 terms of ordinary size, so rounding alone stays near 1e-6 relative, well inside; a wrong kernel (oneDNN's
/// errors were 0.1 to 1.75 relative) or a wrong layer (a missing ReLU, a shifted window) is far outside. The gradient
/// bound is looser than the output bound because a max-pool window whose two largest inputs differ by less than the
/// rounding can route one position's gradient differently in float32 and float64.
/// </para>
/// </remarks>
[BenchmarkCategory("Training")]
public class SmallCnnTrainingStepBenchmarks
{
    private const int Batch = 64;
    private TrainingPair _pair = null!;

    /// <summary>Threads for both libraries.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds both networks with the same weights and the batches, then checks the first step against float64.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pair = new TrainingPair(new SmallCnn(seed: 1), net => new TorchSmallCnn((SmallCnn)net), Batch, Threads);
        Console.WriteLine($"// SmallCnn first step: {FirstStepCheck.Run(_pair.FirstInputs, _pair.FirstLabels)}");
    }

    /// <summary>TorchSharp: forward, cross-entropy, zero_grad, backward, Adam step.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp small CNN train step")]
    [FlopCount(SmallCnnFlops.TrainingStep)]
    public float TorchSharpStep() => _pair.TorchSharpStep();

    /// <summary>NetGen: Forward, Loss, ZeroGradients, Backward, Adam step.</summary>
    [Benchmark(Description = "NetGen small CNN train step")]
    [FlopCount(SmallCnnFlops.TrainingStep)]
    public float NetGenStep() => _pair.NetGenStep();

    /// <summary>Releases the torch objects.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();
}

/// <summary>
/// The small CNN's first training step in NetGen, TorchSharp float32 and TorchSharp float64 from the same weights,
/// compared output by output (see the remarks on <see cref="SmallCnnTrainingStepBenchmarks"/> for the tolerances).
/// </summary>
public static class FirstStepCheck
{
    /// <summary>Largest allowed absolute difference of a probability.</summary>
    public const double ProbabilityTolerance = 1e-4;

    /// <summary>Largest allowed relative difference of the loss.</summary>
    public const double LossTolerance = 1e-4;

    /// <summary>Largest allowed difference of a gradient entry, relative to the largest entry of its tensor in float64.</summary>
    public const double GradientTolerance = 1e-3;

    /// <summary>Runs the step on the three and throws when NetGen or TorchSharp float32 is outside the tolerances of float64.</summary>
    /// <param name="inputs">One batch of images, <c>batch × 784</c> floats.</param>
    /// <param name="labels">The batch's labels.</param>
    /// <returns>A one-line report of the largest differences of both sides from float64.</returns>
    /// <exception cref="InvalidOperationException">A side disagrees with float64.</exception>
    public static string Run(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int batch = labels.Length;
        var net = new SmallCnn(seed: 1) { Mode = NetworkMode.Training };
        float[] probabilities = net.Forward(inputs, batch).ToArray();
        double loss = net.Loss(labels);
        net.ZeroGradients();
        net.Backward(labels);
        var gradients = new Dictionary<string, double[]>();
        foreach (ParameterTensor t in net.ParameterTensors)
        {
            gradients[t.Name] = net.Gradients.Slice(t.Offset, t.Length).ToArray().Select(g => (double)g).ToArray();
        }

        Side ours = new(probabilities.Select(p => (double)p).ToArray(), loss, gradients);
        Side single = RunTorch(net, inputs.ToArray(), labels.ToArray(), ScalarType.Float32);
        Side wide = RunTorch(net, inputs.ToArray(), labels.ToArray(), ScalarType.Float64);

        string netGen = Compare("NetGen", ours, wide);
        string torchSingle = Compare("TorchSharp float32", single, wide);
        return $"{netGen}; {torchSingle}";
    }

    private static Side RunTorch(SmallCnn source, float[] inputs, int[] labels, ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        using var module = new TorchSmallCnn(source);
        module.to(type);
        module.train();
        Tensor x = torch.tensor(inputs, new long[] { labels.Length, 1, 28, 28 }).to_type(type);
        Tensor y = torch.tensor(labels.Select(l => (long)l).ToArray());
        Tensor logits = module.forward(x);
        Tensor loss = nn.functional.cross_entropy(logits, y);
        loss.backward();
        double[] probabilities = nn.functional.softmax(logits, 1).to_type(ScalarType.Float64).data<double>().ToArray();
        var gradients = module.named_parameters().ToDictionary(
            p => p.name, p => p.parameter.grad!.to_type(ScalarType.Float64).data<double>().ToArray());
        return new Side(probabilities, loss.to_type(ScalarType.Float64).item<double>(), gradients);
    }

    private static string Compare(string who, Side side, Side reference)
    {
        double probability = MaxAbsDifference(side.Probabilities, reference.Probabilities);
        double loss = Math.Abs(side.Loss - reference.Loss) / Math.Abs(reference.Loss);
        double gradient = 0;
        string worst = "";
        foreach ((string name, double[] expected) in reference.Gradients)
        {
            double scale = expected.Max(Math.Abs);
            double relative = MaxAbsDifference(side.Gradients[name], expected) / scale;
            if (relative > gradient)
            {
                (gradient, worst) = (relative, name);
            }
        }

        string report = FormattableString.Invariant($"{who} vs float64: probabilities {probability:E1}, loss {loss:E1}, gradients {gradient:E1} ({worst})");
        if (probability > ProbabilityTolerance || loss > LossTolerance || gradient > GradientTolerance)
        {
            throw new InvalidOperationException(
                $"The small CNN's first step disagrees with libtorch's float64 reference: {report}. If the float32 TorchSharp side is the one that " +
                "disagrees, libtorch's oneDNN float32 convolution is wrong on this CPU (AMD Zen 5; docs/torchsharp-on-debian.md); the timings would " +
                "compare against a wrong computation.");
        }

        return report;
    }

    private static double MaxAbsDifference(double[] a, double[] b)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"Lengths differ: {a.Length} and {b.Length}.");
        }

        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private sealed record Side(double[] Probabilities, double Loss, Dictionary<string, double[]> Gradients);
}
