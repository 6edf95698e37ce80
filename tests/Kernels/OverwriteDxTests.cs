using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The backward kernels' <c>overwriteDx</c> mode, which generated code uses where a layer is the first to write its
/// input gradient (so the arena is not cleared before every backward pass): with dx full of NaN beforehand, the
/// written dx equals what adding into zeros gives, and the parameter gradients still accumulate as before.
/// </summary>
public class OverwriteDxTests
{
    private static float[] NaNs(int n) => Enumerable.Repeat(float.NaN, n).ToArray();

    /// <summary>
    /// Runs <paramref name="backward"/> twice: adding into a zeroed dx, and overwriting a NaN-filled dx; the parameter
    /// gradient (if any) starts at the same nonzero values both times. The two dx and the two parameter gradients must
    /// be bit for bit equal (the overwrite is the accumulate path on zeros, not an approximation).
    /// </summary>
    private static void Check(int dxLength, int gradientLength, Action<float[], float[], bool> backward, int seed)
    {
        float[] start = TestData.Gaussian(gradientLength, seed + 1);
        float[] added = new float[dxLength], addedGrad = (float[])start.Clone();
        backward(added, addedGrad, false);
        float[] written = NaNs(dxLength), writtenGrad = (float[])start.Clone();
        backward(written, writtenGrad, true);
        Assert.DoesNotContain(written, float.IsNaN);
        TensorAssert.AllClose(added, written, 0, 0, "dx");
        TensorAssert.AllClose(addedGrad, writtenGrad, 0, 0, "parameter gradient");
    }

    [Theory]
    [InlineData(3, 17, 5)]
    [InlineData(64, 200, 40)] // batch ≥ 64: the packed products
    [InlineData(8, 784, 256)]
    public void Dense_writes_dx_without_reading_it(int batch, int inputs, int outputs)
    {
        float[] x = TestData.Gaussian(batch * inputs, 1), w = TestData.Gaussian(outputs * inputs, 2), dy = TestData.Gaussian(batch * outputs, 3);
        Check(batch * inputs, outputs * inputs + outputs, (dx, grad, overwrite) =>
            Dense.Backward(batch, inputs, outputs, x, w, dy, dx, grad.AsSpan(0, outputs * inputs), grad.AsSpan(outputs * inputs), overwrite), batch);
    }

    [Theory]
    [InlineData(2, 3, 7, 9, 5, 3, 2, 1)] // the general col2im
    [InlineData(3, 8, 12, 12, 16, 5, 1, 0)] // 5×5, stride 1, no padding: the direct col2im where the host has it
    [InlineData(4, 6, 5, 5, 4, 1, 1, 0)] // 1×1: dx straight from the product
    [InlineData(64, 4, 14, 14, 8, 3, 1, 1)] // enough samples to run in parallel parts
    public void Conv2D_writes_dx_without_reading_it(int batch, int inC, int h, int w, int outC, int k, int stride, int pad)
    {
        int outH = Conv2D.OutputSize(h, k, stride, pad), outW = Conv2D.OutputSize(w, k, stride, pad);
        float[] x = TestData.Gaussian(batch * inC * h * w, 4), weights = TestData.Gaussian(outC * inC * k * k, 5), dy = TestData.Gaussian(batch * outC * outH * outW, 6);
        var scratch = new float[Conv2D.ScratchSize(inC, h, w, outC, k, stride, pad, Compute.ThreadCount)];
        int wc = outC * inC * k * k;
        Check(batch * inC * h * w, wc + outC, (dx, grad, overwrite) =>
            Conv2D.Backward(batch, inC, h, w, outC, k, stride, pad, x, weights, dy, dx, grad.AsSpan(0, wc), grad.AsSpan(wc), scratch, overwrite), inC);
    }

    [Theory]
    [InlineData(2, 3, 7, 9, 2, 2)]
    [InlineData(64, 32, 28, 28, 2, 2)] // the sample CNN's first pool, split over threads
    [InlineData(2, 4, 10, 10, 3, 3)]
    [InlineData(2, 4, 9, 9, 3, 2)] // overlapping windows: positions reached twice
    public void Pooling_writes_dx_without_reading_it(int batch, int channels, int h, int w, int size, int stride)
    {
        int outH = MaxPool2D.OutputSize(h, size, stride), outW = MaxPool2D.OutputSize(w, size, stride);
        float[] x = TestData.Gaussian(batch * channels * h * w, 7, 3f), dy = TestData.Gaussian(batch * channels * outH * outW, 8);
        var y = new float[dy.Length];
        MaxPool2D.Forward(batch, channels, h, w, size, stride, x, y);
        Check(x.Length, 0, (dx, _, overwrite) => MaxPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx, overwrite), 9);
        Check(x.Length, 0, (dx, _, overwrite) => AvgPool2D.Backward(batch, channels, h, w, size, stride, x, y, dy, dx, overwrite), 10);
    }

    [Theory]
    [InlineData(4, 3, 5)]
    [InlineData(64, 32, 784)] // the sample CNN's bn1, split over threads by channel
    public void BatchNorm_writes_dx_without_reading_it(int batch, int channels, int spatial)
    {
        int n = batch * channels * spatial;
        float[] x = TestData.Gaussian(n, 18, 2f), dy = TestData.Gaussian(n, 19), gamma = TestData.Gaussian(channels, 20), beta = TestData.Gaussian(channels, 21);
        float[] mean = new float[channels], invStd = new float[channels], runMean = new float[channels], runVar = new float[channels];
        BatchNorm.ForwardTraining(batch, channels, spatial, 0.1f, 1e-5f, x, gamma, beta, runMean, runVar, new float[n], mean, invStd);
        Check(n, 2 * channels, (dx, grad, overwrite) =>
            BatchNorm.Backward(batch, channels, spatial, x, gamma, mean, invStd, dy, dx, grad.AsSpan(0, channels), grad.AsSpan(channels), overwrite), 22);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Dropout_and_gated_activations_write_dx_without_reading_it(int n)
    {
        float[] x = TestData.Gaussian(n, 11, 3f), dy = TestData.Gaussian(n, 12), y = new float[n];
        float[] mask = TestData.Gaussian(n, 13).Select(v => v > 0 ? 2f : 0f).ToArray();
        Check(n, 0, (dx, _, overwrite) => Dropout.Backward(mask, dy, dx, overwrite), 14);
        Check(n, 0, (dx, _, overwrite) => Dropout.Backward(default, dy, dx, overwrite), 15);
        Silu.Forward(x, y);
        Check(n, 0, (dx, _, overwrite) => Silu.Backward(x, y, dy, dx, overwrite), 16);
        foreach (GeluApproximation form in new[] { GeluApproximation.None, GeluApproximation.Tanh })
        {
            Gelu.Forward(form, x, y);
            Check(n, 0, (dx, _, overwrite) => Gelu.Backward(form, x, y, dy, dx, overwrite), 17);
        }
    }
}
