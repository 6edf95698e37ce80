namespace NetGen.Generator.Layers;

/// <summary>The arguments of an attribute that takes none.</summary>
internal sealed class NoArguments
{
}
