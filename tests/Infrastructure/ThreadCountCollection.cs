namespace NetGen.Tests.Infrastructure;

/// <summary>
/// The test classes that set <see cref="Compute.ThreadCount"/> (process-wide) run in this collection: alone, after the
/// parallel ones. Every thread count gives correct results, but some results (the dense pair's split sums) are
/// bit-reproducible only for a fixed thread count, so a test comparing calls bit for bit must not see another class
/// change it midway.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    /// <summary>The collection's name, for <c>[Collection(ThreadCountCollection.Name)]</c>.</summary>
    public const string Name = "Compute.ThreadCount";
}
