using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// The README's quick start as a user meets it: its <c>```csharp program</c> block, pasted unchanged as Program.cs
/// into a fresh console project that references only the packed NetGen package, builds and runs and prints what the
/// README says it prints.
/// </summary>
[Collection(RepositoryBuildCollection.Name)]
public class QuickStartTests(ITestOutputHelper output, PackageTests.PackedFeed feed) : IClassFixture<PackageTests.PackedFeed>
{
    private static string QuickStart() =>
        MarkdownSnippetTests.Extract(Path.Combine(Repository.Root(), "README.md")).Single(s => s.Info == "program").Code;

    [Fact]
    public void The_readme_quick_start_builds_and_runs_as_pasted()
    {
        string app = feed.CreateProject("quickstart", QuickStart());
        (int code, string text) = PackageTests.Run("dotnet", $"run -c Release --project \"{app}\"", app);
        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Contains("Network: CircleNet", text);
        Assert.Contains("Total params: 1,218", text); // 2·32 + 32 + 32·32 + 32 + 32·2 + 2
        Assert.Matches(@"test accuracy: 0\.9[5-9]\d", text);
        Assert.Contains("(0.1, 0.2) -> class 1, (0.9, -0.8) -> class 0", text);
        Assert.True(File.Exists(Path.Combine(app, "circle.ngck")));
    }

    [Fact]
    public void With_implicit_usings_the_package_brings_the_common_namespaces()
    {
        // The quick start without its using lines, in a project with implicit usings on (the dotnet new console default).
        string program = string.Join('\n', QuickStart().Split('\n').Where(line => !line.StartsWith("using ", StringComparison.Ordinal)));
        Assert.DoesNotContain("using NetGen", program);
        string app = feed.CreateProject("globalusings", program);
        string project = Path.Combine(app, "globalusings.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("<Nullable>enable</Nullable>", "<Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings>", StringComparison.Ordinal));
        (int code, string text) = PackageTests.Run("dotnet", $"build -c Release \"{app}\"", app);
        output.WriteLine(text);
        Assert.True(code == 0, text);
    }
}
