using NetGen.Data;

namespace NetGen.Benchmarks;

/// <summary>
/// The inputs of the benchmarks: the Fashion-MNIST test images (pixels scaled to [0, 1]) and labels from the repository's
/// <c>data/fashion-mnist</c>, cut into whole batches. Real data keeps the training steps' numbers ordinary (no loss
/// collapsing to zero on one memorized batch, no denormal gradients) for as many steps as a run takes.
/// </summary>
public static class BenchData
{
    private static readonly Lazy<Dataset> s_test = new(() => FashionMnist.LoadTest(FashionMnist.FindDirectory()));

    /// <summary>The 10,000 test images and labels, loaded once per process.</summary>
    public static Dataset Test => s_test.Value;

    /// <summary>How many whole batches of <paramref name="batch"/> samples the test set holds.</summary>
    /// <param name="batch">The batch size.</param>
    public static int BatchCount(int batch) => Test.Count / batch;
}
