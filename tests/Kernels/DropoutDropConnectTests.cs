using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Kernels;

/// <summary>
/// DropConnect: the masked weights keep the weights' mean (5σ), the mask is reproducible, and a dense layer run on the
/// masked weights gives the same output and weight gradient as TorchSharp autograd through <c>W·mask</c>.
/// </summary>
public class DropConnectTests(ITestOutputHelper output)
{
    [Fact]
    public void Masked_weights_mean_matches_weights_mean()
    {
        const int n = 1_000_000;
        const float p = 0.5f;
        float[] w = DropoutTests.Gaussian(n, seed: 21, mean: 0.5f), mask = new float[n], wm = new float[n];
        DropConnect.MaskWeights(p, w, wm, mask, new Rng(4));

        // As for dropout: σ of the mean difference = sqrt(p/(1−p)·Σw²)/n ≈ sqrt(1.25e6)/1e6 ≈ 1.1e-3; bound 5σ.
        double sumW = 0, sumM = 0, sumW2 = 0;
        for (int i = 0; i < n; i++)
        {
            sumW += w[i];
            sumM += wm[i];
            sumW2 += (double)w[i] * w[i];
            Assert.Equal(w[i] * mask[i], wm[i]);
        }

        double diff = (sumM - sumW) / n, sigma = Math.Sqrt(p / (1.0 - p) * sumW2) / n;
        output.WriteLine($"mean(W·mask) − mean(W) = {diff:E2} ({diff / sigma:F2}σ, σ = {sigma:E2})");
        Assert.True(Math.Abs(diff) <= 5 * sigma);
    }

    [Fact]
    public void Same_seed_gives_the_same_mask()
    {
        float[] w = DropoutTests.Gaussian(999, seed: 1);
        float[] m1 = new float[999], m2 = new float[999], wm = new float[999];
        DropConnect.MaskWeights(0.4f, w, wm, m1, new Rng(12, stream: 3));
        DropConnect.MaskWeights(0.4f, w, wm, m2, new Rng(12, stream: 3));
        Assert.Equal(m1, m2);
    }

    [Fact]
    public void Dense_on_masked_weights_matches_torch_and_gradient_is_routed_through_the_mask()
    {
        const int batch = 8, inputs = 20, outputs = 16;
        float[] x = DropoutTests.Gaussian(batch * inputs, seed: 1), w = DropoutTests.Gaussian(outputs * inputs, seed: 2);
        float[] bias = DropoutTests.Gaussian(outputs, seed: 3), dy = DropoutTests.Gaussian(batch * outputs, seed: 4);
        float[] mask = new float[w.Length], wm = new float[w.Length], y = new float[batch * outputs];
        DropConnect.MaskWeights(0.3f, w, wm, mask, new Rng(6));
        Dense.Forward(batch, inputs, outputs, x, wm, bias, y);

        float[] dWm = new float[w.Length], dBias = new float[outputs];
        Dense.Backward(batch, inputs, outputs, x, wm, dy, Span<float>.Empty, dWm, dBias);
        float[] dW = Enumerable.Repeat(1f, w.Length).ToArray(); // accumulates onto what is there
        DropConnect.MaskGradient(dWm, mask, dW);

        using var scope = torch.NewDisposeScope();
        Tensor tw = torch.tensor(w, new long[] { outputs, inputs }, requires_grad: true);
        Tensor tm = torch.tensor(mask, new long[] { outputs, inputs });
        Tensor ty = nn.functional.linear(torch.tensor(x, new long[] { batch, inputs }), tw * tm, torch.tensor(bias));
        (ty * torch.tensor(dy, new long[] { batch, outputs })).sum().backward();
        float[] torchY = ty.data<float>().ToArray(), torchDw = tw.grad!.data<float>().ToArray();

        double yDiff = y.Zip(torchY).Max(t => Math.Abs(t.First - t.Second));
        double gDiff = dW.Zip(torchDw).Max(t => Math.Abs(t.First - 1f - t.Second)), gScale = torchDw.Max(Math.Abs);
        output.WriteLine($"y max |diff| {yDiff:E2}; dW max |diff| {gDiff:E2} (max |dW| {gScale:E2}, relative {gDiff / gScale:E2})");
        Assert.True(yDiff <= 1e-4);
        Assert.True(gDiff <= 1e-3 * gScale);
        for (int i = 0; i < w.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(1f, dW[i]); // a dropped weight receives no gradient
            }
        }
    }

    [Fact]
    public void Mask_and_gradient_allocate_nothing_and_reject_bad_lengths()
    {
        float[] w = DropoutTests.Gaussian(4096, seed: 1), mask = new float[4096], wm = new float[4096], dW = new float[4096];
        var rng = new Rng(1);
        AllocationAssert.None(() =>
        {
            DropConnect.MaskWeights(0.5f, w, wm, mask, rng);
            DropConnect.MaskGradient(wm, mask, dW);
        });
        Assert.Throws<ArgumentException>(() => DropConnect.MaskWeights(0.5f, w, wm, new float[5], rng));
        Assert.Throws<ArgumentException>(() => DropConnect.MaskGradient(wm, mask, new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DropConnect.MaskWeights(1f, w, wm, mask, rng));
    }
}
