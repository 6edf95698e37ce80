using NetGen.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Shared checks for an element-wise activation kernel: against its scalar <c>Reference</c> twin, against a torch
/// function evaluated in float64 with autograd, and for allocation after warm-up.
/// </summary>
internal static class ElementwiseKernelChecks
{
    /// <summary>Lengths around every vector width, so full vectors and each size of tail are exercised.</summary>
    public static readonly int[] Lengths = [0, 1, 3, 7, 8, 15, 16, 17, 33, 67, 1000];

    /// <summary>Inputs spread over [-spread, spread] with zero and a few far values (overflow of eˣ) mixed in.</summary>
    public static float[] Inputs(int n, int seed, float spread = 8f)
    {
        var rng = new Random(seed);
        float[] x = new float[n];
        float[] special = [0f, -100f, 100f, -30f, 30f, 1e-6f, -1e-6f];
        for (int i = 0; i < n; i++)
        {
            x[i] = i % 13 == 5 ? special[(i / 13) % special.Length] : (float)(((rng.NextDouble() * 2) - 1) * spread);
        }

        return x;
    }

    /// <summary>
    /// Asserts <c>|actual − expected| ≤ atol + rtol·|expected|</c> element by element, naming the worst element.
    /// </summary>
    public static void Close(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double rtol, double atol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= atol + (rtol * Math.Abs(expected[i])), $"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (error {error:E2})");
        }
    }

    /// <summary>Widens floats to doubles.</summary>
    public static double[] Wide(ReadOnlySpan<float> values)
    {
        double[] wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }

        return wide;
    }

    /// <summary>
    /// Runs <paramref name="torchFunction"/> in float64 on x with autograd and <c>loss = Σ y·dy</c>; returns y and
    /// <c>∂loss/∂x</c>.
    /// </summary>
    public static (double[] Y, double[] Dx) Torch(Func<Tensor, Tensor> torchFunction, float[] x, float[] dy)
    {
        using var scope = torch.NewDisposeScope();
        Tensor tx = TorchOracle.Float64(x, [x.Length], requiresGrad: true);
        Tensor ty = torchFunction(tx);
        (ty * TorchOracle.Float64(dy, [dy.Length])).sum().backward();
        return (TorchOracle.Doubles(ty), TorchOracle.Doubles(tx.grad!));
    }

    /// <summary>Asserts that <paramref name="step"/> allocates nothing on this thread once warm.</summary>
    public static void AllocatesNothing(Action step) => AllocationAssert.None(step);
}
