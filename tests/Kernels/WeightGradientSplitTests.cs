using NetGen.Kernels;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Kernels;

/// <summary>
/// <see cref="Gemm.WeightGradient"/> splits between threads in row blocks from k = <see cref="Gemm.WeightGradientMinK"/>
/// (the batch), shorter than the other products' 32, so that the update after a small batch's backward pass finds each
/// thread's rows of dW in its own cache: the split it reports (<see cref="Gemm.WeightGradientRowBlocks"/>, which the
/// network's update follows) and the product's bits, which must not depend on the thread count.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class WeightGradientSplitTests
{
    [Fact]
    public void Row_blocks_start_at_the_minimum_k()
    {
        int k = Gemm.WeightGradientMinK;
        Assert.InRange(k, 2, 31);
        int[]? rows = Gemm.WeightGradientRowBlocks(256, 784, k, 2);
        Assert.NotNull(rows);
        Assert.Equal([0, 128, 256], rows);
        Assert.Null(Gemm.WeightGradientRowBlocks(256, 784, k - 1, 2));
    }

    [Theory]
    [InlineData(256, 784, 8, true)]
    [InlineData(256, 784, 8, false)]
    [InlineData(130, 97, 12, false)]
    [InlineData(128, 256, 31, true)]
    public void Two_threads_give_the_bits_of_one_thread(int m, int n, int k, bool accumulate)
    {
        float[] dy = TestData.Gaussian(k * m, 1), x = TestData.Gaussian(k * n, 2), start = TestData.Gaussian(m * n, 3);
        float[] one = (float[])start.Clone(), two = (float[])start.Clone();
        using var scope = new TestThreads();
        scope.Set(1);
        Gemm.WeightGradient(m, n, k, dy, x, one, accumulate);
        scope.Set(2);
        Gemm.WeightGradient(m, n, k, dy, x, two, accumulate);
        TensorAssert.AllClose(one, two, 0, 0, "dW on two threads");

        // And against a double reference.
        var reference = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? start[(i * n) + j] : 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)dy[(p * m) + i] * x[(p * n) + j];
                }

                reference[(i * n) + j] = (float)sum;
            }
        }

        TensorAssert.AllClose(reference, two, 1e-4, 1e-4, "dW against double");
    }
}
