using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Element-wise activations: forward <c>y = f(x)</c>, backward <c>dx += dy·f'(x)</c>, both one kernel call.</summary>
internal sealed class ActivationEmitter : ILayerEmitter
{
    public string Describe(LayerModel layer)
    {
        var a = (ActivationLayer)layer;
        return $"{Display(a)} on {a.InputShape}";
    }

    public string ExtraConstants(LayerModel layer) => "";

    public bool HasForward(LayerModel layer) => true;

    public bool HasBackward(LayerModel layer) => !layer.InputIsNetworkInput;

    public void EmitForward(CodeWriter w, LayerModel layer)
    {
        var a = (ActivationLayer)layer;
        w.Summary($"Layer {a.Index} forward ({a.Name}): y = {Formula(a)}.");
        using (w.Block($"private void Layer{a.Index}Forward(int batch)"))
        {
            w.Line($"{Names.Kernels}.{Kernel(a)}.Forward({Extra(a)}{Names.X(a)}, {Names.Y(a)});");
        }
    }

    public void EmitBackward(CodeWriter w, LayerModel layer)
    {
        var a = (ActivationLayer)layer;
        w.Summary($"Layer {a.Index} backward ({a.Name}): dx += dy · {Derivative(a)}.");
        using (w.Block($"private void Layer{a.Index}Backward(int batch)"))
        {
            w.Line($"{Names.Kernels}.{Kernel(a)}.Backward({Extra(a)}");
            w.Line($"    x: {Names.X(a)},");
            w.Line($"    y: {Names.Y(a)},");
            w.Line($"    dy: {Names.DY(a)},");
            w.Line($"    dx: {Names.DX(a)});");
        }
    }

    public void EmitInitialization(CodeWriter w, LayerModel layer)
    {
    }

    public void EmitParameterTensors(CodeWriter w, LayerModel layer)
    {
    }

    /// <summary>ONNX: one node, <c>Relu</c>, <c>LeakyRelu</c> or <c>Elu</c> (with alpha), <c>Sigmoid</c> or <c>Tanh</c>.</summary>
    public string EmitOnnx(CodeWriter w, LayerModel layer, OnnxTensors tensors)
    {
        var a = (ActivationLayer)layer;
        string alpha = a.Activation is ActivationKind.LeakyReLU or ActivationKind.ELU ? Onnx.Float("alpha", a.Alpha) : "";
        string op = a.Activation switch
        {
            ActivationKind.ReLU => "Relu",
            ActivationKind.LeakyReLU => "LeakyRelu",
            ActivationKind.ELU => "Elu",
            ActivationKind.Sigmoid => "Sigmoid",
            _ => "Tanh",
        };
        w.Line(Onnx.Node(op, a.Name, tensors.Input(a)) + alpha + ";");
        return a.Name;
    }

    private static string Display(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.LeakyReLU or ActivationKind.ELU => $"{a.Activation}(alpha {CodeWriter.Float(a.Alpha).TrimEnd('f')})",
        _ => a.Activation.ToString(),
    };

    internal static string Kernel(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "Relu",
        ActivationKind.LeakyReLU => "LeakyRelu",
        ActivationKind.ELU => "Elu",
        ActivationKind.Sigmoid => "Sigmoid",
        _ => "Tanh",
    };

    private static string Extra(ActivationLayer a) => a.Activation is ActivationKind.LeakyReLU or ActivationKind.ELU ? $"alpha: {CodeWriter.Float(a.Alpha)}, " : "";

    private static string Formula(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "max(0, x)",
        ActivationKind.LeakyReLU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·x",
        ActivationKind.ELU => $"x > 0 ? x : {CodeWriter.Float(a.Alpha)}·(eˣ − 1)",
        ActivationKind.Sigmoid => "1 / (1 + e⁻ˣ)",
        _ => "tanh(x)",
    };

    private static string Derivative(ActivationLayer a) => a.Activation switch
    {
        ActivationKind.ReLU => "(x > 0 ? 1 : 0)",
        ActivationKind.LeakyReLU => $"(x > 0 ? 1 : {CodeWriter.Float(a.Alpha)})",
        ActivationKind.ELU => $"(x > 0 ? 1 : y + {CodeWriter.Float(a.Alpha)})",
        ActivationKind.Sigmoid => "y·(1 − y)",
        _ => "(1 − y²)",
    };
}
