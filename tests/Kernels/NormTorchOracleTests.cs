using NetGen.Kernels;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// BatchNorm, GroupNorm, InstanceNorm and LayerNorm against the torch.nn modules (through TorchSharp, with autograd) on
/// the same random inputs, gammas, betas and upstream gradient (loss = Σ y·g): outputs, input gradients, parameter
/// gradients and, for BatchNorm, the running statistics after several training steps and the eval-mode output.
/// </summary>
public class NormTorchOracleTests(ITestOutputHelper output)
{
    private const float Epsilon = 1e-5f;
    private const float Momentum = 0.1f;

    /// <summary>Dense features (BatchNorm1d on [batch, features]), images (BatchNorm2d), and one image with spatial positions.</summary>
    [Theory]
    [InlineData(8, 20, 1, 1)]
    [InlineData(4, 6, 5, 7)]
    [InlineData(1, 6, 5, 7)]
    public void BatchNorm_training_steps_running_stats_and_eval_match_torch_modules(int batch, int channels, int height, int width)
    {
        const int steps = 5;
        int spatial = height * width, size = batch * channels * spatial;
        bool dense = spatial == 1;
        var rng = new Rng((batch * 1000) + (channels * 10) + spatial);
        float[] gamma = NormTestData.Gaussian(rng, channels, 1f, 0.5f), beta = NormTestData.Gaussian(rng, channels, 0f, 0.5f);
        float[] runningMean = NormTestData.Gaussian(rng, channels, 0f, 0.3f);
        float[] runningVar = NormTestData.Uniform(rng, channels, 0.5f, 2f);
        var saveMean = new float[channels];
        var saveInvStd = new float[channels];
        long[] shape = dense ? [batch, channels] : [batch, channels, height, width];

        using var scope = torch.NewDisposeScope();
        nn.Module<Tensor, Tensor> module = dense ? nn.BatchNorm1d(channels, Epsilon, Momentum) : nn.BatchNorm2d(channels, Epsilon, Momentum);
        var (weight, bias, torchRunningMean, torchRunningVar) = dense
            ? BatchNormTensors((TorchSharp.Modules.BatchNorm1d)module)
            : BatchNormTensors((TorchSharp.Modules.BatchNorm2d)module);
        using (torch.no_grad())
        {
            weight.copy_(torch.tensor(gamma));
            bias.copy_(torch.tensor(beta));
            torchRunningMean.copy_(torch.tensor(runningMean));
            torchRunningVar.copy_(torch.tensor(runningVar));
        }

        var report = new NormTestData.Report(output);
        for (int step = 0; step < steps; step++)
        {
            // A different batch each step, with an offset and scale per step so the running statistics move.
            float[] x = NormTestData.Gaussian(rng, size, 0.5f * step, 1f + (0.3f * step));
            float[] upstream = NormTestData.Gaussian(rng, size, 0f, 1f);
            var y = new float[size];
            var dx = new float[size];
            var dGamma = new float[channels];
            var dBeta = new float[channels];
            BatchNorm.ForwardTraining(batch, channels, spatial, Momentum, Epsilon, x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd);
            BatchNorm.Backward(batch, channels, spatial, x, gamma, saveMean, saveInvStd, upstream, dx, dGamma, dBeta);

            module.train();
            module.zero_grad();
            Tensor input = torch.tensor(x, shape, requires_grad: true);
            Tensor torchY = module.call(input);
            (torchY * torch.tensor(upstream, shape)).sum().backward();

            report.Forward($"step {step} y", y, torchY);
            report.Gradient($"step {step} dx", dx, input.grad!);
            report.Gradient($"step {step} dGamma", dGamma, weight.grad!);
            report.Gradient($"step {step} dBeta", dBeta, bias.grad!);
        }

        report.Forward("running_mean", runningMean, torchRunningMean);
        report.Forward("running_var", runningVar, torchRunningVar);

        float[] evalX = NormTestData.Gaussian(rng, size, 1f, 2f);
        var evalY = new float[size];
        BatchNorm.ForwardInference(batch, channels, spatial, Epsilon, evalX, gamma, beta, runningMean, runningVar, evalY);
        module.eval();
        using (torch.no_grad())
        {
            report.Forward("eval y", evalY, module.call(torch.tensor(evalX, shape)));
        }

        report.AssertAll();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    public void GroupNorm_forward_and_backward_match_torch_GroupNorm(int groups)
    {
        const int batch = 3, channels = 6, height = 4, width = 5;
        Check(
            "GroupNorm",
            batch,
            channels,
            height,
            width,
            groups,
            parameters: channels,
            makeModule: () => nn.GroupNorm(groups, channels, Epsilon),
            moduleTensors: m => (((TorchSharp.Modules.GroupNorm)m).weight!, ((TorchSharp.Modules.GroupNorm)m).bias!),
            forward: (x, gamma, beta, y, mean, invStd) => GroupNorm.Forward(batch, channels, height * width, groups, Epsilon, x, gamma, beta, y, mean, invStd),
            backward: (x, gamma, mean, invStd, dy, dx, dGamma, dBeta) => GroupNorm.Backward(batch, channels, height * width, groups, x, gamma, mean, invStd, dy, dx, dGamma, dBeta),
            saveLength: batch * groups);
    }

    [Fact]
    public void InstanceNorm_forward_and_backward_match_torch_InstanceNorm2d()
    {
        const int batch = 3, channels = 5, height = 6, width = 7;
        Check(
            "InstanceNorm",
            batch,
            channels,
            height,
            width,
            channels,
            parameters: channels,
            makeModule: () => nn.InstanceNorm2d(channels, Epsilon, affine: true),
            moduleTensors: m => (((TorchSharp.Modules.InstanceNorm2d)m).weight!, ((TorchSharp.Modules.InstanceNorm2d)m).bias!),
            forward: (x, gamma, beta, y, mean, invStd) => InstanceNorm.Forward(batch, channels, height * width, Epsilon, x, gamma, beta, y, mean, invStd),
            backward: (x, gamma, mean, invStd, dy, dx, dGamma, dBeta) => InstanceNorm.Backward(batch, channels, height * width, x, gamma, mean, invStd, dy, dx, dGamma, dBeta),
            saveLength: batch * channels);
    }

    [Theory]
    [InlineData(4, 3, 5, 6)]
    [InlineData(8, 20, 1, 1)]
    public void LayerNorm_forward_and_backward_match_torch_LayerNorm(int batch, int channels, int height, int width)
    {
        int features = channels * height * width;
        Check(
            "LayerNorm",
            batch,
            channels,
            height,
            width,
            1,
            parameters: features,
            makeModule: () => nn.LayerNorm(new long[] { channels, height, width }, Epsilon),
            moduleTensors: m => (((TorchSharp.Modules.LayerNorm)m).weight!, ((TorchSharp.Modules.LayerNorm)m).bias!),
            forward: (x, gamma, beta, y, mean, invStd) => LayerNorm.Forward(batch, features, Epsilon, x, gamma, beta, y, mean, invStd),
            backward: (x, gamma, mean, invStd, dy, dx, dGamma, dBeta) => LayerNorm.Backward(batch, features, x, gamma, mean, invStd, dy, dx, dGamma, dBeta),
            saveLength: batch);
    }

    private static (Tensor Weight, Tensor Bias, Tensor RunningMean, Tensor RunningVar) BatchNormTensors(TorchSharp.Modules.BatchNorm1d m)
        => (m.weight!, m.bias!, m.running_mean!, m.running_var!);

    private static (Tensor Weight, Tensor Bias, Tensor RunningMean, Tensor RunningVar) BatchNormTensors(TorchSharp.Modules.BatchNorm2d m)
        => (m.weight!, m.bias!, m.running_mean!, m.running_var!);

    /// <summary>
    /// One forward and backward of a per-sample normalization (same in training and eval) against the torch module, in
    /// both module modes, plus the saved statistics against torch's own mean and 1/√(var + ε) of each normalized group.
    /// </summary>
    private void Check(
        string name,
        int batch,
        int channels,
        int height,
        int width,
        int groups,
        int parameters,
        Func<nn.Module<Tensor, Tensor>> makeModule,
        Func<nn.Module<Tensor, Tensor>, (Tensor Weight, Tensor Bias)> moduleTensors,
        NormTestData.Forward forward,
        NormTestData.Backward backward,
        int saveLength)
    {
        int size = batch * channels * height * width;
        long[] shape = [batch, channels, height, width];
        var rng = new Rng(name.Length + (groups * 31) + size);
        float[] x = NormTestData.Gaussian(rng, size, 0.7f, 1.5f);
        float[] upstream = NormTestData.Gaussian(rng, size, 0f, 1f);
        float[] gamma = NormTestData.Gaussian(rng, parameters, 1f, 0.5f), beta = NormTestData.Gaussian(rng, parameters, 0f, 0.5f);
        var y = new float[size];
        var dx = new float[size];
        var dGamma = new float[parameters];
        var dBeta = new float[parameters];
        var saveMean = new float[saveLength];
        var saveInvStd = new float[saveLength];
        forward(x, gamma, beta, y, saveMean, saveInvStd);
        backward(x, gamma, saveMean, saveInvStd, upstream, dx, dGamma, dBeta);

        using var scope = torch.NewDisposeScope();
        nn.Module<Tensor, Tensor> module = makeModule();
        var (weight, bias) = moduleTensors(module);
        using (torch.no_grad())
        {
            weight.copy_(torch.tensor(gamma, weight.shape));
            bias.copy_(torch.tensor(beta, bias.shape));
        }

        var report = new NormTestData.Report(output);
        foreach (bool training in new[] { true, false })
        {
            string mode = training ? "train" : "eval";
            if (training)
            {
                module.train();
            }
            else
            {
                module.eval();
            }

            module.zero_grad();
            Tensor input = torch.tensor(x, shape, requires_grad: true);
            Tensor torchY = module.call(input);
            (torchY * torch.tensor(upstream, shape)).sum().backward();
            report.Forward($"{name}({groups}) {mode} y", y, torchY);
            report.Gradient($"{name}({groups}) {mode} dx", dx, input.grad!);
            report.Gradient($"{name}({groups}) {mode} dGamma", dGamma, weight.grad!);
            report.Gradient($"{name}({groups}) {mode} dBeta", dBeta, bias.grad!);
        }

        using (torch.no_grad())
        {
            Tensor grouped = torch.tensor(x, new long[] { saveLength, size / saveLength }).to_type(ScalarType.Float64);
            var (variance, mean) = torch.var_mean(grouped, 1, unbiased: false);
            report.Forward($"{name}({groups}) saveMean", saveMean, mean.to_type(ScalarType.Float32));
            report.Forward($"{name}({groups}) saveInvStd", saveInvStd, torch.rsqrt(variance + Epsilon).to_type(ScalarType.Float32));
        }

        report.AssertAll();
    }
}

/// <summary>Random data and the max-difference bookkeeping the normalization tests share.</summary>
internal static class NormTestData
{
    /// <summary>Forward tolerance: max |ours − torch|.</summary>
    public const double ForwardTolerance = 1e-4;

