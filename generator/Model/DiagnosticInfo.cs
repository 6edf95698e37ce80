using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Model;

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
