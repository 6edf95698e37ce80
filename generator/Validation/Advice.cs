using System.Collections.Generic;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Compile-time advice from the training notes, as warnings and information on valid networks: redundant biases
/// before batch norm, sigmoid hidden activations, Xavier initialization chosen for a layer before an activation whose
/// definition prefers He (the ReLU family, SiLU, GELU), softmax or a bounding
/// activation on the logits of a softmax cross-entropy head, an absurd Gaussian InitStd.
/// </summary>
internal static class Advice
{
    public static void Add(IReadOnlyList<LayerModel> layers, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            LayerModel layer = layers[i];
            LayerModel? next = i + 1 < layers.Count ? layers[i + 1] : null;
            InitModel? init = layer switch
            {
                DenseLayer d => d.Init,
                Conv2DLayer c => c.Init,
                _ => null,
            };
            switch (layer)
            {
                case DenseLayer { HasBias: true } d when next is NormLayer { Norm: NormKind.BatchNorm }:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.BiasBeforeBatchNorm, d.Location, "Dense", d.Units));
                    break;
                case Conv2DLayer { HasBias: true } c when next is NormLayer { Norm: NormKind.BatchNorm }:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.BiasBeforeBatchNorm, c.Location, "Conv2D", c.Filters));
                    break;
                case ActivationLayer { Kind: "Sigmoid" } when next is not LossLayer:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SigmoidHidden, layer.Location));
                    break;
                case SoftmaxLayer when next is LossLayer { Loss: LossKind.SoftmaxCrossEntropy }:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxBeforeCrossEntropy, layer.Location));
                    break;
                case ActivationLayer { Function.LogitRange: { } range } when next is LossLayer { Loss: LossKind.SoftmaxCrossEntropy }:
                    // Only before softmax cross-entropy: before a mean-squared-error head a final activation is often the
                    // point (sigmoid for targets in [0, 1], tanh for [-1, 1], ReLU for counts).
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ActivationBeforeCrossEntropy, layer.Location, layer.Kind, range));
                    break;
            }

            if (init is { Kind: WeightInitKind.Gaussian, Std: > MaxInitStd })
            {
                string he = System.Math.Sqrt(2.0 / System.Math.Max(1, init.FanIn)).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LargeInitStd, layer.Location, init.Std.ToString("R", System.Globalization.CultureInfo.InvariantCulture), layer.Kind, he, init.FanIn));
            }

            if (init is { Reason: "as declared", Kind: WeightInitKind.Xavier or WeightInitKind.XavierUniform })
            {
                string? activation = NextActivation(layers, i);
                if (activation is not null && LayerDefinitions.Find(activation)?.PreferredInit is WeightInitKind.He or WeightInitKind.HeUniform)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.XavierBeforeRelu, layer.Location, layer.Kind, init.Kind, activation));
                }
            }
        }
    }

    /// <summary>Above this, an explicit Gaussian standard deviation is reported (NG0106); He for a single input is 1.41.</summary>
    private const float MaxInitStd = 1f;

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
