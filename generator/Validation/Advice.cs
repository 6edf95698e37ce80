using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Compile-time advice from the training notes, as warnings and information on valid networks: redundant biases
/// before batch norm, sigmoid hidden activations, Xavier initialization chosen for a ReLU layer.
/// </summary>
internal static class Advice
{
    private static readonly HashSet<string> ReluFamily = new() { "ReLU", "LeakyReLU", "ELU", "PReLU", "RReLU" };

    public static void Add(IReadOnlyList<LayerModel> layers, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            LayerModel layer = layers[i];
            LayerModel? next = i + 1 < layers.Count ? layers[i + 1] : null;
            switch (layer)
            {
                case DenseLayer { HasBias: true } d when next is NormLayer { Norm: NormKind.BatchNorm }:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.BiasBeforeBatchNorm, d.Location, "Dense", d.Units));
                    break;
                case Conv2DLayer { HasBias: true } c when next is NormLayer { Norm: NormKind.BatchNorm }:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.BiasBeforeBatchNorm, c.Location, "Conv2D", c.Filters));
                    break;
                case ActivationLayer { Activation: ActivationKind.Sigmoid } when next is not LossLayer:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SigmoidHidden, layer.Location));
                    break;
            }

            InitModel? init = layer switch
            {
                DenseLayer d => d.Init,
                Conv2DLayer c => c.Init,
                _ => null,
            };
            if (init is { Reason: "as declared", Kind: WeightInitKind.Xavier or WeightInitKind.XavierUniform })
            {
                string? activation = NextActivation(layers, i);
                if (activation is not null && ReluFamily.Contains(activation))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.XavierBeforeRelu, layer.Location, layer.Kind, init.Kind, activation));
                }
            }
        }
    }

    private static string? NextActivation(IReadOnlyList<LayerModel> layers, int index)
    {
        for (int j = index + 1; j < layers.Count; j++)
        {
            if (layers[j] is not (NormLayer or DropoutLayer or FlattenLayer))
            {
                return layers[j].Kind;
            }
        }

        return null;
    }
}
