using System;
using System.Globalization;
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
    public CodeWriter Call(string callee, params string[] arguments) => Line($"{callee}({string.Join(", ", arguments)});");

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
