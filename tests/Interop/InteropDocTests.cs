using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Interop;

/// <summary>
/// Every <c>```csharp</c> block of docs/interop.md compiles, with the NetGen generator, against the runtime: blocks that
/// declare types are files; the other blocks are statements, wrapped in a method of their own (their leading
/// <c>using</c> directives hoisted to the file).
/// </summary>
public class InteropDocTests
{
    private static readonly Regex s_block = new(@"^(?<indent>[ \t]*)```csharp[ \t]*\r?\n(?<code>.*?)^\k<indent>```", RegexOptions.Singleline | RegexOptions.Multiline);

    [Fact]
    public void Every_csharp_block_of_the_interop_doc_compiles()
    {
        string path = Path.Combine(Repository.Root(), "docs", "interop.md");
        string text = File.ReadAllText(path);
        // The ONNX part needs NetGen.Onnx and ONNX Runtime; OnnxDocTests compiles it.
        int onnx = text.IndexOf("\n## ONNX export", StringComparison.Ordinal);
        string[] sources = Sources(onnx < 0 ? text : text[..onnx]);
        Assert.True(sources.Length >= 5, $"expected the doc's C# blocks, found {sources.Length}");

        GeneratorRun run = GeneratorDriverHelper.Run(sources);
        var problems = run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "docs/interop.md's snippets have problems:\n" + GeneratorDriverHelper.Describe(problems));
        Assert.Contains(run.GeneratedSources, s => s.HintName.Contains("FashionCnn", StringComparison.Ordinal));
    }

    [Fact]
    public void A_snippet_that_does_not_compile_is_caught()
    {
        string doc = "```csharp\nusing NetGen.Serialization;\nSafeTensors.Load(\"only a path\");\n```\n";
        string[] sources = Sources(doc);
        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(GeneratorDriverHelper.CreateCompilation(sources));
        Assert.Contains(run.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    private static readonly string[] Implicit = ["using System;", "using System.Collections.Generic;", "using System.Linq;"];

    /// <summary>The C# blocks of a markdown text as compilable sources.</summary>
    internal static string[] Sources(string markdown)
    {
        var sources = new List<string>();
        foreach (Match m in s_block.Matches(markdown))
        {
            string indent = m.Groups["indent"].Value;
            string[] lines = m.Groups["code"].Value.Replace("\r\n", "\n").Split('\n')
                .Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l.TrimStart())
                .ToArray();
            string code = string.Join("\n", lines);
            if (Regex.IsMatch(code, @"\b(class|record|struct|interface)\s+\w+"))
            {
                sources.Add(code);
                continue;
            }

            var usings = lines.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal) || l.Length == 0).ToList();
            string body = string.Join("\n", lines.Skip(usings.Count));
            sources.Add(
                "using System;\nusing System.Collections.Generic;\nusing System.Linq;\n" + string.Join("\n", usings.Where(u => u.Length > 0 && !Implicit.Contains(u)).Distinct())
                + $"\n\ninternal static class Snippet{sources.Count}\n{{\n    internal static void Run()\n    {{\n{body}\n    }}\n}}\n");
        }

        return sources.ToArray();
    }
}
