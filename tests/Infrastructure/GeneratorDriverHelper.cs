using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;
using NetGen.Generator.Layers;

namespace NetGen.Tests.Infrastructure;

/// <summary>One run of the NetGen generator over a test compilation, with everything a test may want to assert on.</summary>
/// <param name="Driver">The driver after the run; run it again on an edited compilation to test caching.</param>
/// <param name="InputCompilation">The compilation the generator ran on.</param>
/// <param name="OutputCompilation">The input compilation plus the generated sources.</param>
/// <param name="RunResult">The driver's result (generated sources, diagnostics, tracked steps).</param>
/// <param name="GeneratedSources">The generated sources, sorted by hint name.</param>
/// <param name="GeneratorDiagnostics">The diagnostics the generator reported.</param>
/// <param name="CompilationDiagnostics">The output compilation's diagnostics (nullable enabled, highest warning level).</param>
public sealed record GeneratorRun(
    GeneratorDriver Driver,
    CSharpCompilation InputCompilation,
    Compilation OutputCompilation,
    GeneratorDriverRunResult RunResult,
    ImmutableArray<GeneratedSourceResult> GeneratedSources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics)
{
    /// <summary>The text of the generated source with the given hint name.</summary>
    public string Source(string hintName)
        => GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    /// <summary>The run result of the NetGen generator (the driver runs only that one).</summary>
    public GeneratorRunResult Result => RunResult.Results.Single();
}

/// <summary>
/// Builds test compilations (every trusted platform assembly plus the NetGen runtime) and runs
/// <see cref="NetworkGenerator"/> through <see cref="CSharpGeneratorDriver"/> with step tracking on, in the spirit of
/// NetEscapades.EnumGenerators' TestHelpers.
/// </summary>
public static class GeneratorDriverHelper
{
    /// <summary>Parse options for test sources and generated code: the latest language version, documentation comments checked.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    /// <summary>Nullable enabled and the highest warning level, so the generated code is held to the strictest standard.</summary>
    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: 9999,
        allowUnsafe: true,
        deterministic: true);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>The references of every test compilation: the trusted platform assemblies and the NetGen runtime.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>Parses <paramref name="source"/> as a test file at <paramref name="path"/>.</summary>
    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A compilation of the given sources, named <c>Source0.cs</c>, <c>Source1.cs</c>, … in order.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources)
        => CreateCompilation(sources.Select((s, i) => Parse(s, $"Source{i}.cs")));

    /// <summary>A compilation of the given syntax trees.</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees)
        => CSharpCompilation.Create("NetGen.GeneratorTests.Sample", trees, References, CompilationOptions);

    /// <summary>A new driver over <see cref="NetworkGenerator"/> that records every tracked step.</summary>
    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator on the sources and checks the result compiles: no error anywhere, no warning in generated
    /// code. Use <see cref="RunWithoutChecks(CSharpCompilation, GeneratorDriver?)"/> when the test expects NG diagnostics.
    /// </summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs the generator on <paramref name="compilation"/> (reusing <paramref name="driver"/> if given) and checks the result compiles cleanly.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        GeneratorRun run = RunWithoutChecks(compilation, driver);
        AssertNoGeneratorExceptions(run);
        AssertCompilesCleanly(run);
        return run;
    }

    /// <summary>
    /// Runs the generator on sources that should be rejected: the generator must report at least one NG diagnostic,
    /// must not throw, and the output compilation must have no errors of its own.
    /// </summary>
    public static GeneratorRun RunExpectingDiagnostics(params string[] sources)
    {
        GeneratorRun run = RunWithoutChecks(CreateCompilation(sources));
        AssertNoGeneratorExceptions(run);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id.StartsWith("NG", StringComparison.Ordinal));
        var errors = run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The output compilation has errors:\n" + Describe(errors));
        return run;
    }

    /// <summary>Runs the generator without asserting anything about the result (for diagnostic tests).</summary>
    public static GeneratorRun RunWithoutChecks(params string[] sources) => RunWithoutChecks(CreateCompilation(sources));

    /// <summary>Runs the generator on <paramref name="compilation"/> without asserting anything about the result.</summary>
    public static GeneratorRun RunWithoutChecks(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        ImmutableArray<GeneratedSourceResult> sources = result.Results
            .SelectMany(r => r.GeneratedSources)
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToImmutableArray();
        return new GeneratorRun(driver, compilation, output, result, sources, generatorDiagnostics, output.GetDiagnostics());
    }

    /// <summary>Fails when the generator threw (Roslyn turns that into warning CS8785 and generates nothing).</summary>
    public static void AssertNoGeneratorExceptions(GeneratorRun run)
    {
        Exception? exception = run.RunResult.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        Assert.True(exception is null, $"The generator threw: {exception}");
    }

    /// <summary>
    /// Fails on any error in the output compilation and on any warning inside generated code: the generated code must
    /// build under nullable enabled with warnings as errors, whatever the user's settings.
    /// </summary>
    public static void AssertCompilesCleanly(GeneratorRun run)
    {
        var generatedTrees = run.OutputCompilation.SyntaxTrees.Except(run.InputCompilation.SyntaxTrees).ToHashSet();
        Assert.Equal(run.GeneratedSources.Length, generatedTrees.Count);
        var problems = run.GeneratorDiagnostics.Concat(run.CompilationDiagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree)))
            .ToList();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:\n" + Describe(problems));
        AssertCompilesCleanlyWithNullableAnalysis(run.OutputCompilation, generatedTrees);
    }

    /// <summary>
    /// The generated files turn nullable analysis off to build faster (they hold no nullable reference); this compiles
    /// them again with it on and fails on any warning in them, so the generated code is still held to that standard.
    /// </summary>
    private static void AssertCompilesCleanlyWithNullableAnalysis(Compilation output, HashSet<SyntaxTree> generatedTrees)
    {
        Compilation checkedOutput = output;
        var checkedTrees = new HashSet<SyntaxTree>();
        foreach (SyntaxTree tree in generatedTrees)
        {
            string text = tree.GetText().ToString();
            Assert.Contains("\n#nullable disable\n", text, StringComparison.Ordinal);
            SyntaxTree nullableOn = CSharpSyntaxTree.ParseText(
                text.Replace("\n#nullable disable\n", "\n#nullable enable\n", StringComparison.Ordinal),
                (CSharpParseOptions)tree.Options,
                tree.FilePath);
            checkedOutput = checkedOutput.ReplaceSyntaxTree(tree, nullableOn);
            checkedTrees.Add(nullableOn);
        }

        var problems = checkedOutput.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && checkedTrees.Contains(tree)))
            .ToList();
        Assert.True(problems.Count == 0, "The generated code has nullable warnings:\n" + Describe(problems));
    }

    /// <summary>One line per diagnostic: id, severity, location and message.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics)
        => string.Join("\n", diagnostics.Select(d => $"  {d.Id} {d.Severity} {d.Location.GetLineSpan()}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string self = typeof(GeneratorDriverHelper).Assembly.Location;
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(NetworkAttribute).Assembly.Location)

            // The test assembly holds its own networks (NetGen.Tests.Networks.*); keep them out of the samples.
            .Where(p => !string.Equals(p, self, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }
}
