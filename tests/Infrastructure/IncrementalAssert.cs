using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NetGen.Generator;
using NetGen.Generator.Layers;

namespace NetGen.Tests.Infrastructure;

/// <summary>Assertions about the generator's incremental pipeline: which steps re-ran, and what their outputs hold.</summary>
public static class IncrementalAssert
{
    /// <summary>The names of NetGen's tracked steps, read from <see cref="TrackingNames"/> so a new step is covered automatically.</summary>
    public static IReadOnlyList<string> TrackingNamesOfNetGen { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>NetGen's tracked steps of the run, by name; fails if one is missing (the test would prove nothing).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<IncrementalGeneratorRunStep>> Steps(GeneratorRun run)
    {
        var steps = new Dictionary<string, IReadOnlyList<IncrementalGeneratorRunStep>>();
        foreach (string name in TrackingNamesOfNetGen)
        {
            Assert.True(run.Result.TrackedSteps.TryGetValue(name, out var found), $"Tracked step '{name}' did not run.");
            steps[name] = found;
        }

        return steps;
    }

    /// <summary>Every output of every NetGen tracked step was Cached or Unchanged: nothing was recomputed into a new value.</summary>
    public static void AllCachedOrUnchanged(GeneratorRun run)
    {
        foreach ((string name, IReadOnlyList<IncrementalGeneratorRunStep> steps) in Steps(run))
        {
            var outputs = steps.SelectMany(s => s.Outputs).ToList();
            Assert.True(outputs.Count > 0, $"Tracked step '{name}' has no outputs.");
            foreach ((object value, IncrementalStepRunReason reason) in outputs)
            {
                Assert.True(
                    reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"Step '{name}' output {value} was {reason}; expected Cached or Unchanged.");
            }
        }
    }

    /// <summary>
    /// Walks every output of every NetGen tracked step by reflection (fields of any visibility, recursively, array and
    /// collection elements included) and fails on any Roslyn object that would keep a compilation alive and stop caching.
    /// </summary>
    public static void NoRoslynObjectsInStepOutputs(GeneratorRun run)
    {
        foreach ((string name, IReadOnlyList<IncrementalGeneratorRunStep> steps) in Steps(run))
        {
            int i = 0;
            foreach ((object value, _) in steps.SelectMany(s => s.Outputs))
            {
                NoRoslynObjects(value, $"{name}[{i++}]");
            }
        }
    }

    /// <summary>Fails if <paramref name="root"/> reaches a Compilation, ISymbol, SyntaxNode, SyntaxTree, Location or SemanticModel.</summary>
    public static void NoRoslynObjects(object? root, string path = "value")
        => Walk(root, path, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static readonly Type[] Banned =
    [
        typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(SemanticModel),
    ];

    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null)
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(IsBanned(type), $"{path} holds a {type.FullName}: pipeline models must hold plain values only.");
        if (type.IsPrimitive || type.IsEnum || value is string or decimal || (!type.IsValueType && !visited.Add(value)))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                Walk(item, $"{path}[{i++}]", visited);
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                // The declared type too: a null field of type Location would hold one as soon as it is set.
                Assert.False(IsBanned(field.FieldType), $"{path}.{field.Name} is declared as {field.FieldType}: pipeline models must hold plain values only.");
                Walk(field.GetValue(value), $"{path}.{field.Name}", visited);
            }
        }
    }

    private static bool IsBanned(Type type)
    {
        if (Banned.Any(b => b.IsAssignableFrom(type)))
        {
            return true;
        }

        if (type.HasElementType && IsBanned(type.GetElementType()!))
        {
            return true;
        }

        return type.IsGenericType && type.GetGenericArguments().Any(IsBanned);
    }
}
