namespace NetGen.Tests.Infrastructure;

/// <summary>
/// The end-to-end classes that build the repository's projects from outside (pack, publish): one at a time, so two
/// builds never write the same output folder at once. They still run in parallel with the other test classes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RepositoryBuildCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Builds the repository";
}
