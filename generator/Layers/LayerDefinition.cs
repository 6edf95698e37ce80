using System.Collections.Generic;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>
/// Everything the generator knows about one layer attribute: its name, how its arguments bind, its shape rule and
/// diagnostics (<see cref="Build"/>), and the emitter that prints the layer. Each kind lives in one file under
/// <c>Layers/</c> and is listed once in <see cref="LayerDefinitions"/>.
/// </summary>
internal abstract class LayerDefinition
{
    /// <summary>The attribute's name without the <c>Attribute</c> suffix, e.g. <c>Dense</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The type the attribute's arguments bind to; its property initial values are the attribute's defaults.</summary>
    public abstract System.Type ArgumentsType { get; }

    /// <summary>The emitter of the layer model this kind builds (null for kinds that build no layer of their own).</summary>
    public abstract ILayerEmitter? Emitter { get; }

    /// <summary>Whether this is the network's <c>[Input]</c> declaration rather than a layer.</summary>
    public virtual bool IsInput => false;

    /// <summary>Whether this is a loss head (it must come last).</summary>
    public virtual bool IsLossHead => false;

    /// <summary>
    /// The weight initialization an automatic <c>Init</c> picks when this layer follows a weight layer (He for the
    /// ReLU family, Xavier for saturating activations), or null when the kind expresses no preference.
    /// </summary>
    public virtual WeightInitKind? PreferredInit => null;

    /// <summary>Whether the search for the activation after a weight layer looks past this layer (normalizations, dropout).</summary>
    public virtual bool IsTransparentToInit => false;

    /// <summary>Whether a pending <c>[DropConnect]</c> applies to this layer (only dense layers take it).</summary>
    public virtual bool TakesDropConnect => false;

    /// <summary>Applies the shape rule: checks the arguments, reports problems and appends the layer to the builder.</summary>
    public abstract void Build(NetworkBuilder builder, LayerSpec spec, LayerContext context);
}

/// <summary>A layer kind whose attribute arguments bind to <typeparamref name="TArguments"/> (names and defaults defined once there).</summary>
internal abstract class LayerDefinition<TArguments> : LayerDefinition
    where TArguments : class, new()
{
    /// <inheritdoc />
    public override System.Type ArgumentsType => typeof(TArguments);

    /// <summary>The arguments as declared; absent ones keep <typeparamref name="TArguments"/>'s defaults.</summary>
    public sealed override void Build(NetworkBuilder builder, LayerSpec spec, LayerContext context)
    {
        var arguments = ArgumentBinder.Bind<TArguments>(spec, builder.Diagnostics, builder.Current.ToString());
        if (arguments is not null)
        {
            Build(builder, spec, arguments, context);
        }
    }

    /// <summary>The shape rule with bound arguments.</summary>
    protected abstract void Build(NetworkBuilder builder, LayerSpec spec, BoundArguments<TArguments> arguments, LayerContext context);
}

/// <summary>Where a layer sits among its siblings: what follows it matters to weight init and DropConnect.</summary>
/// <param name="Specs">The layers of the network (or block) being built.</param>
/// <param name="Index">The layer's index in <paramref name="Specs"/>.</param>
/// <param name="Prefix">The name prefix of the enclosing residual block, or empty.</param>
internal readonly record struct LayerContext(IReadOnlyList<LayerSpec> Specs, int Index, string Prefix)
{
    /// <summary>Whether the layer is the last of its list.</summary>
    public bool IsLast => Index == Specs.Count - 1;

    /// <summary>The first layer after this one that <see cref="LayerDefinition.IsTransparentToInit"/> does not skip (its kind name), or null.</summary>
    public string? NextActivation()
    {
        for (int j = Index + 1; j < Specs.Count; j++)
        {
            if (LayerDefinitions.Find(Specs[j].Kind) is not { IsTransparentToInit: true })
            {
                return Specs[j].Kind;
            }
        }

        return null;
    }
}
