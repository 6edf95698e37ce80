using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// Generated code calls the runtime with named arguments and named constants: every argument of a kernel or
/// initializer call, and of a row of the layout's layers, parameters and buffers tables, carries its parameter's
/// name, and none is an integer literal (a size or offset has its <c>L{i}_…</c> constant; so do the layout's input and
/// output shapes). Checked on every verified snapshot.
/// </summary>
public class GeneratedCallTests
{
    [Fact]
    public void Every_kernel_call_and_tensor_table_row_of_the_snapshots_names_its_arguments_and_sizes()
    {
        string folder = Path.Combine(Repository.Root(), "tests", "Generator", "Snapshots");
        string[] files = Directory.GetFiles(folder, "*.verified.cs");
        Assert.True(files.Length > 20, $"only {files.Length} snapshots found in {folder}");

        var problems = new List<string>();
        int calls = 0;
        foreach (string file in files)
        {
            calls += Check(File.ReadAllText(file), Path.GetFileName(file), problems);
        }

        Assert.True(calls > 300, $"only {calls} kernel calls and table rows found: the check no longer sees them");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_check_reports_positional_arguments_and_integer_literals()
    {
        const string code = """
            class C
            {
                void F()
                {
                    global::NetGen.Kernels.Dense.Forward(batch, L1_In, outputs: 10, x: a, weights: w, bias: default, y: b);
                    global::NetGen.Initializers.Fill(init: k, weights: w, fanIn: L1_In * 3, fanOut: L1_Out, std: 0.01f, value: 0f, rng: r);
                    global::NetGen.Kernels.Relu.Forward(x: a, y: b);
                }

                static readonly Layout s_layout = new(
                    inputShape: new(1, L0_InH, L0_InW),
                    layers: new global::NetGen.NetworkBase.NetworkLayout.Layer[]
                    {
                        new(name: "conv0", kind: "Conv2D", outputShape: new(L0_OutC, L0_OutH, L0_OutW), outputOffset: L0_Y),
                        new(name: "dense1", kind: "Dense", outputShape: new(256), outputOffset: L1_Y),
                        new("flatten2", "Flatten", outputShape: new(L2_Out), outputOffset: 40),
                    },
                    parameters: new global::NetGen.NetworkBase.NetworkLayout.Tensor[]
                    {
                        new(name: "dense1.weight", layer: 1, offset: L1_W, shape: new(L1_Out, 4), role: r, scheme: s, fanIn: 256),
                        new("dense1.bias", 1, L1_B, new(L1_Out), role: r, value: 0f),
                        new(name: "dense2.bias", layer: 2, offset: 7, shape: new(L2_Out), role: r),
                    });
            }
            """;
        var problems = new List<string>();

        int calls = Check(code, "sample", problems);

        Assert.Equal(10, calls);
        Assert.Equal(
            [
                "sample:5: Kernels.Dense.Forward: positional argument 'batch'",
                "sample:5: Kernels.Dense.Forward: positional argument 'L1_In'",
                "sample:5: Kernels.Dense.Forward: integer literal 'outputs: 10'",
                "sample:6: Initializers.Fill: integer literal 'fanIn: L1_In * 3'",
                "sample:15: Layer row: integer literal 'outputShape: new(256)'",
                "sample:16: Layer row: positional argument '\"flatten2\"'",
                "sample:16: Layer row: positional argument '\"Flatten\"'",
                "sample:16: Layer row: integer literal 'outputOffset: 40'",
                "sample:20: Tensor row: integer literal 'shape: new(L1_Out, 4)'",
                "sample:20: Tensor row: integer literal 'fanIn: 256'",
                "sample:21: Tensor row: positional argument '\"dense1.bias\"'",
                "sample:21: Tensor row: positional argument '1'",
                "sample:21: Tensor row: positional argument 'L1_B'",
                "sample:21: Tensor row: positional argument 'new(L1_Out)'",
                "sample:22: Tensor row: integer literal 'offset: 7'",
                "sample:11: layout: integer literal 'inputShape: new(1, L0_InH, L0_InW)'",
            ],
            problems);
    }

    /// <summary>Checks the kernel and initializer calls and the tensor-table rows in <paramref name="code"/>; returns how many it saw.</summary>
    private static int Check(string code, string file, List<string> problems)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(kind: SourceCodeKind.Script)).GetRoot();
        int seen = 0;
        foreach (InvocationExpressionSyntax call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            string callee = call.Expression.ToString();
            if (callee.StartsWith("global::NetGen.Kernels.", StringComparison.Ordinal) || callee.StartsWith("global::NetGen.Initializers.", StringComparison.Ordinal))
            {
                seen++;
                CheckArguments(call.ArgumentList, file, callee["global::NetGen.".Length..], lengthsOnly: false, problems);
            }
        }

