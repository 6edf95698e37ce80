using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;

namespace NetGen.Generator.Layers;

/// <summary>
/// The registry: every layer kind the generator knows, by attribute name, and each layer model's emitter. Adding a
/// layer kind adds one line here.
/// </summary>
internal static class LayerDefinitions
{
    /// <summary>Every kind, one per layer attribute.</summary>
    public static readonly IReadOnlyList<LayerDefinition> All = new LayerDefinition[]
    {
        new InputDefinition(),
        new DenseDefinition(),
        new DropConnectDefinition(),
        new Conv2DDefinition(),
        new MaxPool2DDefinition(),
        new AvgPool2DDefinition(),
        new FractionalMaxPool2DDefinition(),
        new GlobalAvgPool2DDefinition(),
        new FlattenDefinition(),
        new BatchNormDefinition(),
        new LayerNormDefinition(),
        new InstanceNormDefinition(),
        new GroupNormDefinition(),
        new DropoutDefinition(),
        new SigmoidDefinition(),
        new TanhDefinition(),
        new ReluDefinition(),
        new LeakyReluDefinition(),
        new EluDefinition(),
        new SiluDefinition(),
        new GeluDefinition(),
        new PReluDefinition(),
        new RReluDefinition(),
        new MaxoutDefinition(),
        new SoftmaxDefinition(),
        new ResidualDefinition(),
        new SoftmaxCrossEntropyDefinition(),
        new MeanSquaredErrorDefinition(),
    };

    private static readonly Dictionary<string, LayerDefinition> ByName = All.ToDictionary(k => k.Name);

    private static readonly Dictionary<System.Type, ILayerEmitter> ByModel = All
        .Select(k => k.Emitter)
        .OfType<ILayerEmitter>()
        .Distinct()
        .ToDictionary(e => e.ModelType);

    /// <summary>The kind of an attribute name (without the suffix), or null for one this generator does not know.</summary>
    public static LayerDefinition? Find(string name) => ByName.TryGetValue(name, out LayerDefinition? kind) ? kind : null;

    /// <summary>The emitter of a layer model; every model a kind builds has one.</summary>
    public static ILayerEmitter EmitterFor(LayerModel layer)
        => ByModel.TryGetValue(layer.GetType(), out ILayerEmitter? emitter)
            ? emitter
            : throw new System.InvalidOperationException("No emitter for " + layer.GetType().Name);
}
