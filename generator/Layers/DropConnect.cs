using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[DropConnect(p)]</c>.</summary>
internal sealed class DropConnectArguments
{
    /// <summary>The probability of dropping a weight.</summary>
    public float P { get; set; } = 0.5f;
}

/// <summary>
/// <c>[DropConnect(p)]</c>: no layer of its own; it masks the weights of the dense layer that follows it (that layer's
/// <see cref="LayerDefinition.TakesDropConnect"/>), so the dense layer's model carries p.
/// </summary>
internal sealed class DropConnectDefinition : LayerDefinition<DropConnectArguments>
{
    /// <inheritdoc />
    public override string Name => "DropConnect";

    /// <inheritdoc />
    public override ILayerEmitter? Emitter => null;

    /// <inheritdoc />
    public override bool IsTransparentToInit => true;

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<DropConnectArguments> args, LayerContext context)
    {
        float p = args.Check(nameof(DropConnectArguments.P), args.Values.P, v => v >= 0f && v < 1f, "in [0, 1)");
        b.SetDropConnect(spec, p);
        if (context.IsLast)
        {
            b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, spec.Location, "DropConnect", b.Current.ToString(), "DropConnect masks the weights of the next dense layer, but no layer follows it"));
        }
    }
}
