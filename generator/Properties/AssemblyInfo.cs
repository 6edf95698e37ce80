using System.Runtime.CompilerServices;

// The generator tests build models by hand and snapshot single emitters.
[assembly: InternalsVisibleTo("NetGen.Tests")]
