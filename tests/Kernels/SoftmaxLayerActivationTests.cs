using NetGen.Kernels;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Softmax as a layer against <c>torch.nn.functional.softmax</c> with autograd through an arbitrary upstream gradient:
/// forward within 1e-4 absolute, dx within 1e-3 relative; stable for large logits; backward accumulates.
/// </summary>
public class SoftmaxLayerActivationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4, 10, 0f)]
    [InlineData(3, 37, 0f)]
    [InlineData(2, 1, 0f)]
    [InlineData(5, 7, 1000f)] // exp(1000) overflows unless the row maximum is subtracted
    [InlineData(5, 7, -1000f)]
    public void Forward_and_backward_match_torch_autograd(int batch, int classes, float offset)
    {
        int n = batch * classes;
        float[] x = DropoutTests.Gaussian(n, seed: 1).Select(v => offset + (2f * v)).ToArray(), dy = DropoutTests.Gaussian(n, seed: 2);
        float[] y = new float[n], dx = Enumerable.Repeat(1f, n).ToArray();
        Softmax.Forward(batch, classes, x, y);
        Softmax.Backward(batch, classes, y, dy, dx);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));

        using var scope = torch.NewDisposeScope();
        Tensor tx = torch.tensor(x, new long[] { batch, classes }, requires_grad: true);
        Tensor ty = nn.functional.softmax(tx, 1);
        (ty * torch.tensor(dy, new long[] { batch, classes })).sum().backward();
        float[] torchDx = tx.grad!.data<float>().ToArray();
        double yDiff = TensorAssert.MaxAbsDiff(y, ty.data<float>().ToArray());
        float[] ours = dx.Select(v => v - 1f).ToArray(); // dx started at 1: the backward adds
        double dxDiff = TensorAssert.MaxAbsDiff(ours, torchDx);
        double scale = torchDx.Max(v => Math.Abs(v));
        output.WriteLine($"[{batch}, {classes}] offset {offset}: y max |diff| {yDiff:E2}, dx max |diff| {dxDiff:E2} (max |dx| {scale:E2})");
        Assert.True(yDiff <= 1e-4);
        if (classes == 1)
        {
            Assert.True(dxDiff <= 1e-6); // a one-class softmax is constant: zero gradient
        }
        else
        {
            Assert.True(dxDiff <= 1e-3 * scale, $"dx differs by {dxDiff / scale} relative");
        }
    }

    [Fact]
    public void Bad_lengths_are_rejected_and_empty_dx_is_skipped()
    {
        Assert.Throws<ArgumentException>(() => Softmax.Forward(2, 3, new float[6], new float[5]));
        Assert.Throws<ArgumentException>(() => Softmax.Forward(2, 3, new float[7], new float[6]));
        Assert.Throws<ArgumentException>(() => Softmax.Backward(2, 3, new float[6], new float[5], new float[6]));
        Softmax.Backward(2, 3, new float[6], new float[6], Span<float>.Empty);
    }
}
