namespace NetGen.Tests.Infrastructure;

/// <summary>Where the repository (the folder holding NetGen.sln) is, seen from the test binaries.</summary>
internal static class Repository
{
    /// <summary>The first folder above the test binaries that holds NetGen.sln.</summary>
    /// <exception cref="InvalidOperationException">No such folder.</exception>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NetGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("NetGen.sln not found above " + AppContext.BaseDirectory);
    }
}
