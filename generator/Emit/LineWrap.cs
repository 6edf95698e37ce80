using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace NetGen.Generator.Emit;

/// <summary>
/// Keeps generated lines within <see cref="MaxLength"/> characters: the one place that decides how a long line breaks.
/// A call breaks into one argument per line (kernel calls carry named arguments, so each line reads <c>x: …,</c>);
/// initializers and declaration lists fill lines; comments and XML summaries wrap at words; a trailing comment moves
/// above its statement; a long string literal becomes a concatenation of constants.
/// </summary>
internal static class LineWrap
{
    /// <summary>The longest generated line, indentation included.</summary>
    public const int MaxLength = 120;

    /// <summary>The lines <paramref name="text"/> becomes at <paramref name="indent"/> levels (without the indentation).</summary>
    public static List<(int Indent, string Text)> Wrap(string text, int indent)
    {
        var lines = new List<(int, string)>();
        Add(lines, text, indent);
        return lines;
    }

    /// <summary>Adds the lines of <paramref name="text"/>, leaving <paramref name="reserve"/> characters free at the end of each.</summary>
    private static void Add(List<(int, string)> lines, string text, int indent, int reserve = 0)
    {
        if ((indent * 4) + text.Length + reserve <= MaxLength)
        {
            lines.Add((indent, text));
            return;
        }

        int width = MaxLength - (indent * 4) - reserve;
        if (text.StartsWith("//", System.StringComparison.Ordinal))
        {
            WrapComment(lines, text, indent, width);
            return;
        }

        if (text.EndsWith(",", System.StringComparison.Ordinal) && !text.EndsWith("(,", System.StringComparison.Ordinal))
        {
            // An item of a list that continues on the next line: break the item, then put its comma back.
            int first = lines.Count;
            Add(lines, text.Substring(0, text.Length - 1), indent, reserve + 1);
            if (lines.Count > first + 1 || (indent * 4) + text.Length + reserve > MaxLength)
            {
                var (lastIndent, lastText) = lines[lines.Count - 1];
                lines[lines.Count - 1] = (lastIndent, lastText + ",");
                return;
            }

            lines.RemoveRange(first, lines.Count - first);
        }

        int comment = TrailingComment(text);
        if (comment > 0)
        {
            Add(lines, text.Substring(comment), indent);
            Add(lines, text.Substring(0, comment).TrimEnd(), indent, reserve);
            return;
        }

        int arrow = TopLevelIndexOf(text, " => ");
        if (arrow > 0 && (indent * 4) + arrow <= MaxLength)
        {
            // An expression-bodied member: the body on the next line.
            Add(lines, text.Substring(0, arrow), indent);
            Add(lines, text.Substring(arrow + 1), indent + 1, reserve);
            return;
        }

        int quote = text.IndexOf('"');
        int lastQuote = text.LastIndexOf('"');
        if (quote >= 0 && lastQuote - quote > MaxLength / 2 && text.IndexOf('\\') < 0 && text.IndexOf('"', quote + 1) == lastQuote)
        {
            SplitString(lines, text, quote, lastQuote, indent);
            return;
        }

        List<int> links = ChainLinks(text);
        if (links.Count > 0)
        {
            // A fluent chain (`g.Node(…).Ints(…).Ints(…)`): one link per line.
            Add(lines, text.Substring(0, links[0]), indent);
            for (int i = 0; i < links.Count; i++)
            {
                int end = i + 1 < links.Count ? links[i + 1] : text.Length;
                Add(lines, text.Substring(links[i], end - links[i]), indent + 1, reserve);
            }

            return;
        }

        if (SplitArguments(text) is { } split)
        {
            bool onePerLine = split.Open == '(' && (split.Head.Contains("Kernels.") || split.Items.Exists(IsNamed));
            int itemIndent = indent + 1;
            var current = new StringBuilder();
            if (split.Open == ' ')
            {
                current.Append(split.Head); // a declaration list fills its first line too
                itemIndent = indent;
            }
            else
            {
                lines.Add((indent, split.Head));
            }

            for (int i = 0; i < split.Items.Count; i++)
            {
                string item = split.Items[i] + (i < split.Items.Count - 1 ? "," : split.Tail);
                if (onePerLine)
                {
                    Add(lines, item, indent + 1, reserve);
                }
                else if (current.Length > 0 && (itemIndent * 4) + current.Length + 1 + item.Length + reserve > MaxLength)
                {
                    Add(lines, current.ToString(), itemIndent, reserve);
                    current.Clear().Append(item);
                    itemIndent = indent + 1;
                }
                else
                {
                    current.Append(current.Length > 0 ? " " : "").Append(item);
                }
            }

            if (current.Length > 0)
            {
                Add(lines, current.ToString(), itemIndent, reserve);
            }

            return;
        }

        int space = LastTopLevelSpace(text, width);
        if (space > 0)
        {
            lines.Add((indent, text.Substring(0, space)));
            Add(lines, text.Substring(space + 1), indent + 1, reserve);
            return;
        }

        lines.Add((indent, text)); // nothing to break at: leave it (a test reports it)
    }

