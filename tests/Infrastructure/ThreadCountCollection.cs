namespace NetGen.Tests.Infrastructure;

/// <summary>
/// The test classes that must run alone, after the parallel ones: those that change the process-wide default
/// <see cref="Compute.ThreadCount"/> (the distributed search runs a sample in process that sets it), measure the
/// process-wide heap (the network pool's soak test) or load the whole Fashion-MNIST test set. A test that only needs a
/// fixed thread count does not belong here: <see cref="Compute.UseThreads"/> (or <see cref="TestThreads"/>) fixes it for
/// the test's own thread and the threads it starts, whatever the classes running beside it do.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    /// <summary>The collection's name, for <c>[Collection(ThreadCountCollection.Name)]</c>.</summary>
    public const string Name = "Compute.ThreadCount";
}
