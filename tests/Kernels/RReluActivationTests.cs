using NetGen.Kernels;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// RReLU: inference against <c>torch.nn.functional.rrelu</c> (TorchSharp's overload has no training flag and runs
/// torch's inference mode, the fixed slope (lower + upper)/2); training slopes' range and mean (5σ), reproducibility,
/// and a backward that uses exactly the stored slopes (against torch autograd through <c>x·where(x &gt; 0, 1, slopes)</c>).
/// </summary>
public class RReluActivationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.125f, 1f / 3f, 1037)]
    [InlineData(0.01f, 0.3f, 7)]
    public void Inference_forward_and_backward_match_torch(float lower, float upper, int n)
    {
        float[] x = DropoutTests.Gaussian(n, seed: 1), dy = DropoutTests.Gaussian(n, seed: 2), y = new float[n], dx = new float[n];
        RRelu.ForwardInference(lower, upper, x, y);
        RRelu.BackwardInference(lower, upper, x, dy, dx);

        using var scope = torch.NewDisposeScope();
        Tensor tx = torch.tensor(x, requires_grad: true);
        Tensor ty = nn.functional.rrelu(tx, lower, upper);
        (ty * torch.tensor(dy)).sum().backward();
        double yDiff = TensorAssert.MaxAbsDiff(y, ty.data<float>().ToArray());
        double dxRel = TorchCompare.RelativeDiff(dx, tx.grad!.data<float>().ToArray());
        output.WriteLine($"rrelu inference [{lower}, {upper}] n = {n}: y max |diff| {yDiff:E2}, dx rel {dxRel:E2}");
        Assert.True(yDiff <= 1e-4);
        Assert.True(dxRel <= 1e-3);
    }

    [Fact]
    public void Training_slopes_lie_in_bounds_with_the_expected_mean()
    {
        const int n = 1_000_000;
        const float lower = 0.125f, upper = 1f / 3f;
        float[] x = DropoutTests.Gaussian(n, seed: 4), slopes = new float[n], y = new float[n];
        RRelu.ForwardTraining(lower, upper, x, y, slopes, new Rng(8));

        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.InRange(slopes[i], lower, upper);
            Assert.Equal(x[i] > 0f ? x[i] : slopes[i] * x[i], y[i]);
            sum += slopes[i];
        }

        // U(l, u) has σ = (u − l)/√12 ≈ 0.060, so the mean of 1e6 slopes has σ ≈ 6.0e-5; bound 5σ.
        double mean = sum / n, expected = (lower + upper) / 2.0, sigma = (upper - lower) / Math.Sqrt(12.0 * n);
        output.WriteLine($"mean slope {mean:F6} vs {expected:F6} ({(mean - expected) / sigma:F2}σ, σ = {sigma:E2}); min {slopes.Min():F6}, max {slopes.Max():F6}");
        Assert.True(Math.Abs(mean - expected) <= 5 * sigma);
    }

    [Fact]
    public void Same_seed_gives_the_same_slopes()
    {
        float[] x = DropoutTests.Gaussian(1001, seed: 1), s1 = new float[1001], s2 = new float[1001], y = new float[1001];
        RRelu.ForwardTraining(0.1f, 0.3f, x, y, s1, new Rng(5, stream: 1));
        RRelu.ForwardTraining(0.1f, 0.3f, x, y, s2, new Rng(5, stream: 1));
        Assert.Equal(s1, s2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(300)] // two vectorized blocks of 128 and a scalar tail
    public void Slopes_are_the_documented_function_of_the_generator_words(int n)
    {
        const float lower = 0.1f, upper = 0.4f;
        float[] slopes = new float[n], y = new float[n];
        RRelu.ForwardTraining(lower, upper, new float[n], y, slopes, new Rng(13));

        // Slope i = min(lower + (upper − lower)·2⁻²⁴·(half_i >> 8), upper), half_i the i-th 32-bit half, low half first.
        var words = new Rng(13);
        ulong word = 0;
        for (int i = 0; i < n; i++)
        {
            word = i % 2 == 0 ? words.NextUInt64() : word;
            uint half = (uint)(i % 2 == 0 ? word & 0xFFFF_FFFFUL : word >> 32);
            float expected = MathF.Min(MathF.FusedMultiplyAdd((int)(half >> 8), (upper - lower) * (1f / (1 << 24)), lower), upper);
            Assert.Equal(expected, slopes[i]);
        }
    }

    [Fact]
    public void Training_backward_uses_the_stored_slopes_and_accumulates()
    {
        const int n = 1037;
        float[] x = DropoutTests.Gaussian(n, seed: 1), dy = DropoutTests.Gaussian(n, seed: 2), slopes = new float[n], y = new float[n];
        RRelu.ForwardTraining(0.125f, 1f / 3f, x, y, slopes, new Rng(3));
        float[] dx = Enumerable.Repeat(0.5f, n).ToArray();
        RRelu.Backward(x, slopes, dy, dx);

        using var scope = torch.NewDisposeScope();
        Tensor tx = torch.tensor(x, requires_grad: true);
        Tensor ty = tx * torch.where(tx > 0, torch.ones_like(tx), torch.tensor(slopes));
        (ty * torch.tensor(dy)).sum().backward();
        float[] torchDx = tx.grad!.data<float>().ToArray();
        double yDiff = TensorAssert.MaxAbsDiff(y, ty.data<float>().ToArray());
        double dxRel = TorchCompare.RelativeDiff(dx.Select(v => v - 0.5f).ToArray(), torchDx);
        output.WriteLine($"rrelu training with stored slopes: y max |diff| {yDiff:E2}, dx rel {dxRel:E2}");
        Assert.True(yDiff <= 1e-4);
        Assert.True(dxRel <= 1e-3);
        RRelu.Backward(x, slopes, dy, Span<float>.Empty); // skipped
    }

    [Fact]
    public void Bad_bounds_and_lengths_are_rejected()
    {
        var rng = new Rng(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => RRelu.ForwardInference(0.5f, 0.1f, new float[4], new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RRelu.ForwardTraining(float.NaN, 0.1f, new float[4], new float[4], new float[4], rng));
        Assert.Throws<ArgumentException>(() => RRelu.ForwardTraining(0.1f, 0.3f, new float[4], new float[4], new float[3], rng));
        Assert.Throws<ArgumentException>(() => RRelu.Backward(new float[4], new float[4], new float[4], new float[5]));
    }
}