    /// <summary>Wraps a comment at spaces, repeating its prefix (<c>///</c> or <c>//</c> and the spaces after it).</summary>
    private static void WrapComment(List<(int, string)> lines, string text, int indent, int width)
    {
        int prefixEnd = 0;
        while (prefixEnd < text.Length && text[prefixEnd] == '/')
        {
            prefixEnd++;
        }

        int bodyStart = prefixEnd;
        while (bodyStart < text.Length && text[bodyStart] == ' ')
        {
            bodyStart++;
        }

        string prefix = text.Substring(0, bodyStart);
        string continuation = prefix.Length > prefixEnd + 1 ? prefix + "    " : prefix;
        string rest = text.Substring(bodyStart);
        string lead = prefix;
        while (lead.Length + rest.Length > width)
        {
            int cut = rest.LastIndexOf(' ', System.Math.Max(0, width - lead.Length));
            if (cut <= 0)
            {
                break;
            }

            lines.Add((indent, lead + rest.Substring(0, cut)));
            rest = rest.Substring(cut + 1);
            lead = continuation;
        }

        lines.Add((indent, lead + rest));
    }

    /// <summary>Splits <c>head "literal" tail</c> into a concatenation of shorter literals at spaces.</summary>
    private static void SplitString(List<(int, string)> lines, string text, int open, int close, int indent)
    {
        string head = text.Substring(0, open).TrimEnd();
        string literal = text.Substring(open + 1, close - open - 1);
        string tail = text.Substring(close + 1);
        lines.Add((indent, head));
        int width = MaxLength - ((indent + 1) * 4) - 5; // quotes, " +"
        while (literal.Length > width)
        {
            int cut = literal.LastIndexOf(' ', width);
            if (cut <= 0)
            {
                break;
            }

            lines.Add((indent + 1, "\"" + literal.Substring(0, cut + 1) + "\" +"));
            literal = literal.Substring(cut + 1);
        }

        lines.Add((indent + 1, "\"" + literal + "\"" + tail));
    }

    /// <summary>Whether an argument is named (<c>x: …</c>).</summary>
    internal static bool IsNamed(string argument)
    {
        int i = 0;
        while (i < argument.Length && (char.IsLetterOrDigit(argument[i]) || argument[i] == '_'))
        {
            i++;
        }

        return i > 0 && i + 1 < argument.Length && argument[i] == ':' && argument[i + 1] == ' ';
    }

    private sealed class Split
    {
        public string Head = "";
        public char Open;
        public List<string> Items = new();
        public string Tail = "";
    }

    /// <summary>
    /// The first bracket pair whose content has top-level commas (its items), or the statement's own top-level commas
    /// (a declaration list); null when the line has neither.
    /// </summary>
    private static Split? SplitArguments(string text)
    {
        // Top-level commas outside any bracket: a declaration list (`const int A = 1, B = 2;`).
        List<int> topCommas = Commas(text, 0, text.Length);
        if (topCommas.Count > 0)
        {
            int cut = topCommas[0] + 1;
            return new Split { Head = text.Substring(0, cut), Open = ' ', Items = Items(text, cut, topCommas.Skip(1), text.Length), Tail = "" };
        }

        // Otherwise the first bracket at depth 0 that holds commas, or that is long enough to break by itself.
        foreach ((int open, char c, int depth) in Code(text, 0, text.Length))
        {
            if (depth != 1 || c is not ('(' or '{' or '['))
            {
                continue;
            }

            int close = Match(text, open);
            string tail = close < 0 ? "" : text.Substring(close);
            if (close < 0)
            {
                // A call whose arguments continue on the next lines (`Kernel.Forward(batch, n,`): break what is here.
                close = text.Length;
                if (text.EndsWith(",", System.StringComparison.Ordinal))
                {
                    close--;
                    tail = ",";
                }
            }

            List<int> commas = Commas(text, open + 1, close);
            List<string> items = Items(text, open + 1, commas, close);
            if ((commas.Count == 0 && close - open < 40) || (items.Count == 1 && items[0].Length == 0))
            {
                continue;
            }

            return new Split { Head = text.Substring(0, open + 1), Open = c, Items = items, Tail = tail };
        }

        return null;
    }

