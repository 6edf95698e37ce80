using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Tests.Infrastructure;

/// <summary>A diagnostic a test expects: its id and the span marked in the test source.</summary>
/// <param name="Id">The diagnostic id, e.g. <c>NG0005</c>.</param>
/// <param name="Path">The file the span is in.</param>
/// <param name="Span">The marked span in the file without markers.</param>
/// <param name="Text">The marked text, for readable failures.</param>
public sealed record ExpectedDiagnostic(string Id, string Path, TextSpan Span, string Text);

/// <summary>
/// Roslyn-style test markup: <c>{|NG0005:Dense(0)|}</c> marks where diagnostic NG0005 is expected, and <c>[|…|]</c>
/// marks a span for the id given by the test. Markers may nest.
/// </summary>
public static class DiagnosticMarkup
{
    /// <summary>Removes the markers from <paramref name="markup"/>, returning the source and the marked spans.</summary>
    /// <param name="markup">The test source with markers.</param>
    /// <param name="path">The file name the source will get in the compilation.</param>
    /// <param name="defaultId">The id for <c>[|…|]</c> markers (required if there are any).</param>
    public static (string Source, List<ExpectedDiagnostic> Expected) Parse(string markup, string path, string? defaultId = null)
    {
        var source = new StringBuilder();
        var open = new Stack<(string Id, int Start, char Close)>();
        var expected = new List<ExpectedDiagnostic>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (Match(markup, i, "{|"))
            {
                int colon = markup.IndexOf(':', i);
                Assert.True(colon > i, $"Markup '{{|' at {i} needs an id and a colon: {{|NG0001:text|}}.");
                open.Push((markup[(i + 2)..colon], source.Length, '}'));
                i = colon;
            }
            else if (Match(markup, i, "[|"))
            {
                Assert.True(defaultId is not null, "Markup '[|…|]' needs the test to name the expected id.");
                open.Push((defaultId!, source.Length, ']'));
                i++;
            }
            else if (Match(markup, i, "|}") || Match(markup, i, "|]"))
            {
                Assert.True(open.Count > 0 && open.Peek().Close == markup[i + 1], $"Unbalanced markup '{markup[i..(i + 2)]}' at {i}.");
                (string id, int start, _) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, path, TextSpan.FromBounds(start, source.Length), source.ToString(start, source.Length - start)));
                i++;
            }
            else
            {
                source.Append(markup[i]);
            }
        }

        Assert.True(open.Count == 0, "Unclosed markup.");
        return (source.ToString(), expected);
    }

    /// <summary>
    /// Runs the generator on the marked sources (<c>Source0.cs</c>, <c>Source1.cs</c>, …) and asserts that the
    /// diagnostics (the generator's and the output compilation's, warnings and errors) are exactly the marked ones:
    /// same id, same file, same span. Returns the actual diagnostics in the order of the expectations.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Verify(params string[] markups) => VerifyMarked(null, markups);

    /// <summary>As <see cref="Verify(string[])"/>, with <paramref name="defaultId"/> the id of every <c>[|…|]</c> marker.</summary>
    public static IReadOnlyList<Diagnostic> VerifyMarked(string? defaultId, params string[] markups)
    {
        var sources = new List<string>();
        var expected = new List<ExpectedDiagnostic>();
        for (int i = 0; i < markups.Length; i++)
        {
            (string source, List<ExpectedDiagnostic> marked) = Parse(markups[i], $"Source{i}.cs", defaultId);
            sources.Add(source);
            expected.AddRange(marked);
        }

        GeneratorRun run = GeneratorDriverHelper.RunWithoutChecks(sources.ToArray());
        GeneratorDriverHelper.AssertNoGeneratorExceptions(run);
        var actual = run.GeneratorDiagnostics.Concat(run.CompilationDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning || (d.Severity == DiagnosticSeverity.Info && d.Id.StartsWith("NG", StringComparison.Ordinal)))

            // Test sources are compiled with documentation checks on (for the generated code's sake); their own
            // missing doc comments are noise here.
            .Where(d => d.Id != "CS1591")
            .ToList();

        var matched = new List<Diagnostic>();
        var missing = new List<ExpectedDiagnostic>();
        foreach (ExpectedDiagnostic e in expected.OrderBy(e => e.Path, StringComparer.Ordinal).ThenBy(e => e.Span.Start))
        {
            Diagnostic? hit = actual.FirstOrDefault(d => d.Id == e.Id && d.Location.GetLineSpan().Path == e.Path && d.Location.SourceSpan == e.Span);
            if (hit is null)
            {
                missing.Add(e);
            }
            else
            {
                actual.Remove(hit);
                matched.Add(hit);
            }
        }

        if (missing.Count > 0 || actual.Count > 0)
        {
            var message = new StringBuilder("The diagnostics differ from the marked ones.\n");
            foreach (ExpectedDiagnostic e in missing)
            {
                message.Append($"  missing:    {e.Id} at {e.Path}{e.Span} on '{e.Text}'\n");
            }

            foreach (Diagnostic d in actual)
            {
                string text = d.Location.SourceTree?.ToString() is { } all ? all.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)
                    : sources.ElementAtOrDefault(SourceIndex(d.Location.GetLineSpan().Path)) is { } src && d.Location.SourceSpan.End <= src.Length
                        ? src.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length) : "?";
                message.Append($"  unexpected: {d.Id} at {d.Location.GetLineSpan().Path}{d.Location.SourceSpan} on '{text}': {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}\n");
            }

            Assert.Fail(message.ToString());
        }

        return matched;
    }

    private static int SourceIndex(string path)
        => path.StartsWith("Source", StringComparison.Ordinal) && int.TryParse(path["Source".Length..^".cs".Length], out int i) ? i : -1;

    private static bool Match(string text, int at, string token) => string.CompareOrdinal(text, at, token, 0, token.Length) == 0;
}
