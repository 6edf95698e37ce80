using CsCheck;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generator never breaks the build: thousands of random attribute stacks — valid ones, nonsense values, wrong
/// argument types, misplaced layers, broken blocks — must each either compile cleanly or fail with NG diagnostics (plus
/// the compiler's own errors for arguments of the wrong type), and never make the generator throw.
/// </summary>
public class GeneratorPropertyTests
{
    private static readonly Gen<string> Int = Gen.OneOf(Gen.Int[-3, 40].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.OneOf("0", "1", "2", "28", "100000", "int.MaxValue", "-2147483648"));

    private static readonly Gen<string> Float = Gen.OneOf("0f", "0.1f", "0.5f", "1f", "-1f", "2f", "float.NaN", "float.PositiveInfinity", "1e30f", "0.999f");

    private static readonly Gen<string> Layer = Gen.OneOf(
        Gen.Select(Int, i => $"Dense({i})"),
        Gen.Select(Int, Gen.OneOf("Auto", "Xavier", "He", "Gaussian", "Zeros", "Constant", "XavierUniform", "(WeightInit)42"), Float, Gen.Bool, (i, init, f, b) => $"Dense({i}, Init = {init}, InitStd = {f}, Bias = {(b ? "true" : "false")})"),
        Gen.Select(Int, Int, Int, Int, (f, k, s, p) => $"Conv2D({f}, {k}, stride: {s}, padding: {p})"),
        Gen.Select(Int, Int, (k, s) => $"MaxPool2D({k}, {s})"),
        Gen.Select(Int, k => $"AvgPool2D({k})"),
        Gen.OneOf("FractionalMaxPool2D(1.5)", "FractionalMaxPool2D(3)", "FractionalMaxPool2D(double.NaN)", "FractionalMaxPool2D(1)"),
        Gen.OneOf("Flatten", "BatchNorm", "LayerNorm", "InstanceNorm", "PReLU", "Softmax", "ReLU", "Sigmoid", "Tanh"),
        Gen.Select(Float, f => $"BatchNorm(Momentum = {f}, Epsilon = {f})"),
        Gen.Select(Int, g => $"GroupNorm({g})"),
        Gen.Select(Float, p => $"Dropout({p})"),
        Gen.Select(Float, p => $"DropConnect({p})"),
        Gen.Select(Float, Float, (l, u) => $"RReLU({l}, {u})"),
        Gen.Select(Int, p => $"Maxout({p})"),
        Gen.Select(Float, a => $"LeakyReLU({a})"),
        Gen.Select(Float, a => $"ELU({a})"),
        Gen.Select(Gen.OneOf("GoodBlock", "BadBlock", "NotBlock", "SelfBlock"), Float, (b, s) => $"Residual(typeof({b}), Survival = {s})"),
        Gen.OneOf("SoftmaxCrossEntropy", "MeanSquaredError", "Input(4)"),

        // Wrong argument types: the compiler reports them; the generator must stay quiet and calm.
        Gen.OneOf("Dense(\"wide\")", "Dense(1.5f)", "Conv2D(true, 3)", "Dropout(\"half\")", "Input(\"x\")", "Residual(42)", "Maxout()"));

    private static readonly Gen<string> Input = Gen.OneOf(
        Gen.Select(Int, i => $"Input({i})"),
        Gen.Select(Int, Int, Int, (c, h, w) => $"Input({c}, {h}, {w})"),
        Gen.OneOf("Input(1, 28, 28)", "Input(3, 8, 8)", "Input(784)", "Input()", "Input(2, 3)"));

    private static readonly Gen<string> Declaration = Gen.Select(
        Input,
        Layer.Array[0, 9],
        Gen.Bool,
        Gen.Int[0, 3],
        (input, layers, withInput, head) =>
        {
            var all = new List<string>();
            if (withInput)
            {
                all.Add(input);
            }

            all.AddRange(layers);
            all.Add(head switch { 0 => "SoftmaxCrossEntropy", 1 => "MeanSquaredError", 2 => "Dense(3)", _ => "Dense(2)] [SoftmaxCrossEntropy" });
            return string.Join(" ", all.Select(a => $"[{a}]"));
        });

    private const string Blocks = """
        [Block]
        [Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU]
        [Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm]
        public partial class GoodBlock { }

        [Block]
        [Dense(0)] [SoftmaxCrossEntropy]
        public partial class BadBlock { }

        public partial class NotBlock { }

        [Block]
        [Residual(typeof(SelfBlock))]
        public partial class SelfBlock { }
        """;

    [Fact]
    public void Random_attribute_stacks_compile_or_fail_with_NG_diagnostics_and_the_generator_never_throws()
    {
        int generated = 0, rejected = 0;
        Declaration.Sample(
            declaration =>
            {
                string source = $$"""
                    using NetGen;

                    namespace Fuzz;

                    {{Blocks}}

                    [Network]
                    {{declaration}}
                    public partial class Net { }
                    """;
                GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(source);

                // 1. The generator never throws (Roslyn would turn that into CS8785 and drop all output).
                GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
                Assert.DoesNotContain(run.CompilationDiagnostics.Concat(run.GeneratorDiagnostics), d => d.Id is "CS8785" or "AD0001");

                // 2. It reports nothing but NG diagnostics.
                Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("NG", d.Id, StringComparison.Ordinal));

                // 3. Whatever it generates compiles without errors or warnings in the generated files.
                var generatedTrees = run.OutputCompilation.SyntaxTrees.Except(run.InputCompilation.SyntaxTrees).ToHashSet();
                Assert.DoesNotContain(run.CompilationDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && generatedTrees.Contains(t));

                // 4. Either the network compiles (all errors are NG errors or the compiler's own complaints about the
                //    attribute arguments), or no code is generated for it.
                bool netGenerated = run.GeneratedSources.Any(s => s.HintName == "Fuzz.Net.g.cs");
                bool ngError = run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().StartLinePosition.Line >= 0 && IsAboutNet(d));
                if (netGenerated)
                {
                    Assert.False(ngError, "code was generated for a network with an NG error:\n" + GeneratorDriverHelper.Describe(run.GeneratorDiagnostics));
                    Assert.DoesNotContain(run.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
                    Interlocked.Increment(ref generated);
                }
                else
                {
                    bool compilerError = run.CompilationDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal));
                    Assert.True(ngError || compilerError, $"no code and no error for:\n{declaration}\n" + GeneratorDriverHelper.Describe(run.GeneratorDiagnostics.Concat(run.CompilationDiagnostics)));
                    Interlocked.Increment(ref rejected);
                }
            },
            iter: 3000,
            threads: 2);

        // The generator of declarations must exercise both outcomes, or the property proves little.
        Assert.True(generated > 50, $"only {generated} of the random networks were valid");
        Assert.True(rejected > 500, $"only {rejected} of the random networks were rejected");
    }

    private static bool IsAboutNet(Diagnostic d) => d.Id != "NG0101" && d.Id != "NG0102" && d.Id != "NG0103";
}