    /// <summary>The trimmed items of <paramref name="text"/> separated at its top-level commas (one item if it has none).</summary>
    internal static List<string> TopLevelItems(string text) => Items(text, 0, Commas(text, 0, text.Length), text.Length);

    /// <summary>The trimmed items of text[from..to) separated at <paramref name="commas"/>.</summary>
    private static List<string> Items(string text, int from, IEnumerable<int> commas, int to)
    {
        var items = new List<string>();
        foreach (int comma in commas)
        {
            items.Add(text.Substring(from, comma - from).Trim());
            from = comma + 1;
        }

        items.Add(text.Substring(from, to - from).Trim());
        return items;
    }

    /// <summary>
    /// The characters of text[from..to) outside string literals (the quotes left out), each with its bracket depth
    /// relative to <paramref name="from"/>: an opening bracket counts as inside itself, a closing one as outside.
    /// Every scan of a line goes through here, so all agree on what is code and what is nested.
    /// </summary>
    private static IEnumerable<(int Index, char Char, int Depth)> Code(string text, int from, int to)
    {
        int depth = 0;
        bool inString = false;
        for (int i = from; i < to; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                inString = !inString;
                continue;
            }

            if (inString)
            {
                continue;
            }

            if (c is '(' or '{' or '[')
            {
                depth++;
            }
            else if (c is ')' or '}' or ']')
            {
                depth--;
            }

            yield return (i, c, depth);
        }
    }

    /// <summary>The positions of the commas in [from, to) at bracket depth 0 relative to from, outside strings and before a <c>//</c> comment.</summary>
    private static List<int> Commas(string text, int from, int to)
    {
        var commas = new List<int>();
        foreach ((int i, char c, int depth) in Code(text, from, to))
        {
            if (c == '/' && i + 1 < to && text[i + 1] == '/')
            {
                break;
            }

            if (c == ',' && depth == 0)
            {
                commas.Add(i);
            }
        }

        return commas;
    }

    /// <summary>The closing bracket of the one at <paramref name="open"/>, or -1.</summary>
    private static int Match(string text, int open)
    {
        foreach ((int i, char c, int depth) in Code(text, open, text.Length))
        {
            if (depth == 0 && c is (')' or '}' or ']'))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The last space at or before <paramref name="width"/> outside strings and generic brackets, or -1.</summary>
    private static int LastTopLevelSpace(string text, int width)
    {
        int found = -1, angle = 0;
        bool inString = false;
        for (int i = 0; i < text.Length && i <= width; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                inString = !inString;
            }
            else if (!inString && c == '<')
            {
                angle++;
            }
            else if (!inString && c == '>')
            {
                angle--;
            }
            else if (!inString && angle == 0 && c == ' ' && i > 0)
            {
                found = i;
            }
        }

        return found;
    }

    /// <summary>Where a trailing <c>//</c> comment starts (outside strings), or -1.</summary>
    private static int TrailingComment(string text) => TopLevelIndexOf(text, " //") is int i and > 0 ? i + 1 : -1;

    /// <summary>The first occurrence of <paramref name="token"/> outside strings and brackets, or -1.</summary>
    private static int TopLevelIndexOf(string text, string token)
    {
        foreach ((int i, _, int depth) in Code(text, 0, text.Length))
        {
            if (depth == 0 && string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The positions of <c>.Name(</c> links that follow a closing parenthesis at depth 0 (a fluent chain).</summary>
    private static List<int> ChainLinks(string text)
    {
        var links = new List<int>();
        foreach ((int i, char c, int depth) in Code(text, 0, text.Length - 1))
        {
            if (depth == 0 && c is (')' or '}' or ']') && text[i + 1] == '.')
            {
                links.Add(i + 1);
            }
        }

        return links;
    }
}
