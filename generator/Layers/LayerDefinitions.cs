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
        new ElementwiseActivationDefinition(
            "Sigmoid", kernel: "Sigmoid", formula: "1 / (1 + e⁻ˣ)", derivative: "y·(1 − y)", WeightInitKind.Xavier, onnx: "Sigmoid", fusedPair: true,
            logitRange: "to (0, 1), so class probabilities differ by at most a factor e"),
        new ElementwiseActivationDefinition(
            "Tanh", kernel: "Tanh", formula: "tanh(x)", derivative: "(1 − y²)", WeightInitKind.Xavier, onnx: "Tanh", fusedPair: true,
            logitRange: "to (-1, 1), so class probabilities differ by at most a factor e²"),
        new ElementwiseActivationDefinition(
            "ReLU", kernel: "Relu", formula: "max(0, x)", derivative: "(x > 0 ? 1 : 0)", WeightInitKind.He, onnx: "Relu", fusedPair: true,
            logitRange: "every negative logit becomes 0"),
        new ElementwiseActivationDefinition(
            "SiLU", kernel: "Silu", formula: "x·σ(x)", derivative: "σ(x)·(1 + x·(1 − σ(x)))", WeightInitKind.He, onnx: "", fusedPair: true,
            logitRange: "no logit can go below -0.28", onnxGraph: OnnxActivationGraph.XTimesSigmoid),
        new LeakyReluDefinition(),
        new EluDefinition(),
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
