using System;
using NetGen.Optimizers;

namespace NetGen.Transfer;

/// <summary>
/// A named set of parameter tensors that a <see cref="ParameterGroupOptimizer"/> updates together: with its own
/// optimizer instance, a learning-rate multiplier, or not at all (frozen). A tensor belongs to the first group whose
/// <see cref="Selector"/> accepts it.
/// </summary>
public sealed record ParameterGroup
{
    /// <summary>Creates a group of the tensors <paramref name="selector"/> accepts.</summary>
    /// <param name="name">The group's name (unique, without '/'); checkpoints name the group's optimizer buffers after it.</param>
    /// <param name="selector">Decides which tensors belong to the group.</param>
    public ParameterGroup(string name, Func<ParameterTensor, bool> selector)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(selector);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The group name '{name}' cannot contain '/'.", nameof(name));
        }

        Name = name;
        Selector = selector;
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>Decides which tensors belong to the group.</summary>
    public Func<ParameterTensor, bool> Selector { get; }

    /// <summary>Creates this group's optimizer, or null to use the <see cref="ParameterGroupOptimizer"/>'s default factory.</summary>
    public Func<IOptimizer>? Optimizer { get; init; }

    /// <summary>The group's learning rate as a multiple of the group optimizer's <see cref="ParameterGroupOptimizer.LearningRate"/>; zero or more.</summary>
    public float LearningRateMultiplier
    {
        get => _multiplier;
        init => _multiplier = float.IsFinite(value) && value >= 0f
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRateMultiplier), value, "The learning-rate multiplier must be finite and zero or more.");
    }

    private readonly float _multiplier = 1f;

    /// <summary>Whether the group is frozen: its parameters get no update at all (no step, no weight decay, no state).</summary>
    public bool Frozen { get; init; }

    /// <summary>A group of the tensors of the layers whose names start with one of <paramref name="layerPrefixes"/> (<c>dense0</c> matches <c>dense0.weight</c>, <c>res0</c> matches <c>res0.conv3.weight</c>).</summary>
    /// <param name="name">The group's name.</param>
    /// <param name="layerPrefixes">Layer names or name prefixes ending at a '.' boundary.</param>
    public static ParameterGroup ForLayers(string name, params string[] layerPrefixes)
    {
        ArgumentNullException.ThrowIfNull(layerPrefixes);
        string[] prefixes = (string[])layerPrefixes.Clone();
        return new ParameterGroup(name, tensor => MatchesAny(tensor.Name, prefixes));
    }

    /// <summary>A frozen group of the tensors of the layers named by <paramref name="layerPrefixes"/>.</summary>
    /// <param name="layerPrefixes">Layer names or name prefixes ending at a '.' boundary.</param>
    public static ParameterGroup Freeze(params string[] layerPrefixes)
    {
        ArgumentNullException.ThrowIfNull(layerPrefixes);
        string[] prefixes = (string[])layerPrefixes.Clone();
        return new ParameterGroup("frozen", tensor => MatchesAny(tensor.Name, prefixes)) { Frozen = true };
    }

    /// <summary>Whether the tensor name <paramref name="name"/> lies under the layer prefix <paramref name="prefix"/>.</summary>
    /// <param name="name">A tensor name such as <c>dense0.weight</c>.</param>
    /// <param name="prefix">A layer name or prefix such as <c>dense0</c> or <c>res0</c>.</param>
    public static bool IsUnder(string name, string prefix)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(prefix);
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && (name.Length == prefix.Length || name[prefix.Length] == '.' || prefix.EndsWith('.'));
    }

    private static bool MatchesAny(string name, string[] prefixes)
    {
        foreach (string prefix in prefixes)
        {
            if (IsUnder(name, prefix))
            {
                return true;
            }
        }

        return false;
    }
}
