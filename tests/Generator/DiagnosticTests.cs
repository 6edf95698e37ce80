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
    [InlineData("Input(3, -2)", "2 is -2")]
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

    [Fact]
    public void Every_diagnostic_id_in_the_table_is_covered_here()
    {
        // NG0999 (internal error) cannot be triggered from source: it reports an emitter exception.
        string[] tested = ["NG0001", "NG0002", "NG0003", "NG0004", "NG0005", "NG0006", "NG0007", "NG0008", "NG0009", "NG0010", "NG0011", "NG0012", "NG0999"];
        string[] declared = typeof(global::NetGen.Generator.Diagnostics)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
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
