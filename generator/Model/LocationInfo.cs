using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generator.Model;

/// <summary>A source location as plain values (a <see cref="Location"/> would hold the syntax tree and defeat caching).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(Location location)
        => location.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic to report, as plain values: the descriptor id, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
    {
        var args = new string[arguments.Length];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = arguments[i] is System.IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : arguments[i]?.ToString() ?? string.Empty;
        }

        return new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(args));
    }
}
