using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Helpers that print builder calls of <c>DescribeOnnxGraph</c>, one line per ONNX node.</summary>
internal static class Onnx
{
    /// <summary>A C# string literal (tensor names are layer names, dots and slashes: nothing to escape).</summary>
    public static string Q(string text) => "\"" + text + "\"";

    /// <summary><c>g.Node("Op", "output", "in1", …)</c>; inputs that are already expressions (builder calls) start with <c>g.</c>.</summary>
    public static string Node(string op, string output, params string[] inputs)
        => $"g.Node({Q(op)}, {Q(output)}{string.Concat(inputs.Select(i => ", " + (i.StartsWith("g.", System.StringComparison.Ordinal) ? i : Q(i))))})";

    /// <summary><c>.Ints("name", a, b)</c>.</summary>
    public static string Ints(string name, params int[] values) => $".Ints({Q(name)}, {string.Join(", ", values.Select(CodeWriter.Int))})";

    /// <summary><c>.Int("name", v)</c>.</summary>
    public static string Int(string name, int value) => $".Int({Q(name)}, {CodeWriter.Int(value)})";

    /// <summary><c>.Float("name", v)</c>.</summary>
    public static string Float(string name, float value) => $".Float({Q(name)}, {CodeWriter.Float(value)})";

    /// <summary><c>g.Constant("name", v)</c>: a float scalar constant that broadcasts against any tensor.</summary>
    public static string Constant(string name, float value) => $"g.Constant({Q(name)}, {CodeWriter.Float(value)})";

    /// <summary><c>g.Int64s("name", a, b)</c>: a shape or index constant.</summary>
    public static string Int64s(string name, params int[] values) => $"g.Int64s({Q(name)}, {string.Join(", ", values.Select(CodeWriter.Int))})";

    /// <summary><c>g.Parameter("name", dims)</c>: a per-channel tensor as [C, 1, 1] so it broadcasts over [N, C, H, W].</summary>
    public static string PerChannel(string name, Shape input)
        => input.Rank == 3 ? $"g.Parameter({Q(name)}, {CodeWriter.Int(input.Dims[0])}, 1, 1)" : name;

    /// <summary>The target shape of a reshape back to one sample's shape, batch kept (0 copies the input's first dimension).</summary>
    public static int[] BatchAnd(Shape shape) => new[] { 0 }.Concat(shape.Dims).ToArray();

    /// <summary>
    /// Softmax over all features of each sample (as NetGen computes it): one Softmax node on flat inputs; Flatten,
    /// Softmax and Reshape on [C, H, W] inputs (ONNX's Softmax normalizes along one axis).
    /// </summary>
    public static void Softmax(CodeWriter w, string input, string output, Shape shape)
    {
        if (shape.Rank == 1)
        {
            w.Line(Node("Softmax", output, input) + Int("axis", 1) + ";");
            return;
        }

        w.Line(Node("Flatten", output + "/flat", input) + Int("axis", 1) + ";");
        w.Line(Node("Softmax", output + "/softmax", output + "/flat") + Int("axis", 1) + ";");
        w.Line(Node("Reshape", output, output + "/softmax", Int64s(output + "/shape", BatchAnd(shape))) + ";");
    }
}
