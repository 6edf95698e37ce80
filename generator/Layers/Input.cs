using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Layers;

/// <summary>The arguments of <c>[Input(params int[] shape)]</c>.</summary>
internal sealed class InputArguments
{
    /// <summary>The shape of one sample: [features] or [channels, height, width].</summary>
    public int[] Shape { get; set; } = new int[0];
}

/// <summary><c>[Input(shape)]</c>: not a layer but the network's input shape, which must come first, once.</summary>
internal sealed class InputDefinition : LayerDefinition<InputArguments>
{
    /// <inheritdoc />
    public override string Name => "Input";

    /// <inheritdoc />
    public override ILayerEmitter? Emitter => null;

    /// <inheritdoc />
    public override bool IsInput => true;

    /// <summary>The input shape an <c>[Input]</c> declares; each bad dimension becomes NG0004 (and counts as 1).</summary>
    public static Shape ParseShape(LayerSpec input, List<DiagnosticInfo> diagnostics)
    {
        var dims = new List<int>();
        foreach (ArgumentSpec arg in input.Arguments)
        {
            IEnumerable<string> values = arg.Kind == ArgumentKind.Array ? arg.Values : new[] { arg.Value };
            foreach (string v in values)
            {
                int d = int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : 0;
                if (d <= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidInputDimension, input.Location, dims.Count + 1, v));
                    d = 1;
                }

                dims.Add(d);
            }
        }

        if (dims.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidInputDimension, input.Location, 1, "missing"));
            return Shape.Of(1);
        }

        if (dims.Count is not (1 or 3))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, input.Location, "shape", "Input", string.Join(", ", dims), "one dimension (features) or three (channels, height, width)"));
            return Shape.Of(dims.Aggregate(1, (a, b) => checked(a * b)));
        }

        return Shape.Of(dims.ToArray());
    }

    /// <inheritdoc />
    protected override void Build(NetworkBuilder b, LayerSpec spec, BoundArguments<InputArguments> args, LayerContext context)
    {
        // The validator takes the input shape before building; an [Input] reaching the builder is out of place.
        b.Diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, spec.Location, spec.Kind, b.Current.ToString(), "this layer kind is not supported by this version of the generator"));
    }
}
