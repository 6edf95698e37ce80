using System.Diagnostics;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// Declarations at the edges of C#: names that differ only in case, escaped keywords, static classes, base classes,
/// [Network] on two partial declarations, blocks that multiply, and the advice the notes give. Each is either working
/// code or an NG diagnostic on the declaration, never CS8785 or an error inside a generated file.
/// </summary>
public class GeneratorEdgeCaseTests
{
    [Fact]
    public void Networks_whose_names_differ_only_in_case_each_get_their_own_file()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Models
            {
                [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class Mlp { }

                [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy]
                public partial class MLP { }

                [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class Unique { }
            }

            namespace models
            {
                [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class Mlp { }
            }
            """);

        string[] hints = run.GeneratedSources.Select(s => s.HintName).ToArray();
        Assert.Equal(4, hints.Length);
        Assert.Equal(4, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());

        // Only the colliding names carry the hash; the others keep their plain, stable names.
        Assert.Contains("Models.Unique.g.cs", hints);
        Assert.Equal(3, hints.Count(h => System.Text.RegularExpressions.Regex.IsMatch(h, @"^(Models|models)\.(Mlp|MLP)\.[0-9a-f]{8}\.g\.cs$")));
    }

    [Fact]
    public void Escaped_keywords_as_class_container_and_namespace_names_compile()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace @class.@int
            {
                [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class @event { }

                public partial class @struct<@in>
                {
                    [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
                    public partial class @object { }
                }
            }
            """);

        Assert.Equal(["class.int.event.g.cs", "class.int.struct`1.object.g.cs"], run.GeneratedSources.Select(s => s.HintName).ToArray());
        Assert.Contains("namespace @class.@int;", run.GeneratedSources[0].SourceText.ToString());
        Assert.Contains("partial class @event : global::NetGen.NetworkBase", run.GeneratedSources[0].SourceText.ToString());
    }

    [Fact]
    public void Sealed_abstract_and_interface_implementing_networks_compile()
    {
        GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Shapes;

            public interface ITagged { string Tag { get; } }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public sealed partial class Sealed { }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public abstract partial class Abstract { }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            internal partial class Tagged : ITagged { public string Tag => "t"; }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Explicit : NetworkBase { }
            """);
    }

    [Fact]
    public void NG0019_static_network_is_reported_on_its_identifier_and_not_generated()
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public static partial class {|NG0019:Fixed|} { }
            """));

