using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Interop;

/// <summary>The C# blocks of the ONNX section of docs/interop.md compile, with the generator, against NetGen, NetGen.Onnx and ONNX Runtime.</summary>
public class OnnxDocTests
{
    [Fact]
    public void Every_csharp_block_of_the_onnx_interop_doc_compiles_with_the_generator()
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "interop.md"));
        int start = text.IndexOf("\n## ONNX export", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/interop.md has no '## ONNX export' section");
        string doc = text[start..];
        string[] blocks = Regex.Matches(doc, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains(blocks, b => b.Contains("OnnxExporter.Save(", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Contains("InferenceSession", StringComparison.Ordinal));

        var existing = GeneratorDriverHelper.References.Select(r => Path.GetFileName(r.Display ?? "")).ToHashSet(StringComparer.Ordinal);
        var extra = new[] { typeof(OnnxExporter).Assembly.Location, typeof(InferenceSession).Assembly.Location }
            .Where(p => !existing.Contains(Path.GetFileName(p)))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = GeneratorDriverHelper.CreateCompilation(blocks.Select((b, i) => GeneratorDriverHelper.Parse(b, $"interop-onnx-{i}.cs")))
            .AddReferences(extra);

        GeneratorRun run = GeneratorDriverHelper.Run(compilation);

        Assert.NotEmpty(run.GeneratedSources);
        // Snippets need no XML comments (CS1591); anything else is a problem of the doc.
        var warnings = run.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1591").ToList();
        Assert.True(warnings.Count == 0, "The doc's code has warnings:\n" + GeneratorDriverHelper.Describe(warnings));
    }
}
