using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using NetGen.Generator.Model;

namespace NetGen.Generator.Layers;

/// <summary>
/// Binds a layer attribute's arguments to a plain arguments class by constructor-parameter or property name (case
/// ignored, as <c>units</c> binds <c>Units</c>), the way Mapperly's <c>AttributeDataAccessor</c> does: names and
/// defaults exist once, in the arguments class. An argument the class does not declare is reported (NG0011) instead of
/// being dropped, so a renamed attribute member cannot silently fall back to a default.
/// </summary>
internal static class ArgumentBinder
{
    /// <summary>The bound arguments, or null after reporting an argument the generator does not know.</summary>
    public static BoundArguments<T>? Bind<T>(LayerSpec spec, List<DiagnosticInfo> diagnostics, string shape = "")
        where T : class, new()
    {
        var values = new T();
        var given = new Dictionary<string, BoundArguments<T>.Given>();
        foreach (ArgumentSpec argument in spec.Arguments)
        {
            PropertyInfo? property = Property(typeof(T), argument.Name);
            if (property is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, spec.Location, spec.Kind, shape, $"its argument '{argument.Name}' is not known to this version of the generator"));
                return null;
            }

            bool parsed = TryParse(property.PropertyType, argument, out object? value);
            if (parsed)
            {
                property.SetValue(values, value);
            }

            given[property.Name] = new BoundArguments<T>.Given(argument.Name, argument.Value, parsed);
        }

        return new BoundArguments<T>(spec, values, given, diagnostics);
    }

    /// <summary>The settable public property an argument named <paramref name="name"/> binds to.</summary>
    public static PropertyInfo? Property(System.Type type, string name)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.CanWrite && string.Equals(p.Name, name, System.StringComparison.OrdinalIgnoreCase));

    private static bool TryParse(System.Type type, ArgumentSpec argument, out object? value)
    {
        string text = argument.Value;
        value = null;
        if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i))
        {
            value = i;
        }
        else if (type == typeof(float) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f))
        {
            value = (float)f;
        }
        else if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            value = d;
        }
        else if (type == typeof(bool))
        {
            value = text == "true";
        }
        else if (type.IsEnum && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int e))
        {
            value = System.Enum.ToObject(type, e);
        }
        else if (type == typeof(string))
        {
            value = text;
        }
        else if (type == typeof(int[]))
        {
            var dims = new int[argument.Values.Count];
            for (int k = 0; k < dims.Length; k++)
            {
                if (!int.TryParse(argument.Values[k], NumberStyles.Integer, CultureInfo.InvariantCulture, out dims[k]))
                {
                    return false;
                }
            }

            value = dims;
        }

        return value is not null;
    }
}

/// <summary>A layer's bound arguments plus what was written for each, so a check can report the value as declared.</summary>
/// <typeparam name="T">The arguments class.</typeparam>
internal sealed class BoundArguments<T>
    where T : class, new()
{
    private static readonly T Defaults = new();
    private readonly LayerSpec _spec;
    private readonly Dictionary<string, Given> _given;
    private readonly List<DiagnosticInfo> _diagnostics;

    internal BoundArguments(LayerSpec spec, T values, Dictionary<string, Given> given, List<DiagnosticInfo> diagnostics)
    {
        _spec = spec;
        Values = values;
        _given = given;
        _diagnostics = diagnostics;
    }

    /// <summary>The arguments: those declared, the defaults for the rest.</summary>
    public T Values { get; }

    /// <summary>Whether the declaration names <paramref name="property"/> (valid or not).</summary>
    public bool IsGiven(string property) => _given.ContainsKey(property);

    /// <summary>
    /// The value of <paramref name="property"/> when it was not declared or is valid; otherwise reports NG0005 with the
    /// value as written and returns the default. NaN is never valid.
    /// </summary>
    public TValue Check<TValue>(string property, TValue value, System.Func<TValue, bool> valid, string allowed)
    {
        if (!_given.TryGetValue(property, out Given? given))
        {
            return value;
        }

        bool isNaN = value is float f && float.IsNaN(f) || value is double d && double.IsNaN(d);
        if (given.Parsed && !isNaN && valid(value))
        {
            return value;
        }

        _diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, _spec.Location, given.Name, _spec.Kind, given.Text, allowed));
        return (TValue)typeof(T).GetProperty(property)!.GetValue(Defaults)!;
    }

    /// <summary>One declared argument: its name and value as written, and whether it parsed.</summary>
    internal sealed record Given(string Name, string Text, bool Parsed);
}
