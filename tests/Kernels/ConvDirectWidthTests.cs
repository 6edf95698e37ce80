using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The direct 5×5 weight gradient (<c>ConvDirect.WeightGradient5</c>) at both register widths, called directly so it
/// runs on every host: <see cref="Conv2D"/> takes it only with AVX-512, and where <see cref="System.Runtime.Intrinsics.Vector512"/>
/// is not accelerated the runtime emulates it with the same rounding (one fused multiply-add per lane), so a host with
/// only AVX2 still checks the 16-filter instantiation. The reference is <see cref="Conv2D.Reference.Backward"/> in
/// float64, transposed.
/// </summary>
public unsafe class ConvDirectWidthTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        // inC, H, W, filters (16: Lanes512, 8: Lanes256)
        [8, 12, 12, 16],
        [2, 13, 14, 16],
        [1, 28, 28, 8],
        [3, 6, 7, 8],
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Weight_gradient_matches_the_reference(int inC, int h, int w, int filters)
    {
        const int kernel = 5, batch = 2;
        var s = new ConvShape(batch, inC, h, w, filters, kernel, stride: 1, padding: 0);
        var random = new Random(inC * 1000 + h * 10 + filters);
        float[] x = Fill(random, batch * s.InputSize), dy = Fill(random, batch * s.OutputSize);
        float[] weights = Fill(random, filters * s.K);
        float[] initial = Fill(random, filters * s.K);

        // The kernel adds into dWᵀ (K × filters); start from a non-zero gradient to check that it adds.
        var expected = (float[])initial.Clone();
        Conv2D.Reference.Backward(batch, inC, h, w, filters, kernel, 1, 0, x, weights, dy, [], expected, [], []);

        var dwt = new float[s.K * filters];
        for (int o = 0; o < filters; o++)
        {
            for (int k = 0; k < s.K; k++)
            {
                dwt[k * filters + o] = initial[o * s.K + k];
            }
        }

        var dyt = new float[s.P * filters];
        fixed (float* xp = x, dyp = dy, dytp = dyt, dwtp = dwt)
        {
            for (int b = 0; b < batch; b++)
            {
                Gemm.Transpose(dyp + b * s.OutputSize, filters, s.P, dytp, filters);
                if (filters == 16)
                {
                    ConvDirect.WeightGradient5<Lanes512>(in s, xp + b * s.InputSize, dytp, dwtp);
                }
                else
                {
                    ConvDirect.WeightGradient5<Lanes256>(in s, xp + b * s.InputSize, dytp, dwtp);
                }
            }
        }

        var actual = new float[filters * s.K];
        for (int o = 0; o < filters; o++)
        {
            for (int k = 0; k < s.K; k++)
            {
                actual[o * s.K + k] = dwt[k * filters + o];
            }
        }

        TensorAssert.AllClose(expected, actual, atol: 2e-5, rtol: 1e-5, $"dW, {inC}×{h}×{w}, {filters} filters");
    }

    private static float[] Fill(Random random, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return a;
    }
}
