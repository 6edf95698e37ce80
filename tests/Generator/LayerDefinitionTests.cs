using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Tests.Generator;

/// <summary>
/// The generator's layer registry against the runtime attributes: every attribute has a definition, every attribute
/// member binds to a generator argument of the same name (so a rename cannot silently fall back to a default), and
/// every default agrees. Plus the diagnostics table: exhaustive, distinct ids, unknown ids throw.
/// </summary>
public class LayerDefinitionTests
{
    public static TheoryData<string> AttributeNames()
    {
        var data = new TheoryData<string>();
        foreach (Type type in RuntimeLayerAttributes())
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Fact]
    public void Every_runtime_layer_attribute_has_exactly_one_generator_definition()
    {
        string[] runtime = RuntimeLayerAttributes().Select(KindName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        string[] generator = LayerDefinitions.All.Select(d => d.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(runtime, generator);
    }

    [Theory]
    [MemberData(nameof(AttributeNames))]
    public void Runtime_attribute_members_and_defaults_match_the_generator_binding(string attributeName)
    {
        Type attribute = RuntimeLayerAttributes().Single(t => t.Name == attributeName);
        LayerDefinition definition = LayerDefinitions.Find(KindName(attribute))!;
        Assert.NotNull(definition);
        Assert.Empty(Mismatches(attribute, definition.ArgumentsType));
    }

    [Fact]
    public void A_default_that_differs_from_the_generator_is_found()
    {
        // The comparison itself can fail: a dropout attribute whose p defaults to 0.4 disagrees with the generator's 0.5.
        string[] problems = Mismatches(typeof(WrongDefaultDropoutAttribute), typeof(DropoutArguments));
        Assert.Equal(new[] { "constructor parameter p: runtime default 0.4, generator default 0.5" }, problems);
    }

    [Fact]
    public void A_renamed_attribute_member_is_found()
    {
        // Renaming BatchNorm's Momentum to Decay would leave the generator reading a name no one writes.
        string[] problems = Mismatches(typeof(RenamedBatchNormAttribute), typeof(BatchNormArguments));
        Assert.Contains("property Decay: the generator has no argument of that name", problems);
        Assert.Contains("generator argument Momentum: the attribute has no member of that name", problems);
    }

    [Fact]
    public void An_argument_the_generator_does_not_know_is_reported_not_dropped()
    {
        var spec = new LayerSpec(
            "Dropout",
            new EquatableArray<ArgumentSpec>(new[] { new ArgumentSpec("rate", ArgumentKind.Float, "0.3", EquatableArray<string>.Empty) }),
            Location: null);
        var diagnostics = new List<DiagnosticInfo>();

        BoundArguments<DropoutArguments>? bound = ArgumentBinder.Bind<DropoutArguments>(spec, diagnostics);

        Assert.Null(bound);
        DiagnosticInfo d = Assert.Single(diagnostics);
        Assert.Equal("NG0011", d.Id);
        Assert.Contains("'rate'", d.Arguments[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_bind_by_name_ignoring_case_and_absent_ones_keep_their_defaults()
    {
        var spec = new LayerSpec(
            "Conv2D",
            new EquatableArray<ArgumentSpec>(new[]
            {
                new ArgumentSpec("filters", ArgumentKind.Integer, "8", EquatableArray<string>.Empty),
                new ArgumentSpec("kernel", ArgumentKind.Integer, "3", EquatableArray<string>.Empty),
                new ArgumentSpec("Bias", ArgumentKind.Boolean, "false", EquatableArray<string>.Empty),
            }),
            Location: null);

        Conv2DArguments values = ArgumentBinder.Bind<Conv2DArguments>(spec, new List<DiagnosticInfo>())!.Values;

        Assert.Equal((8, 3, 1, 0, false, 0.01f), (values.Filters, values.Kernel, values.Stride, values.Padding, values.Bias, values.InitStd));
    }

    [Fact]
    public void Diagnostics_table_lists_every_descriptor_once_with_distinct_ids()
    {
        DiagnosticDescriptor[] fields = typeof(NetGen.Generator.Diagnostics)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();
        string[] constants = typeof(NetGen.Generator.DiagnosticIds)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToArray();

        Assert.Equal(fields.Length, NetGen.Generator.Diagnostics.All.Count);
        Assert.Equal(fields.Select(d => d.Id).OrderBy(i => i), NetGen.Generator.Diagnostics.All.Select(d => d.Id).OrderBy(i => i));
        Assert.Equal(fields.Length, fields.Select(d => d.Id).Distinct().Count());
        Assert.Equal(fields.Select(d => d.Id).OrderBy(i => i), constants.OrderBy(i => i));
        foreach (DiagnosticDescriptor d in fields)
        {
            Assert.Same(d, NetGen.Generator.Diagnostics.Find(d.Id));
        }
    }

    [Fact]
    public void Looking_up_an_unknown_diagnostic_id_throws_instead_of_dropping_it()
    {
        Assert.Throws<KeyNotFoundException>(() => NetGen.Generator.Diagnostics.Find("NG0998"));
    }

    private static IEnumerable<Type> RuntimeLayerAttributes()
        => typeof(LayerAttribute).Assembly.GetExportedTypes()
            .Where(t => t.IsSubclassOf(typeof(LayerAttribute)) && !t.IsAbstract)
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    private static string KindName(Type attribute) => attribute.Name.Substring(0, attribute.Name.Length - "Attribute".Length);

    /// <summary>
    /// Every disagreement between a runtime attribute and the generator's arguments class: members without a binding
    /// either way, and constructor-parameter or property defaults that differ.
    /// </summary>
    private static string[] Mismatches(Type attribute, Type arguments)
    {
        var problems = new List<string>();
        object generatorDefaults = Activator.CreateInstance(arguments)!;
        var bound = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach (ParameterInfo parameter in attribute.GetConstructors().SelectMany(c => c.GetParameters()))
        {
            PropertyInfo? property = ArgumentBinder.Property(arguments, parameter.Name!);
            if (property is null)
            {
                problems.Add($"constructor parameter {parameter.Name}: the generator has no argument of that name");
                continue;
            }

            bound.Add(property.Name);
            if (parameter.HasDefaultValue && !SameValue(parameter.DefaultValue, property.GetValue(generatorDefaults)))
            {
                problems.Add($"constructor parameter {parameter.Name}: runtime default {Text(parameter.DefaultValue)}, generator default {Text(property.GetValue(generatorDefaults))}");
            }
        }

        object instance = MinimalInstance(attribute);
        foreach (PropertyInfo runtimeProperty in attribute.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.DeclaringType != typeof(Attribute)))
        {
            PropertyInfo? property = ArgumentBinder.Property(arguments, runtimeProperty.Name);
            if (property is null)
            {
                problems.Add($"property {runtimeProperty.Name}: the generator has no argument of that name");
                continue;
            }

            bound.Add(property.Name);
            if (!SameValue(runtimeProperty.GetValue(instance), property.GetValue(generatorDefaults)))
            {
                problems.Add($"property {runtimeProperty.Name}: runtime default {Text(runtimeProperty.GetValue(instance))}, generator default {Text(property.GetValue(generatorDefaults))}");
            }
        }

        foreach (PropertyInfo property in arguments.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && !bound.Contains(p.Name)))
        {
            problems.Add($"generator argument {property.Name}: the attribute has no member of that name");
        }

        return problems.ToArray();
    }

    /// <summary>The attribute built by its shortest constructor, required arguments filled with placeholder values.</summary>
    private static object MinimalInstance(Type attribute)
    {
        ConstructorInfo constructor = attribute.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        object?[] values = constructor.GetParameters().Select(p => p.HasDefaultValue ? p.DefaultValue : Placeholder(p.ParameterType)).ToArray();
        return constructor.Invoke(values);
    }

    private static object Placeholder(Type type) => type switch
    {
        _ when type == typeof(int) => 2,
        _ when type == typeof(float) => 0.5f,
        _ when type == typeof(double) => 1.5,
        _ when type == typeof(Type) => typeof(object),
        _ when type == typeof(int[]) => new[] { 1 },
        _ => throw new NotSupportedException("No placeholder for " + type),
    };

    private static bool SameValue(object? runtime, object? generator) => (runtime, generator) switch
    {
        (null, null) => true,
        (bool a, bool b) => a == b,
        (Enum a, Enum b) => Convert.ToInt64(a, CultureInfo.InvariantCulture) == Convert.ToInt64(b, CultureInfo.InvariantCulture),
        (float a, float b) => a.Equals(b),
        (double a, double b) => a.Equals(b),
        (int a, int b) => a == b,
        _ => Equals(runtime, generator),
    };

    private static string Text(object? value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString() ?? "null";

    /// <summary>A dropout attribute whose default disagrees with the generator's (for the comparison's own test).</summary>
    [AttributeUsage(AttributeTargets.Class)]
    private sealed class WrongDefaultDropoutAttribute : Attribute
    {
        public WrongDefaultDropoutAttribute(float p = 0.4f) => P = p;

        public float P { get; }
    }

    /// <summary>A batch-norm attribute whose Momentum was renamed (for the comparison's own test).</summary>
    [AttributeUsage(AttributeTargets.Class)]
    private sealed class RenamedBatchNormAttribute : Attribute
    {
        public float Decay { get; set; } = 0.1f;

        public float Epsilon { get; set; } = 1e-5f;
    }
}
