// Snapshot testing by hand, following Verify's file convention exactly (Verify.SourceGenerators is not on our feed).
// Names, encoding and layout of the source files are Verify's, so switching to Verify.SourceGenerators is a one-line
// change in each method below: `Verify(GeneratorDriverRunResult)` becomes `Verifier.Verify(driver).UseDirectory("Snapshots")`
// and `Verify(string, extension)` becomes `Verifier.Verify(text, extension).UseDirectory("Snapshots")` (tests then await
// them; the diagnostics .txt would be re-accepted once, since Verify prints diagnostics in its own layout).
//
// Convention: prefix = {test file's dir}/Snapshots/{TestClass}.{TestMethod}[_{parameters}]. Each generated source goes
// to {prefix}#{hint without .cs}.verified.cs (first line `//HintName: {hint}`), sorted by hint name; generator
// diagnostics, only when there are any, go to {prefix}.verified.txt. Files are UTF-8 with BOM, LF, no trailing newline.
// A mismatch or a missing verified file writes {…}.received.{ext} beside it and fails with a diff; a verified file of
// this prefix that is no longer produced fails as stale. NETGEN_ACCEPT_SNAPSHOTS=1 accepts instead of failing (or run
// scripts/accept-snapshots.sh).
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace NetGen.Tests.Infrastructure;

/// <summary>Compares generated text with the verified snapshot files under the test file's <c>Snapshots/</c> folder.</summary>
public static partial class Snapshot
{
    /// <summary>The environment variable that makes every snapshot test accept what it produced.</summary>
    public const string AcceptVariable = "NETGEN_ACCEPT_SNAPSHOTS";

    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    private static bool Accepting => Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true";

    /// <summary>
    /// Snapshots a generator run: one <c>.verified.cs</c> per generated source and, if there are diagnostics, one
    /// <c>.verified.txt</c>. The test class is named after the test file (one test class per file, as Verify assumes).
    /// </summary>
    public static void Verify(GeneratorDriverRunResult result, string? parameters = null, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        var files = new List<(string Suffix, string Text)>();
        foreach (GeneratedSourceResult source in result.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string hint = source.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source.HintName[..^3] : source.HintName;
            files.Add(($"#{hint}.verified.cs", $"//HintName: {source.HintName}\n{source.SourceText}"));
        }

        if (!result.Diagnostics.IsEmpty)
        {
            files.Add((".verified.txt", FormatDiagnostics(result.Diagnostics)));
        }

        Assert.True(files.Count > 0, "The generator produced neither sources nor diagnostics: there is nothing to snapshot.");
        Compare(sourceFile, method, parameters, files);
    }

    /// <summary>Snapshots one text (e.g. an emitter's output) to <c>{prefix}.verified.{extension}</c>.</summary>
    public static void Verify(string text, string extension = "txt", string? parameters = null, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
        => Compare(sourceFile, method, parameters, new List<(string, string)> { ($".verified.{extension}", text) });

    /// <summary>Diagnostics as Verify prints them: id, severity, location, message and the descriptor's fields.</summary>
    public static string FormatDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        var sb = new StringBuilder("Diagnostics:\n");
        foreach (Diagnostic d in diagnostics.OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            FileLinePositionSpan span = d.Location.GetLineSpan();
            string where = d.Location.Kind == LocationKind.None
                ? "none"
                : $"{span.Path}: ({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})";
            sb.Append("  - Id: ").Append(d.Id).Append('\n')
              .Append("    Severity: ").Append(d.Severity).Append('\n')
              .Append("    Location: ").Append(where).Append('\n')
              .Append("    Message: ").Append(d.GetMessage(CultureInfo.InvariantCulture)).Append('\n')
              .Append("    Title: ").Append(d.Descriptor.Title.ToString(CultureInfo.InvariantCulture)).Append('\n')
              .Append("    MessageFormat: ").Append(d.Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture)).Append('\n')
              .Append("    Category: ").Append(d.Descriptor.Category).Append('\n')
              .Append("    DefaultSeverity: ").Append(d.Descriptor.DefaultSeverity).Append('\n')
              .Append("    IsEnabledByDefault: ").Append(d.Descriptor.IsEnabledByDefault ? "true" : "false").Append('\n')
              .Append("    HelpLink: ").Append(d.Descriptor.HelpLinkUri).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Replaces unstable text: the generator version in <c>[GeneratedCode]</c> and absolute paths.</summary>
    public static string Scrub(string text, string sourceFile)
    {
        text = GeneratedCodeVersion().Replace(text, "${head}FIXED_VERSION\"");
        string? root = SolutionDirectory(sourceFile);
        if (root is not null)
        {
            text = text.Replace(root, "{SolutionDirectory}", StringComparison.Ordinal);
        }

        string temp = Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar);
        return text.Replace(temp, "{TempPath}", StringComparison.Ordinal);
    }