        AssertMessage(d, DiagnosticSeverity.Error, "'Fixed'", "static");
    }

    [Fact]
    public void NG0020_network_with_a_base_class_is_reported_on_its_identifier_and_not_generated()
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify("""
            using NetGen;

            public class SomeBase { }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class {|NG0020:Derived|} : SomeBase { }
            """));

        AssertMessage(d, DiagnosticSeverity.Error, "'Derived'", "'SomeBase'", "NetGen.NetworkBase");
    }

    [Fact]
    public void Network_attribute_on_two_partial_declarations_is_the_compilers_CS0579_and_the_class_is_generated_once()
    {
        // Before: both declarations produced Twice.g.cs, AddSource threw, and every network of the project lost its code.
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(
            """
            using NetGen;

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Twice { }

            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Other { }
            """,
            """
            using NetGen;

            [Network]
            public partial class Twice { public int Extra => 1; }
            """);

        GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
        Assert.Equal(["Other.g.cs", "Twice.g.cs"], run.GeneratedSources.Select(s => s.HintName).ToArray());
        Assert.Empty(run.GeneratorDiagnostics);
        Diagnostic d = Assert.Single(run.CompilationDiagnostics, x => x.Severity == DiagnosticSeverity.Error);
        Assert.Equal("CS0579", d.Id);
        Assert.Equal("Source1.cs", d.Location.SourceTree!.FilePath);
    }

    [Theory]
    [InlineData(12, "16,385")]
    [InlineData(70, "more than")]
    public void NG0021_blocks_that_double_at_every_level_are_counted_not_expanded(int levels, string count)
    {
        // Block i uses block i+1 twice; the last holds two layers. Inlined, level 0 has 2^(levels+2) - 2 layers; the
        // generator must count that by addition instead of expanding it (70 levels would never finish).
        var source = new System.Text.StringBuilder("using NetGen;\n\n[Network] [Input(4)] [Residual(typeof(B0))] [Dense(2)] [SoftmaxCrossEntropy]\npublic partial class {|NG0021:Deep|} { }\n");
        for (int i = 0; i < levels; i++)
        {
            source.Append($"[Block] [Residual(typeof(B{i + 1}))] [Residual(typeof(B{i + 1}))] public partial class B{i} {{ }}\n");
        }

        source.Append($"[Block] [Dense(4)] [ReLU] public partial class B{levels} {{ }}\n");
        var clock = Stopwatch.StartNew();
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify(source.ToString()));
        clock.Stop();

        AssertMessage(d, DiagnosticSeverity.Error, "'Deep'", count, "the limit is 2,048");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the generator took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void A_block_used_many_times_below_the_limit_still_generates()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            [Network] [Input(4)] [Residual(typeof(B0))] [Residual(typeof(B0))] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Shallow { }

            [Block] [Residual(typeof(B1))] [Residual(typeof(B1))] public partial class B0 { }
            [Block] [Dense(4)] [ReLU] public partial class B1 { }
            """);

        // 2 uses × (2 uses × (2 layers + add) + add) + dense + head = 16 layers, each use with its own parameters.
        Assert.Contains("res5.add", run.GeneratedSources[0].SourceText.ToString());
    }

    [Fact]
    public void NG0104_softmax_before_a_softmax_cross_entropy_head_is_a_warning()
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0104:Softmax|}] [SoftmaxCrossEntropy]
            public partial class DoubleSoftmax { }
            """));

        AssertMessage(d, DiagnosticSeverity.Warning, "softmax twice", "remove [Softmax]");
    }

    [Theory]
    [InlineData("ReLU", "every negative logit becomes 0")]
    [InlineData("Sigmoid", "(0, 1)")]
    [InlineData("Tanh", "(-1, 1)")]
    [InlineData("ELU(1f)", "-alpha")]
    [InlineData("SiLU", "below -0.28")]
    [InlineData("GELU", "below -0.17")]
    [InlineData("GELU(Approximation = GeluApproximation.Tanh)", "below -0.17")]
    public void NG0105_a_bounding_activation_on_the_logits_is_a_warning(string activation, string range)
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0105:{{activation}}|}] [SoftmaxCrossEntropy]
            public partial class SquashedLogits { }
            """));

        AssertMessage(d, DiagnosticSeverity.Warning, range, "[Dense]");
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("ReLU")]
    public void A_final_activation_before_mean_squared_error_is_not_reported(string activation)
    {
        Assert.Empty(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [{{activation}}] [MeanSquaredError]
            public partial class BoundedRegression { }
            """));
    }

    [Theory]
    [InlineData("1e30f", "1E+30")]
    [InlineData("10f", "10")]
    public void NG0106_an_absurd_gaussian_init_std_is_a_warning_naming_the_he_value(string std, string shown)
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(8)]
            [{|NG0106:Dense(3, Init = WeightInit.Gaussian, InitStd = {{std}})|}] [SoftmaxCrossEntropy]
            public partial class Exploding { }
            """));

        AssertMessage(d, DiagnosticSeverity.Warning, $"InitStd = {shown}", "0.5", "8 inputs");
    }

    [Fact]
    public void A_gaussian_init_std_of_one_is_not_reported()
    {
        Assert.Empty(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(8)]
            [Dense(3, Init = WeightInit.Gaussian, InitStd = 1f)] [SoftmaxCrossEntropy]
            public partial class UnitStd { }
            """));
    }

    [Theory]
    [InlineData("Forward")]
    [InlineData("Layers")]
    [InlineData("L0_In")]
    [InlineData("Layer2Backward")]
    public void NG0022_a_class_named_like_a_generated_member_is_reported_on_its_identifier(string name)
    {
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network] [Input(4)] [Dense(3)] [ReLU] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class {|NG0022:{{name}}|} { }
            """));

        AssertMessage(d, DiagnosticSeverity.Error, $"'{name}'", "rename");
    }

    [Theory]
    [InlineData("[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] file partial class {|NG0023:Local|} { }")]
    [InlineData("file partial class Outer { [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] public partial class {|NG0023:Local|} { } }")]
    public void NG0023_a_file_local_network_is_reported_on_its_identifier(string declaration)
    {
        // Before: the generated 'partial class Local' in its own file was a second, unrelated class, and the user's
        // network silently got no code.
        Diagnostic d = Assert.Single(DiagnosticMarkup.Verify("using NetGen;\n\n" + declaration + "\n"));

        AssertMessage(d, DiagnosticSeverity.Error, "'Local'", "file-local", "remove 'file'");
    }

    [Fact]
    public void Every_member_the_generator_declares_is_a_reserved_class_name()
    {
        // Every layer kind, both heads, a block with stochastic depth: the reserved-name list must cover all members.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            [Block] [Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] public partial class Res { }

            [Network]
            [Input(2, 12, 12)]
            [Conv2D(4, 3, padding: 1)] [GroupNorm(2)] [PReLU] [Residual(typeof(Res), Survival = 0.8f)]
            [MaxPool2D(2)] [InstanceNorm] [RReLU] [AvgPool2D(1)] [FractionalMaxPool2D(1.5)] [Flatten]
            [Dropout(0.2f)] [DropConnect(0.3f)] [Dense(12)] [Maxout(2)] [LayerNorm] [LeakyReLU(0.1f)]
            [Dense(8)] [ELU] [Dense(8)] [Tanh] [Dense(8)] [Sigmoid] [Dense(3)] [Softmax] [Dense(3)] [SoftmaxCrossEntropy]
            public partial class Everything { }

            [Network] [Input(4)] [Dense(8)] [ReLU] [Dense(2)] [MeanSquaredError]
            public partial class Regression { }
            """);

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (GeneratedSourceResult source in run.GeneratedSources)
        {
            foreach (var member in source.SyntaxTree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax>())
            {
                switch (member)
                {
                    case Microsoft.CodeAnalysis.CSharp.Syntax.BaseFieldDeclarationSyntax f:
                        names.UnionWith(f.Declaration.Variables.Select(v => v.Identifier.ValueText));
                        break;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax m:
                        names.Add(m.Identifier.ValueText);
                        break;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax p:
                        names.Add(p.Identifier.ValueText);
                        break;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax t when t.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax:
                        names.Add(t.Identifier.ValueText);
                        break;
                }
            }
        }

        Assert.True(names.Count > 40, $"only {names.Count} members found");
        Assert.DoesNotContain(names, n => !global::NetGen.Generator.Validation.ReservedNames.IsReserved(n));
    }

    private static void AssertMessage(Diagnostic d, DiagnosticSeverity severity, params string[] parts)
    {
        Assert.Equal(severity, d.Severity);
        Assert.Equal("docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.Descriptor.HelpLinkUri);
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in parts)
        {
            Assert.Contains(part, message);
        }
    }
}
