namespace NetGen.Benchmarks;

/// <summary>The floating-point work of one call of a benchmark method, read by <see cref="GflopsColumn"/>.</summary>
/// <param name="flops">Floating-point operations per call (a multiply-add counts as two).</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FlopCountAttribute(long flops) : Attribute
{
    /// <summary>Floating-point operations per call (a multiply-add counts as two).</summary>
    public long Flops { get; } = flops;

    /// <summary>Whether <see cref="Flops"/> is per thread, so a case's FLOP are it times the case's <c>Threads</c> parameter.</summary>
    public bool PerThread { get; set; }

    /// <summary>Whether <see cref="Flops"/> is per sample, so a case's FLOP are it times the case's <c>Batch</c> parameter.</summary>
    public bool PerSample { get; set; }

    /// <summary>FLOP of one call of <paramref name="benchmarkCase"/>, or null without the attribute.</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>FLOP per call, or null.</returns>
    public static double? Of(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase)
    {
        var attribute = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<FlopCountAttribute>(benchmarkCase.Descriptor.WorkloadMethod);
        if (attribute is null)
        {
            return null;
        }

        double flops = attribute.PerThread ? (double)attribute.Flops * ThreadsOf(benchmarkCase) : attribute.Flops;
        return attribute.PerSample ? flops * BatchOf(benchmarkCase) : flops;
    }

    /// <summary>The case's <c>Threads</c> parameter, or 1 if it has none.</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>The thread count.</returns>
    public static int ThreadsOf(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Threads")?.Value is int threads ? threads : 1;

    /// <summary>The case's <c>Batch</c> parameter; a per-sample count on a case without one is a mistake.</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>The batch size.</returns>
    public static int BatchOf(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Batch")?.Value is int batch
            ? batch
            : throw new InvalidOperationException($"{benchmarkCase.DisplayInfo} counts FLOP per sample but has no Batch parameter.");
}

/// <summary>FLOP counts of the Fashion-MNIST MLP (784 → 256 → 128 → 10); only the matrix products are counted.</summary>
/// <remarks>
/// With M = 784·256 + 256·128 + 128·10 = 234,752 multiply-adds per sample through the three weight matrices:
/// <list type="bullet">
/// <item>forward: 2·B·M (y = x·Wᵀ per layer);</item>
/// <item>backward: weight gradients 2·B·M (dW = dyᵀ·x per layer) plus input gradients of layers 2 and 3 only,
/// 2·B·(256·128 + 128·10) (dx = dy·W; the first layer's input needs no gradient, in NetGen and in torch);</item>
/// <item>training step = forward + backward = 2·B·(2·M + 256·128 + 128·10); at B = 64 that is 64,454,656 FLOP;</item>
/// <item>batch-1 inference = 2·M = 469,504 FLOP.</item>
/// </list>
/// Biases, activations, softmax, the loss and the optimizer (O(parameters), not O(B·parameters)) are not counted.
/// </remarks>
public static class FashionMlpFlops
{
    /// <summary>Multiply-adds per sample through the three weight matrices: 784·256 + 256·128 + 128·10.</summary>
    public const long MultiplyAddsPerSample = 784 * 256 + 256 * 128 + 128 * 10;

    /// <summary>Multiply-adds per sample of the input gradients that are computed (layers 2 and 3): 256·128 + 128·10.</summary>
    public const long InputGradientMultiplyAddsPerSample = 256 * 128 + 128 * 10;

    /// <summary>FLOP of one training step per sample: forward + weight gradients + input gradients.</summary>
    public const long TrainingStepPerSample =
        (2 * MultiplyAddsPerSample)                     // forward
        + (2 * MultiplyAddsPerSample)                   // backward: weight gradients
        + (2 * InputGradientMultiplyAddsPerSample);     // backward: input gradients, layers 2 and 3

    /// <summary>FLOP of one training step at batch <see cref="TrainingStepBenchmarks.DefaultBatch"/>.</summary>
    public const long TrainingStep = TrainingStepBenchmarks.DefaultBatch * TrainingStepPerSample;

    /// <summary>FLOP of one batch-1 forward pass.</summary>
    public const long Inference = 2 * MultiplyAddsPerSample;
}
