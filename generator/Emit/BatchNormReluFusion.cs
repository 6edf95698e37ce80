using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// A batch norm whose output only a ReLU reads runs with it as one kernel: the batch norm's forward writes both
/// outputs in one pass, and its backward takes the ReLU's output gradient, forming the ReLU's mask from x (the batch
/// norm's output recomputed bit for bit) instead of reading and writing the gradient in between. Every layer output
/// is still written; the ReLU's own calls remain for the folded inference path, where the batch norm does not run.
/// </summary>
internal static class BatchNormReluFusion
{
    /// <summary>Sets <see cref="NormLayer.FusedRelu"/> on every batch norm that a ReLU alone follows.</summary>
    public static NetworkModel Mark(NetworkModel model)
    {
        var layers = model.Layers.ToArray();
        bool changed = false;
        for (int i = 0; i + 1 < layers.Length; i++)
        {
            if (layers[i] is NormLayer { Norm: NormKind.BatchNorm, FusedRelu: < 0 } norm
                && layers[i + 1] is ActivationLayer { Function.KernelClass: "Relu" } relu
                && relu.InputBuffer == norm.OutputBuffer
                && model.Layers.All(l => ReferenceEquals(l, relu)
                    || (l.InputBuffer != norm.OutputBuffer && !(l is ResidualAddLayer r && r.SkipBuffer == norm.OutputBuffer))))
            {
                layers[i] = norm with { FusedRelu = relu.Index };
                changed = true;
            }
        }

        return changed ? model with { Layers = layers.ToEquatableArray() } : model;
    }

    /// <summary>The batch norm that runs <paramref name="layer"/> (a ReLU) inside its own kernels, or null.</summary>
    public static NormLayer? FusedInto(NetworkModel model, LayerModel layer) =>
        layer is ActivationLayer && layer.Index > 0 && model.Layers[layer.Index - 1] is NormLayer n && n.FusedRelu == layer.Index ? n : null;
}