    /// <summary>Gradient tolerance, relative to the largest |torch gradient| of the tensor.</summary>
    public const double GradientTolerance = 1e-3;

    public delegate void Forward(float[] x, float[] gamma, float[] beta, float[] y, float[] saveMean, float[] saveInvStd);

    public delegate void Backward(float[] x, float[] gamma, float[] saveMean, float[] saveInvStd, float[] dy, float[] dx, float[] dGamma, float[] dBeta);

    public static float[] Gaussian(Rng rng, int length, float mean, float std)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = mean + (std * rng.NextGaussian());
        }

        return values;
    }

    public static float[] Uniform(Rng rng, int length, float low, float high)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * rng.NextFloat());
        }

        return values;
    }

    public static double MaxAbs(ReadOnlySpan<float> a)
    {
        double max = 0;
        foreach (float v in a)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    /// <summary>Prints every comparison and collects the failures, so one run shows all the differences.</summary>
    public sealed class Report(ITestOutputHelper output)
    {
        private readonly List<string> failures = [];

        public double WorstForward { get; private set; }

        public double WorstGradient { get; private set; }

        public void Forward(string what, ReadOnlySpan<float> ours, Tensor theirs) => Forward(what, ours, theirs.detach().contiguous().data<float>().ToArray());

        public void Forward(string what, ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs)
        {
            double diff = TensorAssert.MaxAbsDiff(ours, theirs);
            WorstForward = Math.Max(WorstForward, diff);
            output.WriteLine($"{what,-32} max |diff| {diff:E2}");
            if (!(diff <= ForwardTolerance))
            {
                failures.Add($"{what}: max |diff| {diff:E3} > {ForwardTolerance:E0}");
            }
        }

        public void Gradient(string what, ReadOnlySpan<float> ours, Tensor theirs) => Gradient(what, ours, theirs.contiguous().data<float>().ToArray());

        public void Gradient(string what, ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs)
        {
            double diff = TensorAssert.MaxAbsDiff(ours, theirs);
            double scale = MaxAbs(theirs);
            WorstGradient = Math.Max(WorstGradient, diff / scale);
            output.WriteLine($"{what,-32} max |diff| {diff:E2}, relative {diff / scale:E2} (max |grad| {scale:E2})");
            if (!(scale > 1e-3))
            {
                failures.Add($"{what}: the reference gradient is ~0 ({scale:E2}), so the comparison would prove nothing");
            }
            else if (!(diff <= GradientTolerance * scale))
            {
                failures.Add($"{what}: max |diff| {diff:E3} > {GradientTolerance:E0} × {scale:E3}");
            }
        }

        public void AssertAll()
        {
            output.WriteLine($"worst forward {WorstForward:E2}, worst relative gradient {WorstGradient:E2}");
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        }
    }
}
