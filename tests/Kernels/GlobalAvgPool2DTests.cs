using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using static NetGen.Tests.Kernels.ElementwiseKernelChecks;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The global-average-pooling kernel against its scalar double-accumulating twin and against
/// <c>adaptive_avg_pool2d(x, 1)</c> flattened, in float64 with autograd. Tolerance: a float sum of n terms is within
/// n·2⁻²⁴·Σ|x| of the exact one; the planes here have at most 100 terms of |x| ≤ 1, so 1e-6 relative plus 1e-6 absolute.
/// </summary>
public class GlobalAvgPool2DTests
{
    private const double Rtol = 1e-6, Atol = 1e-6;

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 3, 5, 7)]
    [InlineData(4, 16, 8, 8)]
    [InlineData(3, 5, 10, 10)]
    [InlineData(0, 4, 3, 3)]
    public void Forward_and_backward_match_the_reference_twin_and_torch(int batch, int channels, int height, int width)
    {
        int n = batch * channels * height * width, m = batch * channels;
        float[] x = Inputs(n, seed: n + 1, spread: 1f), dy = Inputs(m, seed: n + 2, spread: 1f), dx0 = Inputs(n, seed: n + 3, spread: 1f);
        float[] y = new float[m], yRef = new float[m], dx = (float[])dx0.Clone(), dxRef = (float[])dx0.Clone();
        GlobalAvgPool2D.Forward(batch, channels, height, width, x, y);
        GlobalAvgPool2D.Reference.Forward(batch, channels, height, width, x, yRef);
        GlobalAvgPool2D.Backward(batch, channels, height, width, dy, dx);
        GlobalAvgPool2D.Reference.Backward(batch, channels, height, width, dy, dxRef);
        Close("y vs reference", y, Wide(yRef), Rtol, Atol);
        Close("dx vs reference", dx, Wide(dxRef), Rtol, Atol);
        if (batch == 0)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        var tx = TorchOracle.Float64(x, [batch, channels, height, width], requiresGrad: true);
        var ty = torch.nn.functional.adaptive_avg_pool2d(tx, 1).flatten(1);
        (ty * TorchOracle.Float64(dy, [batch, channels])).sum().backward();
        double[] torchDx = TorchOracle.Doubles(tx.grad!);
        float[] kernelDx = new float[n];
        GlobalAvgPool2D.Backward(batch, channels, height, width, dy, kernelDx);
        Assert.Equal([batch, channels], ty.shape);
        Close("y vs torch", y, TorchOracle.Doubles(ty), Rtol, Atol);
        Close("dx vs torch", kernelDx, torchDx, Rtol, Atol);
    }

    [Fact]
    public void Short_spans_and_bad_shapes_throw()
    {
        Assert.Throws<ArgumentException>(() => GlobalAvgPool2D.Forward(2, 3, 4, 4, new float[95], new float[6]));
        Assert.Throws<ArgumentException>(() => GlobalAvgPool2D.Forward(2, 3, 4, 4, new float[96], new float[5]));
        Assert.Throws<ArgumentException>(() => GlobalAvgPool2D.Backward(2, 3, 4, 4, new float[6], new float[95]));
        Assert.Throws<ArgumentException>(() => GlobalAvgPool2D.Forward(1, 3, 0, 4, new float[96], new float[6]));
    }

    [Fact]
    public void Kernels_allocate_nothing_after_warm_up()
    {
        float[] x = Inputs(4 * 16 * 7 * 7, seed: 1), y = new float[64], dy = Inputs(64, seed: 2), dx = new float[x.Length];
        AllocatesNothing(() =>
        {
            GlobalAvgPool2D.Forward(4, 16, 7, 7, x, y);
            GlobalAvgPool2D.Backward(4, 16, 7, 7, dy, dx);
        });
    }
}
