using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Writes the initialization of a weight tensor and its bias; shared by dense and convolution layers.</summary>
internal static class InitEmitter
{
    public static void Emit(CodeWriter w, LayerModel layer, InitModel init, string weights, bool hasBias, string bias, float biasInit)
    {
        if (hasBias && init.BiasFromScheme)
        {
            // The bias continues the weights' random stream (PyTorch's reset_parameters draws it right after the weights).
            using (w.Block($"// Layer {layer.Index} ({layer.Name}): weights {init.Kind} ({init.Reason}), bias U(±1/√fanIn)."))
            {
                w.Line($"var rng = new global::NetGen.Rng(seed, stream: {layer.Index});");
                w.Line($"global::NetGen.Initializers.Fill(global::NetGen.WeightInit.{init.Kind}, {weights},");
                w.Line($"    fanIn: {init.FanIn}, fanOut: {init.FanOut}, std: {CodeWriter.Float(init.Std)}, value: {CodeWriter.Float(init.Value)}, rng);");
                w.Line($"global::NetGen.Initializers.FillBias(global::NetGen.WeightInit.{init.Kind}, {bias}, fanIn: {init.FanIn}, rng);");
            }

            return;
        }

        w.Line($"// Layer {layer.Index} ({layer.Name}): weights {init.Kind} ({init.Reason}), bias {(hasBias ? CodeWriter.Float(biasInit) : "none")}.");
        w.Line($"global::NetGen.Initializers.Fill(global::NetGen.WeightInit.{init.Kind}, {weights},");
        w.Line($"    fanIn: {init.FanIn}, fanOut: {init.FanOut}, std: {CodeWriter.Float(init.Std)}, value: {CodeWriter.Float(init.Value)}, new global::NetGen.Rng(seed, stream: {layer.Index}));");
        if (hasBias)
        {
            w.Line($"{bias}.Fill({CodeWriter.Float(biasInit)});");
        }
    }
}
