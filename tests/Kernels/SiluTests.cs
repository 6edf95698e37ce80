using NetGen.Kernels;
using TorchSharp;
using static NetGen.Tests.Kernels.ElementwiseKernelChecks;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The SiLU kernel against its scalar double-precision twin and against <c>torch.nn.functional.silu</c> in float64
/// (forward and autograd backward). Tolerances: float rounding of σ and the product, a few ulp, so 2e-6 relative plus
/// 1e-7 absolute (for gradients that cancel to near zero around x ≈ −1.28).
/// </summary>
public class SiluTests
{
    private const double Rtol = 2e-6, Atol = 1e-7;

    // dx starts in [-1, 1] and dy·f'(x) is at most ~1.1 in size, so the sum may cancel: allow a few ulp of 1.
    private const double AccumulateAtol = 5e-7;

    [Fact]
    public void Forward_and_backward_match_the_reference_twin_at_every_length()
    {
        foreach (int n in Lengths)
        {
            float[] x = Inputs(n, seed: n + 1), dy = Inputs(n, seed: n + 2, spread: 1f);
            float[] dx0 = Inputs(n, seed: n + 3, spread: 1f);
            float[] y = new float[n], yRef = new float[n], dx = (float[])dx0.Clone(), dxRef = (float[])dx0.Clone();
            Silu.Forward(x, y);
            Silu.Reference.Forward(x, yRef);
            Silu.Backward(x, y, dy, dx);
            Silu.Reference.Backward(x, yRef, dy, dxRef);
            Close($"n={n} y", y, Wide(yRef), Rtol, Atol);
            Close($"n={n} dx", dx, Wide(dxRef), Rtol, AccumulateAtol);
        }
    }

    [Fact]
    public void Forward_and_backward_match_torch_silu()
    {
        float[] x = Inputs(1000, seed: 7), dy = Inputs(1000, seed: 8, spread: 1f);
        float[] y = new float[x.Length], dx = new float[x.Length];
        Silu.Forward(x, y);
        Silu.Backward(x, y, dy, dx);
        (double[] expectedY, double[] expectedDx) = Torch(t => torch.nn.functional.silu(t), x, dy);
        Close("y", y, expectedY, Rtol, Atol);
        Close("dx", dx, expectedDx, Rtol, Atol);
    }

    [Fact]
    public void Kernels_allocate_nothing_after_warm_up()
    {
        float[] x = Inputs(67, seed: 1), dy = Inputs(67, seed: 2), y = new float[67], dx = new float[67];
        AllocatesNothing(() =>
        {
            Silu.Forward(x, y);
            Silu.Backward(x, y, dy, dx);
            Activations.Forward(ActivationFunction.Silu, 0f, x, y);
        });
    }
}
