using NetGen.Kernels;
using TorchSharp;
using static NetGen.Tests.Kernels.ElementwiseKernelChecks;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The GELU kernel, exact and tanh forms, against its scalar double-precision twin and against
/// <c>torch.nn.functional.gelu</c> in float64 (approximate 'none' and 'tanh'; forward and autograd backward).
/// </summary>
/// <remarks>
/// Tolerance 3e-6 relative plus 1e-7 absolute: the erfc fit is good to 1.2e-7 relative and the float evaluation of its
/// polynomial and exponential adds a few ulp (≈ 2.4e-7 relative for e^p with |p| up to ~40 in the tail). The absolute
/// floor covers gradients that cross zero (near x ≈ −0.75) and accumulated dx.
/// </remarks>
public class GeluTests
{
    private const double Rtol = 3e-6, Atol = 1e-7, AccumulateAtol = 5e-7;

    [Theory]
    [InlineData(GeluApproximation.None)]
    [InlineData(GeluApproximation.Tanh)]
    public void Forward_and_backward_match_the_reference_twin_at_every_length(GeluApproximation approximation)
    {
        foreach (int n in Lengths)
        {
            float[] x = Inputs(n, seed: n + 1), dy = Inputs(n, seed: n + 2, spread: 1f);
            float[] dx0 = Inputs(n, seed: n + 3, spread: 1f);
            float[] y = new float[n], yRef = new float[n], dx = (float[])dx0.Clone(), dxRef = (float[])dx0.Clone();
            Gelu.Forward(approximation, x, y);
            Gelu.Reference.Forward(approximation, x, yRef);
            Gelu.Backward(approximation, x, y, dy, dx);
            Gelu.Reference.Backward(approximation, x, yRef, dy, dxRef);
            Close($"{approximation} n={n} y", y, Wide(yRef), Rtol, Atol);
            Close($"{approximation} n={n} dx", dx, Wide(dxRef), Rtol, AccumulateAtol);
        }
    }

    [Theory]
    [InlineData(GeluApproximation.None)]
    [InlineData(GeluApproximation.Tanh)]
    public void Forward_and_backward_match_torch_gelu(GeluApproximation approximation)
    {
        // The negative tail down to −12 checks relative accuracy where Φ(x) is ~1e-33.
        float[] x = Inputs(2000, seed: 7, spread: 12f), dy = Inputs(2000, seed: 8, spread: 1f);
        float[] y = new float[x.Length], dx = new float[x.Length];
        Gelu.Forward(approximation, x, y);
        Gelu.Backward(approximation, x, y, dy, dx);
        var mode = approximation == GeluApproximation.Tanh ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none;
        (double[] expectedY, double[] expectedDx) = Torch(t => torch.nn.functional.gelu(t, mode, inplace: false), x, dy);
        Close($"{approximation} y", y, expectedY, Rtol, Atol);
        Close($"{approximation} dx", dx, expectedDx, Rtol, Atol);
    }

    [Fact]
    public void Kernels_allocate_nothing_after_warm_up()
    {
        float[] x = Inputs(67, seed: 1), dy = Inputs(67, seed: 2), y = new float[67], dx = new float[67];
        AllocatesNothing(() =>
        {
            Gelu.Forward(GeluApproximation.None, x, y);
            Gelu.Backward(GeluApproximation.None, x, y, dy, dx);
            Gelu.Forward(GeluApproximation.Tanh, x, y);
            Gelu.Backward(GeluApproximation.Tanh, x, y, dy, dx);
            Activations.Forward(ActivationFunction.Gelu, 0f, x, y);
            Activations.Forward(ActivationFunction.GeluTanh, 0f, x, y);
        });
    }
}
