using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Each vectorized element-wise kernel against its plain scalar twin (<c>Kernel.Reference</c>) on random inputs of odd
/// lengths, so every vector width's main loop and the padded tail are exercised.
/// </summary>
public class ReferenceTwinTests
{
    private delegate void Map(ReadOnlySpan<float> x, Span<float> y);

    private delegate void MapBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    public static TheoryData<int> Lengths => [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1027];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Relu_matches_its_reference(int n) =>
        Check(n, Relu.Forward, Relu.Reference.Forward, Relu.Backward, Relu.Reference.Backward, 0, 0);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void LeakyRelu_matches_its_reference(int n) =>
        Check(n, (x, y) => LeakyRelu.Forward(0.1f, x, y), (x, y) => LeakyRelu.Reference.Forward(0.1f, x, y),
            (x, y, dy, dx) => LeakyRelu.Backward(0.1f, x, y, dy, dx), (x, y, dy, dx) => LeakyRelu.Reference.Backward(0.1f, x, y, dy, dx), 0, 1e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Elu_matches_its_reference(int n) =>
        Check(n, (x, y) => Elu.Forward(0.7f, x, y), (x, y) => Elu.Reference.Forward(0.7f, x, y),
            (x, y, dy, dx) => Elu.Backward(0.7f, x, y, dy, dx), (x, y, dy, dx) => Elu.Reference.Backward(0.7f, x, y, dy, dx), 2e-6, 2e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sigmoid_matches_its_reference(int n) =>
        Check(n, Sigmoid.Forward, Sigmoid.Reference.Forward, Sigmoid.Backward, Sigmoid.Reference.Backward, 2e-6, 2e-6);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Tanh_matches_its_reference(int n) =>
        Check(n, Tanh.Forward, Tanh.Reference.Forward, Tanh.Backward, Tanh.Reference.Backward, 2e-6, 2e-6);

    private static void Check(int n, Map fast, Map reference, MapBackward fastBackward, MapBackward referenceBackward, double forwardTolerance, double backwardTolerance)
    {
        var rng = new Rng(n + 17);
        float[] x = Random(rng, n, 6f), dy = Random(rng, n, 1f), dx0 = Random(rng, n, 1f);
        float[] y = new float[n], yRef = new float[n];
        fast(x, y);
        reference(x, yRef);
        TensorAssert.AllClose(yRef, y, forwardTolerance, forwardTolerance, "y");

        // Both backwards read the same forward output and add into the same starting dx.
        float[] dx = (float[])dx0.Clone(), dxRef = (float[])dx0.Clone();
        fastBackward(x, yRef, dy, dx);
        referenceBackward(x, yRef, dy, dxRef);
        TensorAssert.AllClose(dxRef, dx, backwardTolerance, backwardTolerance, "dx");
    }

    private static float[] Random(Rng rng, int n, float scale)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }
}
