using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// The pipeline caches: an edit that does not touch a network re-runs nothing that matters, an edit to one network
/// regenerates only that network, and no step output holds a Roslyn object (which would silently defeat caching).
/// </summary>
public class IncrementalCachingTests
{
    private const string FirstNetwork = """
        using NetGen;

        namespace Samples;

        /// <summary>The first network.</summary>
        [Network]
        [Input(4)]
        [Dense(8)] [ReLU]
        [Dense(3)] [SoftmaxCrossEntropy]
        public partial class First { }
        """;

    private const string SecondNetwork = """
        using NetGen;

        namespace Samples;

        /// <summary>The second network.</summary>
        [Network]
        [Input(2)]
        [Dense(5)] [Tanh]
        [Dense(1)] [MeanSquaredError]
        public partial class Second { }
        """;

    private const string Helper = """
        namespace Samples;

        /// <summary>Not a network.</summary>
        public static class Helper
        {
            /// <summary>A number.</summary>
            public static int Answer => 42;
        }
        """;

    [Fact]
    public void Rerun_on_a_cloned_compilation_is_fully_cached()
    {
        CSharpCompilation compilation = Compile(("First.cs", FirstNetwork), ("Second.cs", SecondNetwork));
        GeneratorRun first = GeneratorDriverHelper.Run(compilation);

        GeneratorRun second = GeneratorDriverHelper.Run((CSharpCompilation)compilation.Clone(), first.Driver);

        IncrementalAssert.AllCachedOrUnchanged(second);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_parse_and_validate_cached()
    {
        CSharpCompilation compilation = Compile(("First.cs", FirstNetwork), ("Second.cs", SecondNetwork));
        GeneratorRun first = GeneratorDriverHelper.Run(compilation);

        GeneratorRun second = GeneratorDriverHelper.Run(compilation.AddSyntaxTrees(GeneratorDriverHelper.Parse(Helper, "Helper.cs")), first.Driver);

        IncrementalAssert.AllCachedOrUnchanged(second);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void Editing_a_class_that_is_not_a_network_leaves_parse_and_validate_cached()
    {
        CSharpCompilation compilation = Compile(("First.cs", FirstNetwork), ("Helper.cs", Helper));
        GeneratorRun first = GeneratorDriverHelper.Run(compilation);

        CSharpCompilation edited = Replace(compilation, "Helper.cs", Helper.Replace("42", "43", StringComparison.Ordinal));
        GeneratorRun second = GeneratorDriverHelper.Run(edited, first.Driver);

        IncrementalAssert.AllCachedOrUnchanged(second);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void Editing_one_of_two_networks_regenerates_only_that_network()
    {
        CSharpCompilation compilation = Compile(("First.cs", FirstNetwork), ("Second.cs", SecondNetwork));
        GeneratorRun first = GeneratorDriverHelper.Run(compilation);

        CSharpCompilation edited = Replace(compilation, "First.cs", FirstNetwork.Replace("[Dense(8)]", "[Dense(9)]", StringComparison.Ordinal));
        GeneratorRun second = GeneratorDriverHelper.Run(edited, first.Driver);

        var steps = IncrementalAssert.Steps(second);
        var parse = steps["Parse"].SelectMany(s => s.Outputs).ToDictionary(o => ((NetworkSpec)o.Value).ClassName, o => o.Reason);
        var validate = steps["Validate"].SelectMany(s => s.Outputs).ToDictionary(o => ((ValidationResult)o.Value).Model!.ClassName, o => o.Reason);

        Assert.Equal(IncrementalStepRunReason.Modified, parse["First"]);
        Assert.Equal(IncrementalStepRunReason.Modified, validate["First"]);
        Assert.Contains(parse["Second"], new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged });
        Assert.Contains(validate["Second"], new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged });

        Assert.NotEqual(first.Source("Samples.First.g.cs"), second.Source("Samples.First.g.cs"));
        Assert.Equal(first.Source("Samples.Second.g.cs"), second.Source("Samples.Second.g.cs"));
    }

    [Fact]
    public void Tracked_step_outputs_hold_no_roslyn_objects()
    {
        // A valid network (full model) and an invalid one (diagnostics with locations) cover every model type.
        CSharpCompilation compilation = Compile(
            ("First.cs", FirstNetwork),
            ("Second.cs", SecondNetwork),
            ("Broken.cs", """
                using NetGen;

                [Network]
                [Input(4)]
                [Dense(0)] [LeakyReLU(2f)]
                public class Broken { }
                """));
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(compilation);

        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "NG0005");
        IncrementalAssert.NoRoslynObjectsInStepOutputs(run);
    }

    [Fact]
    public void Object_graph_guard_finds_roslyn_objects_deep_inside_outputs()
    {
        // The guard itself: plain values pass, Roslyn objects fail wherever they hide.
        SyntaxTree tree = GeneratorDriverHelper.Parse("class C { }", "C.cs");
        CSharpCompilation compilation = GeneratorDriverHelper.CreateCompilation([tree]);
        var plain = new DiagnosticInfo("NG0001", LocationInfo.From(tree.GetRoot().GetLocation()), new EquatableArray<string>(["C"]));

        IncrementalAssert.NoRoslynObjects(plain);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new object[] { 1, new[] { tree.GetRoot() } }));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new Holder("x", (1, tree.GetRoot().GetLocation()))));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new Holder("x", compilation.GetTypeByMetadataName("C"))));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new Holder("x", new List<object> { tree })));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new Holder("x", compilation.GetSemanticModel(tree))));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => IncrementalAssert.NoRoslynObjects(new NullLocationHolder(null)));
    }

    private sealed record Holder(string Name, object? Payload);

    private sealed record NullLocationHolder(Location? Location);

    private static CSharpCompilation Compile(params (string Path, string Source)[] files)
        => GeneratorDriverHelper.CreateCompilation(files.Select(f => GeneratorDriverHelper.Parse(f.Source, f.Path)));

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, GeneratorDriverHelper.Parse(source, path));
    }

    private static string[] Texts(GeneratorRun run) => run.GeneratedSources.Select(s => s.HintName + "\n" + s.SourceText).ToArray();
}
