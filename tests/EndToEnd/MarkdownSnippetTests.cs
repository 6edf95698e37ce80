using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// Every C# block of README.md and docs/*.md compiles, with the generator, so the documentation cannot rot. The
/// convention, by the fence's info string: <c>```csharp program</c> is a complete Program.cs (built and run as a
/// project by <see cref="QuickStartTests"/>, and compiled here on its own); the plain <c>```csharp</c> blocks of one
/// file compile together as one program (declarations in one block are seen by the others, at most one block has
/// top-level statements) in a console project with implicit usings on (System, System.IO, System.Linq, … and the
/// package's NetGen, NetGen.Data, NetGen.Optimizers, NetGen.Serialization, NetGen.Training); a
/// <c>program</c> block compiles without them; <c>```csharp ignore</c> blocks are not compiled (keep those few).
/// </summary>
public class MarkdownSnippetTests
{
    private static readonly Regex Fence = new(@"^```csharp(?<info>[^\n]*)\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline);

    /// <summary>One C# block of a markdown file.</summary>
    public sealed record Snippet(string File, int Line, string Info, string Code);

    /// <summary>The C# blocks of a markdown file, with the line each starts on.</summary>
    public static IReadOnlyList<Snippet> Extract(string path)
    {
        string text = System.IO.File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        return Fence.Matches(text)
            .Select(m => new Snippet(path, text[..m.Index].Count(c => c == '\n') + 2, m.Groups["info"].Value.Trim(), m.Groups["code"].Value))
            .ToList();
    }

    /// <summary>
    /// Docs whose blocks a dedicated test compiles with more references: docs/interop.md (tests/Interop/InteropDocTests.cs
    /// for safetensors, OnnxDocTests.cs with NetGen.Onnx and ONNX Runtime for the ONNX section).
    /// </summary>
    private static readonly HashSet<string> CompiledElsewhere = new(StringComparer.Ordinal) { "docs/interop.md" };

    public static IEnumerable<object[]> MarkdownFiles()
    {
        string root = Repository.Root();
        yield return ["README.md"];
        foreach (string doc in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, doc).Replace('\\', '/');
            if (!CompiledElsewhere.Contains(relative))
            {
                yield return [relative];
            }
        }
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Csharp_blocks_compile_with_the_generator(string file)
    {
        IReadOnlyList<Snippet> snippets = Extract(Path.Combine(Repository.Root(), file));
        Assert.All(snippets, s => Assert.True(s.Info is "" or "program" or "ignore", $"{file}:{s.Line}: unknown info string '{s.Info}' (use program, ignore or nothing)"));

        foreach (Snippet program in snippets.Where(s => s.Info == "program"))
        {
            AssertCompiles([program], file);
        }

        List<Snippet> fragments = snippets.Where(s => s.Info == "").ToList();
        if (fragments.Count > 0)
        {
            AssertCompiles(fragments, file);
        }
    }

    [Fact]
    public void The_readme_has_exactly_one_complete_program_and_no_ignored_block()
    {
        IReadOnlyList<Snippet> snippets = Extract(Path.Combine(Repository.Root(), "README.md"));
        Assert.Single(snippets, s => s.Info == "program");
        Assert.DoesNotContain(snippets, s => s.Info == "ignore");
        Assert.True(snippets.Count(s => s.Info == "") >= 2);
    }

    [Fact]
    public void A_broken_snippet_fails_with_its_file_and_line()
    {
        var broken = new Snippet("README.md", 10, "", "var net = new NoSuchNetwork();\n");
        var error = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertCompiles([broken], "README.md"));
        Assert.Contains("README.md:10", error.Message);
        Assert.Contains("CS0246", error.Message);
    }

    /// <summary>
    /// The global usings of a console project with implicit usings on (the <c>dotnet new console</c> default) that
    /// references the NetGen package (runtime/build/NetGen.targets), which fragments may assume; a <c>program</c> block
    /// must carry every using itself.
    /// </summary>
    private const string SdkImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using NetGen;
        global using NetGen.Data;
        global using NetGen.Optimizers;
        global using NetGen.Serialization;
        global using NetGen.Training;
        """;

    /// <summary>Compiles the snippets as one program with the generator; fails naming each error's file and line.</summary>
    private static void AssertCompiles(IReadOnlyList<Snippet> snippets, string file)
    {
        var trees = snippets.Select((s, i) => CSharpSyntaxTree.ParseText(s.Code, GeneratorDriverHelper.ParseOptions, $"snippet{i}.cs")).ToList();
        var allTrees = snippets.Any(s => s.Info == "program")
            ? trees
            : trees.Append(CSharpSyntaxTree.ParseText(SdkImplicitUsings, GeneratorDriverHelper.ParseOptions, "ImplicitUsings.g.cs")).ToList();
        bool statements = trees.Any(t => t.GetCompilationUnitRoot().Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any());
        var options = GeneratorDriverHelper.CompilationOptions
            .WithOutputKind(statements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
            .WithWarningLevel(4);
        var compilation = CSharpCompilation.Create("Snippets", allTrees, References.Value, options);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: GeneratorDriverHelper.ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var errors = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.Id.StartsWith("NG", StringComparison.Ordinal)))
            .Select(d =>
            {
                FileLinePositionSpan span = d.Location.GetLineSpan();
                int index = trees.FindIndex(t => t.FilePath == span.Path);
                string where = index < 0 ? span.Path : $"{snippets[index].File.Replace(Repository.Root(), "", StringComparison.Ordinal).TrimStart('/')}:{snippets[index].Line + span.StartLinePosition.Line}";
                return $"  {where}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
        Assert.True(errors.Count == 0, $"C# blocks of {file} do not compile:\n" + string.Join("\n", errors));
    }

    /// <summary>The platform, NetGen, NetGen.Plotting (and ScottPlot) and NetGen.Logging (and its abstractions): what a user of the packages references.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string[] platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string[] packages = [typeof(NetworkAttribute).Assembly.Location, typeof(NetGen.Plotting.TrainingPlots).Assembly.Location, typeof(NetGen.Logging.TrainingLog).Assembly.Location];
        string bin = AppContext.BaseDirectory;
        return platform
            .Where(p => p.StartsWith(runtimeDir, StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("ScottPlot", StringComparison.Ordinal)
                || Path.GetFileName(p).StartsWith("SkiaSharp", StringComparison.Ordinal)
                || Path.GetFileName(p).StartsWith("Microsoft.Extensions.Logging.Abstractions", StringComparison.Ordinal))
            .Concat(packages)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });
}
