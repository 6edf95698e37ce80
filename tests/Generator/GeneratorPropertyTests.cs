using CsCheck;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generator never breaks the build: 10,000 random networks, ten to a compilation — every layer kind with valid
/// and nonsense values, wrong argument types, misplaced layers, broken, recursive and exponentially nested blocks, and
/// around them random names (case-colliding, escaped keywords, non-ASCII, names of generated members), modifiers,
/// namespaces (file-scoped, nested, escaped), containing types and base lists — must each either be generated and add
/// no error, or be rejected with an NG diagnostic (or the compiler's own error) on its declaration; the generator never
/// throws.
/// </summary>
public class GeneratorPropertyTests
{
    private static readonly Gen<string> Int = Gen.OneOf(Gen.Int[-3, 40].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.OneOf("0", "1", "2", "28", "100000", "int.MaxValue", "-2147483648"));

    private static readonly Gen<string> Float = Gen.OneOf("0f", "0.1f", "0.5f", "1f", "-1f", "2f", "float.NaN", "float.PositiveInfinity", "1e30f", "0.999f");

    private static readonly Gen<string> Layer = Gen.OneOf(
        Gen.Select(Int, i => $"Dense({i})"),
        Gen.Select(Int, Gen.OneOf("WeightInit.Auto", "WeightInit.Xavier", "WeightInit.He", "WeightInit.Gaussian", "WeightInit.Gaussian", "WeightInit.Zeros", "WeightInit.Constant", "WeightInit.XavierUniform", "WeightInit.TorchDefault", "(WeightInit)42", "Xavier"), Float, Gen.Bool, (i, init, f, b) => $"Dense({i}, Init = {init}, InitStd = {f}, Bias = {(b ? "true" : "false")})"),
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
        Gen.Select(Gen.OneOf("GoodBlock", "BadBlock", "NotBlock", "SelfBlock", "TwiceBlock", "Deep0", "Deep9"), Float, (b, s) => $"Residual(typeof({b}), Survival = {s})"),
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

    // Valid stacks, so that many networks reach the emitter inside the random names and wrappers below.
    private static readonly Gen<string> ValidDeclaration = Gen.OneOf(
        "[Input(4)] [Dense(3)] [SoftmaxCrossEntropy]",
        "[Input(6)] [Dense(8)] [ReLU] [Dropout(0.2f)] [Dense(8)] [LeakyReLU(0.1f)] [Dense(2)] [SoftmaxCrossEntropy]",
        "[Input(6)] [Dense(12, Bias = false)] [BatchNorm] [PReLU] [Dense(8)] [Maxout(2)] [LayerNorm] [Dense(3)] [MeanSquaredError]",
        "[Input(4)] [Residual(typeof(TwiceBlock))] [Residual(typeof(PairBlock), Survival = 0.8f)] [DropConnect(0.3f)] [Dense(2)] [SoftmaxCrossEntropy]",
        "[Input(4, 8, 8)] [Residual(typeof(GoodBlock))] [Conv2D(4, 3, padding: 1)] [GroupNorm(2)] [RReLU] [MaxPool2D(2)] [InstanceNorm] [AvgPool2D(1)] [FractionalMaxPool2D(1.5)] [Flatten] [Dense(8)] [ELU] [Dense(8)] [Tanh] [Dense(8)] [Sigmoid] [Dense(3)] [Softmax] [Dense(3)] [SoftmaxCrossEntropy]");

    // Names: plain, case-colliding (Mlp/MLP/mlp), escaped and contextual keywords, non-ASCII, names of generated
    // members (NG0022). Wrappers are weighted towards valid ones so that most rejections come from one cause.
    private static readonly Gen<string> Name = Gen.Frequency(
        (6, Gen.OneOf("Net", "Mlp", "MLP", "mlp", "Cnn", "Résumé", "_net", "Net2")),
        (3, Gen.OneOf("@event", "@class", "@object", "@int", "@partial", "@var", "async", "record", "@record")),
        (1, Gen.OneOf("Forward", "Layers", "L0_In", "Layer1Forward", "Loss", "Summary", "Parameters")));

    private static readonly Gen<string> Modifiers = Gen.Frequency(
        (8, Gen.OneOf("", "public ", "internal ", "public sealed ", "abstract ", "sealed ", "public abstract ", "unsafe ", "internal sealed ")),
        (1, Gen.OneOf("static ", "file ")));

    private static readonly Gen<string> Kind = Gen.Frequency((8, Gen.Const("partial class")), (1, Gen.OneOf("partial record", "class")));

    private static readonly Gen<string> BaseList = Gen.Frequency(
        (6, Gen.OneOf("", " : ITag", " : NetworkBase", " : NetworkBase, ITag")),
        (1, Gen.OneOf(" : SomeBase", " : SomeBase, ITag", "<T>")));

    private static readonly Gen<(string Open, string Close)> Namespace = Gen.OneOf(
        Gen.Const(("", "")),
        Gen.OneOf(Gen.Const(("namespace Models;\n", "")), Gen.Const(("namespace models;\n", "")), Gen.Const(("namespace @class.@int;\n", "")), Gen.Const(("namespace A.B.C;\n", ""))),
        Gen.OneOf(Gen.Const(("namespace Models {\n", "}\n")), Gen.Const(("namespace Outer { namespace @event {\n", "} }\n")), Gen.Const(("namespace Models.models {\n", "}\n"))));

    private static readonly Gen<(string Open, string Close)> Container = Gen.Frequency(
        (6, Gen.Const(("", ""))),
        (4, Gen.OneOf(
            Gen.Const(("public partial class Outer {\n", "}\n")),
            Gen.Const(("static partial class Holder {\n", "}\n")),
            Gen.Const(("partial struct Box {\n", "}\n")),
            Gen.Const(("partial record Rec {\n", "}\n")),
            Gen.Const(("partial class @struct<@in> {\n", "}\n")),
            Gen.Const(("partial interface IHolder {\n", "}\n")),
            Gen.Const(("partial class Outer { partial class Inner {\n", "} }\n")))),
        (1, Gen.OneOf(Gen.Const(("class NotPartial {\n", "}\n")), Gen.Const(("file partial class Local {\n", "}\n")))));

    /// <summary>One network in its own file: namespace, containers, modifiers, name, base list and a layer stack.</summary>
    private static readonly Gen<string> NetworkFile = Gen.Select(Namespace, Container, Modifiers, Kind, Name, BaseList, Gen.Frequency((5, Declaration), (1, ValidDeclaration)),
        (ns, container, modifiers, kind, name, baseList, declaration) =>
            $"using NetGen;\n{ns.Open}{container.Open}[Network]\n{declaration}\n{modifiers}{kind} {name}{baseList} {{ }}\n{container.Close}{ns.Close}");

    private const int NetworksPerCompilation = 10;

    private const string Blocks = """
        using NetGen;

        public class SomeBase { }

        public interface ITag { }

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

        [Block] [Residual(typeof(PairBlock))] [Residual(typeof(PairBlock))] public partial class TwiceBlock { }
        [Block] [Dense(4)] [ReLU] public partial class PairBlock { }

        // Doubles at every level: far over the inlined-layer limit (NG0021), and must be counted, not expanded.
        [Block] [Residual(typeof(Deep1))] [Residual(typeof(Deep1))] public partial class Deep0 { }
        [Block] [Residual(typeof(Deep2))] [Residual(typeof(Deep2))] public partial class Deep1 { }
        [Block] [Residual(typeof(Deep3))] [Residual(typeof(Deep3))] public partial class Deep2 { }
        [Block] [Residual(typeof(Deep4))] [Residual(typeof(Deep4))] public partial class Deep3 { }
        [Block] [Residual(typeof(Deep5))] [Residual(typeof(Deep5))] public partial class Deep4 { }
        [Block] [Residual(typeof(Deep6))] [Residual(typeof(Deep6))] public partial class Deep5 { }
        [Block] [Residual(typeof(Deep7))] [Residual(typeof(Deep7))] public partial class Deep6 { }
        [Block] [Residual(typeof(Deep8))] [Residual(typeof(Deep8))] public partial class Deep7 { }
        [Block] [Residual(typeof(Deep9))] [Residual(typeof(Deep9))] public partial class Deep8 { }
        [Block] [Residual(typeof(Deep10))] [Residual(typeof(Deep10))] public partial class Deep9 { }
        [Block] [Residual(typeof(Deep11))] [Residual(typeof(Deep11))] public partial class Deep10 { }
        [Block] [Dense(4)] [ReLU] public partial class Deep11 { }
        """;

    [Fact]
    public void Random_projects_of_networks_compile_or_fail_with_NG_diagnostics_and_the_generator_never_throws()
    {
        int generated = 0, rejected = 0, stacks = 0;
        NetworkFile.Array[NetworksPerCompilation, NetworksPerCompilation].Sample(
            files =>
            {
                CheckProject(files, ref generated, ref rejected);
                Interlocked.Add(ref stacks, files.Length);
            },
            iter: 10_000 / NetworksPerCompilation,
            threads: 2);

        // 10,000 stacks, and both outcomes well represented, or the property proves little.
        Assert.Equal(10_000, stacks);
        Assert.True(generated > 300, $"only {generated} of the random networks were generated");
        Assert.True(rejected > 3000, $"only {rejected} of the random networks were rejected");
    }

    /// <summary>
    /// The property, for one compilation of several networks: the generator never throws and reports only NG
    /// diagnostics; it adds no error the compilation did not already have (none inside its files, and none such as
    /// CS0263 or CS0542 in the user's files because of what it generated); and every network is either generated, or
    /// rejected with an NG error or a compiler error on its own declaration.
    /// </summary>
    private static void CheckProject(string[] files, ref int generated, ref int rejected)
    {
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(files.Append(Blocks).ToArray());
        string Context() => string.Join("\n---\n", files) + "\n" + GeneratorDriverHelper.Describe(run.GeneratorDiagnostics.Concat(run.CompilationDiagnostics));

        // 1. The generator never throws (Roslyn would turn that into CS8785 and drop the output of every network).
        GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
        Assert.DoesNotContain(run.CompilationDiagnostics.Concat(run.GeneratorDiagnostics), d => d.Id is "CS8785" or "AD0001");

        // 2. It reports nothing but NG diagnostics.
        Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("NG", d.Id, StringComparison.Ordinal));

        // 3. Nothing it generates has a warning or an error, and it causes no new error anywhere.
        var generatedTrees = run.OutputCompilation.SyntaxTrees.Except(run.InputCompilation.SyntaxTrees).ToHashSet();
        Assert.True(
            !run.CompilationDiagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && generatedTrees.Contains(t)),
            "diagnostics inside generated files:\n" + Context());
        var inputErrors = run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var before = inputErrors.Select(Key).ToHashSet();
        var added = run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !before.Contains(Key(d))).ToList();
        Assert.True(added.Count == 0, "the generated code adds errors:\n" + GeneratorDriverHelper.Describe(added) + "\n" + Context());

        // 4. Each network (one symbol, however many partial declarations) is generated, or rejected with a reason on
        //    one of its own declarations.
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Concat(inputErrors).ToList();
        foreach (INamedTypeSymbol network in Networks(run.OutputCompilation, generatedTrees))
        {
            var declarations = network.DeclaringSyntaxReferences.Where(r => !generatedTrees.Contains(r.SyntaxTree)).ToList();
            bool isGenerated = network.DeclaringSyntaxReferences.Any(r => generatedTrees.Contains(r.SyntaxTree));
            bool ngError = errors.Any(d => d.Id.StartsWith("NG", StringComparison.Ordinal) && Within(d, declarations));
            bool anyError = errors.Any(d => Within(d, declarations));
            if (isGenerated)
            {
                Assert.False(ngError, $"code was generated for '{network}', which has an NG error:\n" + Context());
                Interlocked.Increment(ref generated);
            }
            else
            {
                Assert.True(anyError, $"no code and no error for '{network}':\n" + Context());
                Interlocked.Increment(ref rejected);
            }
        }
    }

    /// <summary>Every class or record in the user's files that carries [Network] on some declaration.</summary>
    private static IEnumerable<INamedTypeSymbol> Networks(Compilation compilation, HashSet<SyntaxTree> generatedTrees)
    {
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (SyntaxTree tree in compilation.SyntaxTrees.Where(t => !generatedTrees.Contains(t)))
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is INamedTypeSymbol symbol
                    && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetGen.NetworkAttribute")
                    && seen.Add(symbol))
                {
                    yield return symbol;
                }
            }
        }
    }

    private static bool Within(Diagnostic d, IEnumerable<SyntaxReference> declarations)
        => declarations.Any(r => r.SyntaxTree == d.Location.SourceTree && r.GetSyntax().FullSpan.Contains(d.Location.SourceSpan));

    private static (string Id, string? Path, Microsoft.CodeAnalysis.Text.TextSpan Span) Key(Diagnostic d) => (d.Id, d.Location.SourceTree?.FilePath, d.Location.SourceSpan);

}
