using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Generator.Emit;

/// <summary>An indenting source writer; emitters use it so that their code reads like the code they produce.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation; a line longer than 120 characters breaks as <see cref="LineWrap"/> decides.</summary>
    public CodeWriter Line(string text = "")
    {
        if (text.Length == 0)
        {
            _sb.Append('\n');
            return this;
        }

        foreach ((int indent, string line) in LineWrap.Wrap(text, _indent))
        {
            _sb.Append(' ', indent * 4).Append(line).Append('\n');
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and returns a scope that closes it.</summary>
    public Scope Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Scope(this);
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, and returns a scope that closes it with <paramref name="close"/>.</summary>
    public Scope Block(string header, string close)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Scope(this, close);
    }

    /// <summary>Indents the lines written until the returned scope is disposed (an argument list), closing with nothing.</summary>
    public Scope Indent()
    {
        _indent++;
        return new Scope(this, null);
    }

    /// <summary>
    /// Writes a call statement, <c>callee(arguments);</c>. Kernel calls pass named arguments (<c>x: …</c>); when the
    /// line is longer than 120 characters it breaks into one argument per line.
    /// </summary>
    public CodeWriter Call(string callee, params string[] arguments)
    {
        if (!callee.Contains("Kernels.") && !arguments.Any(LineWrap.IsNamed))
        {
            return Line($"{callee}({string.Join(", ", arguments)});");
        }

        return ArgumentList(callee + "(", arguments, ");");
    }

    /// <summary>
    /// Writes <c>head</c>, the named <paramref name="arguments"/> and <c>tail</c> on one line when it fits in 120
    /// characters, otherwise <c>head</c> alone and one argument per line, the last followed by <c>tail</c>: what
    /// <see cref="LineWrap"/> makes of the joined line, written from the arguments directly (parsing long lines back
    /// into their arguments was most of the generator's time, a warm run over 20 networks under dotnet-trace). An
    /// argument may itself be a list (a layer's shape arguments, <c>batch: batch, inChannels: …</c>): one item per line.
    /// </summary>
    public CodeWriter ArgumentList(string head, IReadOnlyList<string> arguments, string tail)
    {
        string line = head + string.Join(", ", arguments) + tail;
        if ((_indent * 4) + line.Length <= LineWrap.MaxLength || arguments.Count == 0)
        {
            return Line(line);
        }

        var items = arguments.SelectMany(LineWrap.TopLevelItems).ToList();
        Line(head);
        _indent++;
        for (int i = 0; i < items.Count; i++)
        {
            Line(items[i] + (i < items.Count - 1 ? "," : tail));
        }

        _indent--;
        return this;
    }

    /// <summary>Writes a one- or two-sentence XML summary.</summary>
    public CodeWriter Summary(string text) => Line($"/// <summary>{Escape(text)}</summary>");

    public override string ToString() => _sb.ToString();

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Thousands(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public readonly struct Scope(CodeWriter writer, string? close = "}") : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            if (close is not null)
            {
                writer.Line(close);
            }
        }
    }
}
