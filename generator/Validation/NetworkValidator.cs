using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Infers the shape after every layer, lays out the flat parameter buffer, the state buffers and the activation
/// arena, resolves defaults (weight init by the following activation), inlines residual blocks, and reports every
/// problem as an NG diagnostic on the offending attribute. Never throws on user input.
/// </summary>
internal static class NetworkValidator
{
    public static ValidationResult Validate(NetworkSpec spec)
    {
        try
        {
            return ValidateCore(spec);
        }
        catch (System.OverflowException)
        {
            // A size beyond int: say so instead of laying out a wrong network (all size arithmetic is checked).
            var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics) { DiagnosticInfo.Create(Diagnostics.TooLarge, spec.Location, spec.ClassName) };
            return new ValidationResult(null, diagnostics.ToEquatableArray());
        }
    }

    private static ValidationResult ValidateCore(NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        if (spec.IsRedundantPart)
        {
            return new ValidationResult(null, diagnostics.ToEquatableArray()); // the first [Network] part generates the class
        }

        // Count before inlining anything: the count multiplies through nested blocks without expanding them.
        long inlined = Parsing.NetworkParser.InlinedLayerCount(spec.Layers);
        if (inlined > Parsing.NetworkParser.MaxInlinedLayers)
        {
            string count = inlined == long.MaxValue ? "more than " + long.MaxValue.ToString("N0", CultureInfo.InvariantCulture) : inlined.ToString("N0", CultureInfo.InvariantCulture);
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.TooManyInlinedLayers, spec.Location, spec.ClassName, count, Parsing.NetworkParser.MaxInlinedLayers.ToString("N0", CultureInfo.InvariantCulture)));
            return new ValidationResult(null, diagnostics.ToEquatableArray());
        }

        if (ContainsBroken(spec.Layers))
        {
            // The compiler reports the attribute it could not bind; any shape we inferred without it would mislead.
            return new ValidationResult(null, diagnostics.ToEquatableArray());
        }

        IReadOnlyList<LayerSpec> specs = spec.Layers;

        int inputIndex = -1;
        for (int i = 0; i < specs.Count; i++)
        {
            if (LayerDefinitions.Find(specs[i].Kind) is { IsInput: true })
            {
                if (i != 0 || inputIndex >= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InputNotFirst, specs[i].Location, i + 1, spec.ClassName));
                }

                inputIndex = inputIndex < 0 ? i : inputIndex;
            }
        }

        if (inputIndex < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingInput, spec.Location, spec.ClassName));
            return new ValidationResult(null, diagnostics.ToEquatableArray());
        }

        Shape inputShape = InputDefinition.ParseShape(specs[inputIndex], diagnostics);
        var builder = new NetworkBuilder(inputShape, diagnostics);
        List<LayerSpec> body = specs.Where(s => LayerDefinitions.Find(s.Kind) is not { IsInput: true }).ToList();
        for (int i = 0; i < body.Count; i++)
        {
            if (IsLossHead(body[i]) && i != body.Count - 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LossHeadNotLast, body[i].Location, body[i].Kind, body.Count - 1 - i));
            }
        }

        builder.AddLayers(body, prefix: "", inBlock: false);
        if (!body.Any(IsLossHead))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLossHead, spec.Location, spec.ClassName));
        }

        Advice.Add(builder.Layers, diagnostics);
        bool hasErrors = diagnostics.Any(d => Diagnostics.Find(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        NetworkModel? network = hasErrors || builder.Layers.Count == 0 ? null : new NetworkModel(
            spec.Namespace,
            spec.ClassName,
            spec.ContainingTypes,
            inputShape,
            builder.Layers.ToEquatableArray(),
            builder.ParameterOffset,
            builder.Arena,
            builder.BufferOffset,
            builder.Scratch,
            builder.CurrentBuffer,
            string.Join(" ", specs.Select(Describe))) { IsAbstract = spec.IsAbstract };
        return new ValidationResult(network, diagnostics.ToEquatableArray());
    }

    private static bool IsLossHead(LayerSpec spec) => LayerDefinitions.Find(spec.Kind) is { IsLossHead: true };

    private static bool ContainsBroken(IEnumerable<LayerSpec> layers)
        => layers.Any(l => l.Kind == Parsing.NetworkParser.BrokenKind || (l.Block is { } b && ContainsBroken(b.Layers)));

    internal static string Describe(LayerSpec layer)
    {
        if (layer.Source.Length > 0)
        {
            return $"[{layer.Source}]";
        }

        IEnumerable<string> args = layer.Arguments.Select(a => a.Kind switch
        {
            ArgumentKind.Array => string.Join(", ", a.Values),
            ArgumentKind.Type => $"typeof({a.Value.Split('.').Last()})",
            _ => a.Value,
        });
        string joined = string.Join(", ", args);
        return joined.Length == 0 ? $"[{layer.Kind}]" : $"[{layer.Kind}({joined})]";
    }
}
