using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// One test per NG diagnostic: the expected id is marked on the exact span in the source (the offending attribute, or
/// the class identifier for class-level problems), and any diagnostic that is not marked fails the test.
/// </summary>
public class DiagnosticTests
{
    [Fact]
    public void NG0001_non_partial_network_class_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [SoftmaxCrossEntropy]
            public class {|NG0001:Plain|} { }
            """));

        AssertError(d, "NG0001", "'Plain'", "partial");
    }

    [Fact]
    public void NG0002_network_without_input_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class {|NG0002:NoInput|} { }
            """));

        AssertError(d, "NG0002", "'NoInput'", "[Input(...)]");
    }

    [Fact]
    public void NG0003_input_after_another_layer_is_reported_on_that_input()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Dense(3)]
            [{|NG0003:Input(4)|}]
            [SoftmaxCrossEntropy]
            public partial class LateInput { }
            """));

        AssertError(d, "NG0003", "layer attribute 2", "'LateInput'");
    }

    [Fact]
    public void NG0003_second_input_is_reported_on_the_second_input_only()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [{|NG0003:Input(5)|}]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class TwoInputs { }
            """));

        AssertError(d, "NG0003", "layer attribute 2", "'TwoInputs'");
    }

    [Theory]
    [InlineData("Input(0)", "1 is 0")]
    [InlineData("Input(3, -2, 4)", "2 is -2")]
    [InlineData("Input", "1 is missing")]
    public void NG0004_non_positive_input_dimension_is_reported_on_the_input(string input, string message)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [{|NG0004:{{input}}|}]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class BadInput { }
            """));

        AssertError(d, "NG0004", message);
    }

    [Fact]
    public void NG0004_placeholder_shape_does_not_cascade_into_NG0012()
    {
        // The invalid dimension is replaced by 1 to keep validating; that guess must not look like a one-class softmax.
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [{|NG0004:Input(0)|}]
            [SoftmaxCrossEntropy]
            public partial class ZeroInput { }
            """));

        AssertError(d, "NG0004", "1 is 0");
    }

    [Theory]
    [InlineData(7, 1.9, "ratio of [FractionalMaxPool2D] is 1.9")] // 7 rows -> 3: regions of 1-2 rows cannot cover 7
    [InlineData(9, 1.95, "ratio of [FractionalMaxPool2D] is 1.95")]
    public void NG0005_fractional_pooling_that_would_need_regions_of_more_than_two_rows_is_reported(int size, double ratio, string message)
    {
        // It used to pass validation and throw at run time in FractionalMaxPool2D.Regions.
        string r = ratio.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(1, {{size}}, {{size}})]
            [{|NG0005:FractionalMaxPool2D({{r}})|}]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class BadFractional { }
            """));

        AssertError(d, "NG0005", message);
    }

    [Theory]
    [InlineData("Dense(0)", "units of [Dense] is 0")]
    [InlineData("Dense(-5)", "units of [Dense] is -5")]
    [InlineData("Dense(3, InitStd = -1f)", "InitStd of [Dense] is -1")]
    [InlineData("Dense(3, InitStd = 0f)", "InitStd of [Dense] is 0")]
    [InlineData("Dense(3, Init = (WeightInit)42)", "Init of [Dense] is 42")]
    [InlineData("Dense(3, BiasInit = float.NaN)", "BiasInit of [Dense] is NaN")]
    [InlineData("Dense(3, InitValue = float.PositiveInfinity)", "InitValue of [Dense] is Infinity")]
    public void NG0005_invalid_dense_hyperparameter_is_reported_on_the_dense_attribute(string dense, string message)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [{|NG0005:{{dense}}|}]
            [SoftmaxCrossEntropy]
            public partial class BadDense { }
            """));

        AssertError(d, "NG0005", message);
    }

    [Theory]
    [InlineData("LeakyReLU(-1f)", "alpha of [LeakyReLU] is -1", "in [0, 1)")]
    [InlineData("LeakyReLU(1f)", "alpha of [LeakyReLU] is 1", "in [0, 1)")]
    [InlineData("ELU(0f)", "alpha of [ELU] is 0", "positive and finite")]
    [InlineData("ELU(-0.5f)", "alpha of [ELU] is -0.5", "positive and finite")]
    public void NG0005_invalid_activation_alpha_is_reported_on_the_activation(string activation, string message, string allowed)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0005:{{activation}}|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class BadAlpha { }
            """));

        AssertError(d, "NG0005", message, allowed);
    }

    [Fact]
    public void NG0005_every_bad_argument_is_reported_on_its_own_attribute()
    {
        IReadOnlyList<Diagnostic> all = DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [{|NG0005:Dense(0)|}] [{|NG0005:LeakyReLU(-1f)|}]
            [{|NG0005:{|NG0005:Dense(3, InitStd = -2f, BiasInit = float.NaN)|}|}] [{|NG0005:ELU(0f)|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class ManyBad { }
            """);

        Assert.Equal(5, all.Count);
        Assert.All(all, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void NG0006_network_without_loss_head_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [ReLU]
            public partial class {|NG0006:Headless|} { }
            """));

        AssertError(d, "NG0006", "'Headless'", "[SoftmaxCrossEntropy]");
    }

    [Theory]
    [InlineData("SoftmaxCrossEntropy", "[ReLU]", "1 layer(s)")]
    [InlineData("MeanSquaredError", "[Dense(2)] [Tanh]", "2 layer(s)")]
    public void NG0007_loss_head_before_other_layers_is_reported_on_the_loss_head(string head, string after, string count)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0007:{{head}}|}] {{after}}
            public partial class EarlyHead { }
            """));

        AssertError(d, "NG0007", $"[{head}]", count);
    }

    [Fact]
    public void NG0008_generic_network_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class {|NG0008:Generic|}<T> { }
            """));

        AssertError(d, "NG0008", "'Generic'");
    }

    [Fact]
    public void NG0009_layers_split_over_partial_declarations_in_two_files_are_reported_on_the_network_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify(
            """
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)]
            public partial class {|NG0009:Split|} { }
            """,
            """
            using NetGen;

            [SoftmaxCrossEntropy]
            public partial class Split { }
            """));

        AssertError(d, "NG0009", "'Split'");
    }

    [Fact]
    public void NG0009_layers_split_over_partial_declarations_in_one_file_are_reported_on_the_network_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)]
            public partial class {|NG0009:Split|} { }

            [SoftmaxCrossEntropy]
            public partial class Split { }
            """));

        AssertError(d, "NG0009", "'Split'");
    }

    [Fact]
    public void NG0009_is_not_reported_when_the_other_partial_declaration_has_no_layers()
    {
        GeneratorRun run = GeneratorDriverHelper.Run(
            """
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [SoftmaxCrossEntropy]
            public partial class Whole { }
            """,
            """
            /// <summary>The hand-written half.</summary>
            public partial class Whole
            {
                /// <summary>A helper.</summary>
                public int Answer => 42;
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
    }

    [Fact]
    public void NG0010_network_nested_in_a_non_partial_class_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            public class Outer
            {
                [Network]
                [Input(4)]
                [Dense(3)] [SoftmaxCrossEntropy]
                public partial class {|NG0010:Inner|} { }
            }
            """));

        AssertError(d, "NG0010", "'Inner'", "'Outer'");
    }

    [Fact]
    public void NG0011_unknown_layer_attribute_is_reported_on_that_attribute()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            public sealed class PoolAttribute : LayerAttribute { }

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0011:Pool|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Custom { }
            """));

        AssertError(d, "NG0011", "[Pool]", "shape 3");
    }

    [Fact]
    public void NG0011_an_attribute_argument_the_generator_does_not_know_is_reported_on_that_attribute()
    {
        // An attribute of the user's own with a NetGen layer's name: its Rate binds to nothing the generator knows for
        // Dropout, so it is reported instead of being dropped (docs/diagnostics.md#ng0011 shows this example).
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            namespace Mine
            {
                public sealed class DropoutAttribute : LayerAttribute
                {
                    public float Rate { get; set; }
                }
            }

            [Network]
            [Input(4)]
            [Dense(3)] [{|NG0011:Mine.Dropout(Rate = 0.3f)|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Custom { }
            """));

        AssertError(d, "NG0011", "[Dropout] is not supported here", "shape 3", "its argument 'Rate' is not known");
    }

    [Fact]
    public void Every_diagnostic_id_has_a_section_and_a_table_row_in_the_docs()
    {
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(Repository.Root(), "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor descriptor in global::NetGen.Generator.Diagnostics.All)
        {
            string severity = descriptor.DefaultSeverity == DiagnosticSeverity.Info ? "info" : descriptor.DefaultSeverity.ToString().ToLowerInvariant();
            Assert.Contains($"\n## {descriptor.Id}\n**{descriptor.Title}", docs.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains($"| [{descriptor.Id}](#{descriptor.Id.ToLowerInvariant()}) | {severity} | {descriptor.Title} |", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NG0012_softmax_over_one_output_is_reported_on_the_softmax_head()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(1)] [{|NG0012:SoftmaxCrossEntropy|}]
            public partial class OneClass { }
            """));

        AssertError(d, "NG0012", "1 output(s)");
    }

    [Fact]
    public void Unmarked_diagnostic_fails_the_test()
    {
        // The harness itself: a diagnostic that the markup does not announce must fail the test.
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(0)] [SoftmaxCrossEntropy]
            public partial class Unmarked { }
            """));

        Assert.Contains("unexpected: NG0005", failure.Message);
    }

    [Fact]
    public void Marked_span_must_match_exactly()
    {
        // Marking the whole attribute list '[Dense(0)]' instead of the attribute 'Dense(0)' must fail.
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            {|NG0005:[Dense(0)]|} [SoftmaxCrossEntropy]
            public partial class WrongSpan { }
            """));

        Assert.Contains("missing:    NG0005", failure.Message);
        Assert.Contains("unexpected: NG0005", failure.Message);
    }

    [Theory]
    [InlineData("Conv2D(4, 3)")]
    [InlineData("MaxPool2D(2)")]
    [InlineData("InstanceNorm")]
    [InlineData("GlobalAvgPool2D")]
    public void NG0013_spatial_layer_after_a_flat_one_is_reported_on_it(string layer)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(1, 8, 8)]
            [Dense(16)] [{|NG0013:{{layer}}|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class FlatThenSpatial { }
            """));

        AssertError(d, "NG0013", "[channels, height, width]", "flat shape 16");
    }

    [Fact]
    public void NG0014_residual_block_that_changes_the_shape_names_both_shapes()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Block]
            [Conv2D(8, 3, padding: 1)] [ReLU]
            public partial class Widen { }

            [Network]
            [Input(4, 6, 6)]
            [{|NG0014:Residual(typeof(Widen))|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class BadResidual { }
            """));

        AssertError(d, "NG0014", "'Widen'", "4×6×6", "8×6×6");
    }

    [Fact]
    public void NG0015_invalid_block_is_reported_on_the_block_and_on_the_use_site()
    {
        IReadOnlyList<Diagnostic> diagnostics = DiagnosticMarkup.Verify("""
            using NetGen;

            [Block]
            [{|NG0005:Conv2D(0, 3, padding: 1)|}]
            public partial class Broken { }

            [Network]
            [Input(4, 6, 6)]
            [{|NG0015:Residual(typeof(Broken))|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class UsesBroken { }
            """);

        Diagnostic useSite = Assert.Single(diagnostics, d => d.Id == "NG0015");
        AssertError(useSite, "NG0015", "'Broken'", "NG0005", "filters");
    }

    [Theory]
    [InlineData("is not marked [Block]")]
    public void NG0016_residual_of_a_class_without_Block_is_reported_on_the_residual(string message)
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            public partial class NotABlock { }

            [Network]
            [Input(4)]
            [{|NG0016:Residual(typeof(NotABlock))|}]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class UsesNotABlock { }
            """));

        AssertError(d, "NG0016", "'NotABlock'", message);
    }

    [Fact]
    public void NG0101_bias_before_batch_norm_is_a_warning_on_the_layer_with_the_bias()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(1, 8, 8)]
            [{|NG0101:Conv2D(4, 3)|}] [BatchNorm] [ReLU]
            [Dense(16, Bias = false)] [BatchNorm] [ReLU]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class BiasThenNorm { }
            """));

        AssertAdvice(d, "NG0101", DiagnosticSeverity.Warning, "[Conv2D]", "4 useless parameters", "Bias = false");
    }

    [Fact]
    public void NG0102_sigmoid_hidden_activation_is_information_and_not_for_the_output()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(8)] [{|NG0102:Sigmoid|}]
            [Dense(1)] [Sigmoid] [MeanSquaredError]
            public partial class SigmoidHidden { }
            """));

        AssertAdvice(d, "NG0102", DiagnosticSeverity.Info, "saturates", "ReLU");
    }

    [Fact]
    public void NG0103_explicit_xavier_before_relu_is_a_warning_suggesting_he()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(4)]
            [{|NG0103:Dense(8, Init = WeightInit.Xavier, Bias = false)|}] [BatchNorm] [ReLU]
            [Dense(8, Init = WeightInit.Xavier)] [Tanh]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class XavierRelu { }
            """));

        AssertAdvice(d, "NG0103", DiagnosticSeverity.Warning, "Xavier", "ReLU", "WeightInit.He");
    }

    [Theory]
    [InlineData("ReLU")]
    [InlineData("SiLU")]
    [InlineData("GELU")]
    [InlineData("GELU(Approximation = GeluApproximation.Tanh)")]
    public void NG0103_explicit_xavier_before_an_activation_that_prefers_he_is_a_warning(string activation)
    {
        // SiLU and GELU are ReLU-like (their definitions prefer He), so the advice covers them exactly as it covers ReLU;
        // the Xavier layer before tanh is not reported.
        Diagnostic d = Single(DiagnosticMarkup.Verify($$"""
            using NetGen;

            [Network]
            [Input(4)]
            [{|NG0103:Dense(8, Init = WeightInit.XavierUniform)|}] [Dropout(0.1f)] [{{activation}}]
            [Dense(8, Init = WeightInit.Xavier)] [Tanh]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class XavierBeforeReluLike { }
            """));

        string kind = activation.Split('(')[0];
        AssertAdvice(d, "NG0103", DiagnosticSeverity.Warning, "XavierUniform", $"but {kind} follows", "WeightInit.He");
    }

    [Fact]
    public void NG0017_a_network_larger_than_int_is_reported_on_its_identifier()
    {
        Diagnostic d = Single(DiagnosticMarkup.Verify("""
            using NetGen;

            [Network]
            [Input(100000)]
            [Dense(100000)] [ReLU]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class {|NG0017:Huge|} { }
            """));

        AssertError(d, "NG0017", "'Huge'", "2^31");
    }

    [Fact]
    public void NG0018_a_record_network_is_reported_on_its_identifier_and_not_generated()
    {
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(3)] [ReLU]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial record Recorded;
            """);

        GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
        Assert.Empty(run.GeneratedSources);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        AssertError(d, "NG0018", "'Recorded'", "partial class");
        Assert.Equal("Recorded", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }

    [Fact]
    public void A_layer_attribute_the_compiler_cannot_bind_suppresses_generation_without_an_NG_diagnostic()
    {
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense("wide")] [ReLU]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class WrongType { }
            """);

        GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
        Assert.Empty(run.GeneratedSources);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS1503");
    }

    private static void AssertAdvice(Diagnostic d, string id, DiagnosticSeverity severity, params string[] messageParts)
    {
        Assert.Equal(id, d.Id);
        Assert.Equal(severity, d.Severity);
        Assert.Equal("docs/diagnostics.md#" + id.ToLowerInvariant(), d.Descriptor.HelpLinkUri);
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in messageParts)
        {
            Assert.Contains(part, message);
        }
    }

    [Fact]
    public void Every_diagnostic_id_in_the_table_is_covered_here()
    {
        // NG0999 (internal error) cannot be triggered from source: it reports an emitter exception. NG0019–NG0023 and
        // NG0104–NG0106 are tested in GeneratorEdgeCaseTests.
        string[] tested = ["NG0001", "NG0002", "NG0003", "NG0004", "NG0005", "NG0006", "NG0007", "NG0008", "NG0009", "NG0010", "NG0011", "NG0012", "NG0013", "NG0014", "NG0015", "NG0016", "NG0017", "NG0018", "NG0019", "NG0020", "NG0021", "NG0022", "NG0023", "NG0101", "NG0102", "NG0103", "NG0104", "NG0105", "NG0106", "NG0999"];
        string[] declared = typeof(global::NetGen.Generator.Diagnostics)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(tested, declared);
    }

    private static Diagnostic Single(IReadOnlyList<Diagnostic> diagnostics) => Assert.Single(diagnostics);

    private static void AssertError(Diagnostic d, string id, params string[] messageParts)
    {
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(DiagnosticSeverity.Error, d.Descriptor.DefaultSeverity);
        Assert.Equal("NetGen", d.Descriptor.Category);
        Assert.Equal("docs/diagnostics.md#" + id.ToLowerInvariant(), d.Descriptor.HelpLinkUri);
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in messageParts)
        {
            Assert.Contains(part, message);
        }
    }
}