        // The layers table of the network layout (`new NetworkLayout.Layer[] { new(name: …, outputShape: new(…), …) }`)
        // and the layout's input shape: every dimension and offset a named constant.
        // The parameters and buffers tables (`new NetworkLayout.Tensor[] { new(name: …, offset: …, shape: new(…), …) }`)
        // likewise.
        foreach (string kind in new[] { "Layer", "Tensor" })
        {
            IEnumerable<InitializerExpressionSyntax> layoutTables = root.DescendantNodes().OfType<ArrayCreationExpressionSyntax>()
                .Where(a => a.Type.ElementType.ToString().EndsWith("NetworkLayout." + kind, StringComparison.Ordinal))
                .Select(a => a.Initializer)
                .OfType<InitializerExpressionSyntax>();
            foreach (InitializerExpressionSyntax table in layoutTables)
            {
                foreach (BaseObjectCreationExpressionSyntax row in table.Expressions.OfType<BaseObjectCreationExpressionSyntax>())
                {
                    seen++;
                    CheckArguments(row.ArgumentList!, file, kind + " row", lengthsOnly: true, problems);
                }
            }
        }

        foreach (ArgumentSyntax input in root.DescendantNodes().OfType<ArgumentSyntax>().Where(a => a.NameColon?.Name.Identifier.Text == "inputShape"))
        {
            seen++;
            if (HoldsIntegerLiteral(input.Expression))
            {
                int line = input.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                problems.Add($"{file}:{line}: layout: integer literal '{input}'");
            }
        }

        return seen;
    }

    /// <summary>
    /// Every argument named; none of them an integer literal or holding one (in a table row, only the sizes count: the
    /// layer index is a position, not a size).
    /// </summary>
    private static void CheckArguments(ArgumentListSyntax arguments, string file, string what, bool lengthsOnly, List<string> problems)
    {
        foreach (ArgumentSyntax argument in arguments.Arguments)
        {
            int line = argument.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            if (argument.NameColon is null)
            {
                problems.Add($"{file}:{line}: {what}: positional argument '{argument}'");
            }
            else if ((!lengthsOnly || argument.NameColon.Name.Identifier.Text
                    is "outputShape" or "outputOffset" or "offset" or "shape" or "fanIn" or "fanOut")
                && HoldsIntegerLiteral(argument.Expression))
            {
                problems.Add($"{file}:{line}: {what}: integer literal '{argument}'");
            }
        }
    }

    /// <summary>
    /// Whether the expression is an integer literal or built from one (<c>L1_In * 3</c>, <c>new[] { L1_Out, 4 }</c>,
    /// a shape <c>new(32, L1_OutH, L1_OutW)</c>); nested calls and other object creations are not looked into
    /// (<c>new Rng(seed, stream: 2)</c> numbers a random stream).
    /// </summary>
    private static bool HoldsIntegerLiteral(ExpressionSyntax expression)
        => expression is ImplicitObjectCreationExpressionSyntax shape
            ? shape.ArgumentList.Arguments.Any(a => HoldsIntegerLiteral(a.Expression))
            : expression is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax)
                && expression.DescendantNodesAndSelf(n => n is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax))
                    .OfType<LiteralExpressionSyntax>()
                    .Any(l => l.Token.Value is int or long);
}
