using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>After one warm-up call, every learned-activation kernel (including RReLU's slope sampling) allocates nothing.</summary>
public class AllocationFreeActivationTests
{
    [Fact]
    public void Learned_activation_kernels_allocate_nothing_after_warm_up()
    {
        const int batch = 8, channels = 16, spatial = 9, n = batch * channels * spatial;
        float[] x = DropoutTests.Gaussian(n, seed: 1), dy = DropoutTests.Gaussian(n, seed: 2), y = new float[n], dx = new float[n];
        float[] alpha = Enumerable.Repeat(0.25f, channels).ToArray(), dAlpha = new float[channels], slopes = new float[n];
        float[] dense = new float[batch * channels], maxout = new float[n / 3];
        var rng = new Rng(1);

        AllocationAssert.None(Step);

        void Step()
        {
            PRelu.Forward(batch, channels, spatial, x, alpha, y);
            PRelu.Backward(batch, channels, spatial, x, alpha, dy, dx, dAlpha);
            PRelu.Forward(batch * spatial, channels, 1, x, alpha, y);
            PRelu.Backward(batch * spatial, channels, 1, x, alpha, dy, dx, dAlpha);
            RRelu.ForwardTraining(0.125f, 1f / 3f, x, y, slopes, rng);
            RRelu.Backward(x, slopes, dy, dx);
            RRelu.ForwardInference(0.125f, 1f / 3f, x, y);
            RRelu.BackwardInference(0.125f, 1f / 3f, x, dy, dx);
            Maxout.Forward(batch, n / batch / 3, 3, x, maxout);
            Maxout.Backward(batch, n / batch / 3, 3, x, maxout, dy.AsSpan(0, maxout.Length), dx);
            Softmax.Forward(batch * spatial, channels, x, y);
            Softmax.Backward(batch * spatial, channels, y, dy, dx);
        }
    }
}