    private static void Compare(string sourceFile, string method, string? parameters, List<(string Suffix, string Text)> files)
    {
        Assert.False(string.IsNullOrEmpty(sourceFile), "[CallerFilePath] is empty: call Snapshot.Verify directly from the test.");
        string directory = Path.Combine(Path.GetDirectoryName(sourceFile)!, "Snapshots");
        string name = $"{Path.GetFileNameWithoutExtension(sourceFile)}.{method}{(string.IsNullOrEmpty(parameters) ? "" : "_" + parameters)}";
        Directory.CreateDirectory(directory);

        var failures = new List<string>();
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string suffix, string raw) in files)
        {
            string verifiedPath = Path.Combine(directory, name + suffix);
            string receivedPath = ReceivedPath(verifiedPath);
            string text = Normalize(Scrub(raw, sourceFile));
            produced.Add(verifiedPath);

            string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
            if (verified == text)
            {
                File.Delete(receivedPath);
            }
            else if (Accepting)
            {
                File.WriteAllText(verifiedPath, text, Utf8WithBom);
                File.Delete(receivedPath);
            }
            else
            {
                File.WriteAllText(receivedPath, text, Utf8WithBom);
                failures.Add(verified is null
                    ? $"New snapshot {Path.GetFileName(verifiedPath)}: review {Path.GetFileName(receivedPath)} and accept it."
                    : $"Snapshot {Path.GetFileName(verifiedPath)} differs (see {Path.GetFileName(receivedPath)}):\n{Diff(verified, text)}");
            }
        }

        // A verified file of this prefix that nothing produced any more is stale: the test no longer describes it.
        foreach (string path in Directory.EnumerateFiles(directory).Where(p => IsVerifiedFileOf(Path.GetFileName(p), name)).Where(p => !produced.Contains(p)).Order(StringComparer.Ordinal))
        {
            if (Accepting)
            {
                File.Delete(path);
            }
            else
            {
                failures.Add($"Stale snapshot {Path.GetFileName(path)}: nothing produces it any more; delete it or accept.");
            }
        }

        if (failures.Count > 0)
        {
            Assert.Fail(string.Join("\n\n", failures) + $"\n\nTo accept: set {AcceptVariable}=1 and rerun, or run scripts/accept-snapshots.sh.");
        }
    }

    private static bool IsVerifiedFileOf(string fileName, string name)
        => (fileName.StartsWith(name + "#", StringComparison.Ordinal) || fileName.StartsWith(name + ".verified.", StringComparison.Ordinal))
           && fileName.Contains(".verified.", StringComparison.Ordinal);

    private static string ReceivedPath(string verifiedPath)
    {
        int at = verifiedPath.LastIndexOf(".verified.", StringComparison.Ordinal);
        return verifiedPath[..at] + ".received." + verifiedPath[(at + ".verified.".Length)..];
    }

    /// <summary>LF line endings and no trailing newline, as Verify writes.</summary>
    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n').TrimEnd('\n');

    /// <summary>The first differing lines, with a little context, for the failure message.</summary>
    private static string Diff(string verified, string received)
    {
        string[] a = verified.Split('\n'), b = received.Split('\n');
        int first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first])
        {
            first++;
        }

        var sb = new StringBuilder($"  first difference at line {first + 1} (verified has {a.Length} lines, received {b.Length}):\n");
        for (int i = Math.Max(0, first - 2); i < first; i++)
        {
            sb.Append("    ").Append(a[i]).Append('\n');
        }

        // Line by line from the first difference: '-' verified, '+' received, ' ' both.
        for (int i = first; i < first + 6 && (i < a.Length || i < b.Length); i++)
        {
            string? left = i < a.Length ? a[i] : null, right = i < b.Length ? b[i] : null;
            if (left == right)
            {
                sb.Append("    ").Append(left).Append('\n');
                continue;
            }

            if (left is not null)
            {
                sb.Append("  - ").Append(left).Append('\n');
            }

            if (right is not null)
            {
                sb.Append("  + ").Append(right).Append('\n');
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    private static string? SolutionDirectory(string sourceFile)
    {
        for (string? dir = Path.GetDirectoryName(sourceFile); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "NetGen.sln")))
            {
                return dir;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?<head>\[(?:global::System\.CodeDom\.Compiler\.)?GeneratedCode(?:Attribute)?\(""NetGen\.Generator"", "")[^""]*""")]
    private static partial Regex GeneratedCodeVersion();
}
