using NetGen.Kernels;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// PReLU against <c>torch.nn.functional.prelu</c> with autograd (per-channel weight), on image and dense layouts and
/// with a single shared slope: forward within 1e-4 absolute, dx and dAlpha within 1e-3 relative to the largest gradient.
/// </summary>
public class PReluActivationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, 5, 49)] // image 7×7: vector body + tail per channel
    [InlineData(2, 3, 4)] // tiny image, scalar tail only
    [InlineData(6, 37, 1)] // dense: slopes meet rows element-wise
    [InlineData(64, 256, 1)] // a realistic dense layer
    [InlineData(4, 1, 5 * 36)] // one shared slope (torch PReLU(num_parameters=1) over [4, 5, 6, 6])
    public void Forward_and_backward_match_torch_autograd(int batch, int channels, int spatial)
    {
        int n = batch * channels * spatial;
        float[] x = DropoutTests.Gaussian(n, seed: 1), dy = DropoutTests.Gaussian(n, seed: 2);
        float[] alpha = DropoutTests.Gaussian(channels, seed: 3).Select(v => 0.2f + (0.2f * v)).ToArray(); // some negative
        float[] y = new float[n], dx = new float[n], dAlpha = new float[channels];
        PRelu.Forward(batch, channels, spatial, x, alpha, y);
        PRelu.Backward(batch, channels, spatial, x, alpha, dy, dx, dAlpha);

        using var scope = torch.NewDisposeScope();
        long[] shape = spatial == 1 ? [batch, channels] : [batch, channels, spatial];
        Tensor tx = torch.tensor(x, shape, requires_grad: true), ta = torch.tensor(alpha, requires_grad: true);
        Tensor ty = nn.functional.prelu(tx, ta);
        (ty * torch.tensor(dy, shape)).sum().backward();

        double yDiff = TensorAssert.MaxAbsDiff(y, ty.data<float>().ToArray());
        double dxRel = TorchCompare.RelativeDiff(dx, tx.grad!.data<float>().ToArray());
        double daRel = TorchCompare.RelativeDiff(dAlpha, ta.grad!.data<float>().ToArray());
        output.WriteLine($"[{batch}, {channels}, {spatial}]: y max |diff| {yDiff:E2}, dx rel {dxRel:E2}, dAlpha rel {daRel:E2}");
        Assert.True(yDiff <= 1e-4, $"y differs by {yDiff}");
        Assert.True(dxRel <= 1e-3, $"dx differs by {dxRel} relative");
        Assert.True(daRel <= 1e-3, $"dAlpha differs by {daRel} relative");
    }

    [Theory]
    [InlineData(3, 5, 49)]
    [InlineData(6, 37, 1)]
    public void Backward_accumulates_and_skips_empty_gradients(int batch, int channels, int spatial)
    {
        int n = batch * channels * spatial;
        float[] x = DropoutTests.Gaussian(n, seed: 1), dy = DropoutTests.Gaussian(n, seed: 2), alpha = Enumerable.Repeat(0.25f, channels).ToArray();
        float[] dx = new float[n], dAlpha = new float[channels];
        PRelu.Backward(batch, channels, spatial, x, alpha, dy, dx, dAlpha);
        float[] dx2 = Enumerable.Repeat(1f, n).ToArray(), dAlpha2 = Enumerable.Repeat(-2f, channels).ToArray();
        PRelu.Backward(batch, channels, spatial, x, alpha, dy, dx2, dAlpha2);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(dx[i] + 1f, dx2[i], 1e-5f);
        }

        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(dAlpha[c] - 2f, dAlpha2[c], 1e-4f);
        }

        // Only dAlpha (first layer), only dx (frozen slopes): each equals its part of the full call.
        float[] onlyDAlpha = new float[channels], onlyDx = new float[n];
        PRelu.Backward(batch, channels, spatial, x, alpha, dy, Span<float>.Empty, onlyDAlpha);
        PRelu.Backward(batch, channels, spatial, x, alpha, dy, onlyDx, Span<float>.Empty);
        Assert.Equal(dAlpha, onlyDAlpha);
        Assert.Equal(dx, onlyDx);
    }

    [Fact]
    public void Bad_lengths_are_rejected_with_expected_and_actual()
    {
        var e = Assert.Throws<ArgumentException>(() => PRelu.Forward(2, 3, 4, new float[24], new float[2], new float[24]));
        Assert.Contains("alpha holds 2 elements but the shape needs 3", e.Message);
        Assert.Throws<ArgumentException>(() => PRelu.Forward(2, 3, 4, new float[23], new float[3], new float[24]));
        Assert.Throws<ArgumentException>(() => PRelu.Backward(2, 3, 4, new float[24], new float[3], new float[24], new float[24], new float[4]));
    }
}

/// <summary>Comparison helpers for the kernel tests against TorchSharp.</summary>
internal static class TorchCompare
{

    /// <summary>max |a − b| / max |b|, failing if the reference is ~0 (the comparison would prove nothing).</summary>
    public static double RelativeDiff(float[] ours, float[] reference)
    {
        double scale = reference.Max(v => Math.Abs((double)v));
        Assert.True(scale > 1e-3, "the reference gradient is ~0");
        return TensorAssert.MaxAbsDiff(ours, reference) / scale;
    }
}
