using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Infers the shape after every layer, lays out the flat parameter buffer and the activation arena, resolves
/// defaults (weight init by the following activation), and reports every problem as an NG diagnostic on the
/// offending attribute. Never throws on user input.
/// </summary>
internal static class NetworkValidator
{
    public static ValidationResult Validate(NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        var layers = new List<LayerModel>();
        IReadOnlyList<LayerSpec> specs = spec.Layers;

        int inputIndex = -1;
        for (int i = 0; i < specs.Count; i++)
        {
            if (specs[i].Kind == "Input")
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

        int reportedBeforeInput = diagnostics.Count;
        Shape inputShape = ParseInputShape(specs[inputIndex], diagnostics);

        // After an invalid size the shapes are placeholders: checks that depend on them would only add noise.
        bool shapesAreGuesses = diagnostics.Count > reportedBeforeInput;
        Shape current = inputShape;
        int parameterOffset = 0;
        int arena = current.Size; // the input buffer sits at offset 0
        int currentBuffer = 0;
        bool currentIsInput = true;
        bool sawLoss = false;

        var body = specs.Where((s, i) => i != inputIndex && s.Kind != "Input").ToList();
        for (int i = 0; i < body.Count; i++)
        {
            LayerSpec layer = body[i];
            var args = new Arguments(layer, diagnostics);
            LayerModel? model;
            switch (layer.Kind)
            {
                case "Dense":
                {
                    int units = args.Int("units", 0, v => v > 0, "a positive number of units");
                    int inputs = current.Size;
                    var init = (WeightInitKind)args.Int("Init", 0, v => v >= 0 && v <= (int)WeightInitKind.Constant, "a WeightInit value");
                    float std = args.Float("InitStd", 0.01f, v => v > 0 && !float.IsInfinity(v), "a positive, finite standard deviation");
                    float value = args.Float("InitValue", 0f, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
                    bool hasBias = args.Bool("Bias", true);
                    float biasInit = args.Float("BiasInit", 0f, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
                    string reason = "as declared";
                    if (init == WeightInitKind.Auto)
                    {
                        string? next = i + 1 < body.Count ? body[i + 1].Kind : null;
                        (init, reason) = next switch
                        {
                            "ReLU" or "LeakyReLU" or "ELU" => (WeightInitKind.He, $"He, chosen because {next} follows"),
                            "Tanh" or "Sigmoid" => (WeightInitKind.Xavier, $"Xavier, chosen because {next} follows"),
                            _ => (WeightInitKind.Xavier, "Xavier, the default when no activation follows"),
                        };
                    }

                    shapesAreGuesses |= units <= 0;
                    units = units > 0 ? units : 1;
                    int weights = units * inputs;
                    int weightOffset = parameterOffset;
                    int biasOffset = weightOffset + weights;
                    int count = weights + (hasBias ? units : 0);
                    parameterOffset += count;
                    model = new DenseLayer(units, init, reason, std, value, hasBias, biasInit, weightOffset, biasOffset)
                    {
                        Kind = "Dense",
                        Name = "dense" + layers.Count,
                        OutputShape = Shape.Of(units),
                        ParameterCount = count,
                    };
                    break;
                }

                case "Sigmoid":
                case "Tanh":
                case "ReLU":
                    model = new ActivationLayer((ActivationKind)System.Enum.Parse(typeof(ActivationKind), layer.Kind), 0f)
                    {
                        Kind = layer.Kind, Name = layer.Kind.ToLowerInvariant() + layers.Count, OutputShape = current,
                    };
                    break;

                case "LeakyReLU":
                {
                    float alpha = args.Float("alpha", 0.01f, v => v >= 0f && v < 1f, "in [0, 1)");
                    model = new ActivationLayer(ActivationKind.LeakyReLU, alpha) { Kind = layer.Kind, Name = "leakyrelu" + layers.Count, OutputShape = current };
                    break;
                }

                case "ELU":
                {
                    float alpha = args.Float("alpha", 1f, v => v > 0f && !float.IsInfinity(v), "positive and finite");
                    model = new ActivationLayer(ActivationKind.ELU, alpha) { Kind = layer.Kind, Name = "elu" + layers.Count, OutputShape = current };
                    break;
                }

                case "SoftmaxCrossEntropy":
                case "MeanSquaredError":
                {
                    if (i != body.Count - 1)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LossHeadNotLast, layer.Location, layer.Kind, body.Count - 1 - i));
                    }

                    var loss = layer.Kind == "SoftmaxCrossEntropy" ? LossKind.SoftmaxCrossEntropy : LossKind.MeanSquaredError;
                    if (loss == LossKind.SoftmaxCrossEntropy && current.Size < 2 && !shapesAreGuesses)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxTooFewClasses, layer.Location, current.Size));
                    }

                    sawLoss = true;
                    model = new LossLayer(loss) { Kind = layer.Kind, Name = loss == LossKind.SoftmaxCrossEntropy ? "softmax" : "mse", OutputShape = current };
                    break;
                }

                default:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, layer.Location, layer.Kind, current.ToString(), "this layer kind is not supported by this version of the generator"));
                    continue;
            }

            // Lay out the arena: every layer gets its own output buffer, except the mean-squared-error head, whose
            // output is its input.
            int outputBuffer = model is LossLayer { Loss: LossKind.MeanSquaredError } ? currentBuffer : arena;
            if (outputBuffer == arena)
            {
                arena += model.OutputShape.Size;
            }

            model = model with
            {
                Index = layers.Count,
                InputShape = current,
                InputBuffer = currentBuffer,
                OutputBuffer = outputBuffer,
                InputIsNetworkInput = currentIsInput,
                Location = layer.Location,
            };
            layers.Add(model);
            current = model.OutputShape;
            currentBuffer = outputBuffer;
            currentIsInput = false;
        }

        if (!sawLoss)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLossHead, spec.Location, spec.ClassName));
        }

        bool hasErrors = diagnostics.Count > 0;
        NetworkModel? network = hasErrors || layers.Count == 0 ? null : new NetworkModel(
            spec.Namespace,
            spec.ClassName,
            spec.ContainingTypes,
            inputShape,
            layers.ToEquatableArray(),
            parameterOffset,
            arena,
            currentBuffer,
            string.Join(" ", specs.Select(Describe)));
        return new ValidationResult(network, diagnostics.ToEquatableArray());
    }

    private static Shape ParseInputShape(LayerSpec input, List<DiagnosticInfo> diagnostics)
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
            dims.Add(1);
        }

        return Shape.Of(dims.ToArray());
    }

    private static string Describe(LayerSpec layer)
    {
        if (layer.Source.Length > 0)
        {
            return $"[{layer.Source}]";
        }

        IEnumerable<string> args = layer.Arguments.Select(a => a.Kind == ArgumentKind.Array ? string.Join(", ", a.Values) : a.Value);
        string joined = string.Join(", ", args);
        return joined.Length == 0 ? $"[{layer.Kind}]" : $"[{layer.Kind}({joined})]";
    }

    /// <summary>Typed access to a layer's arguments; a bad value becomes an NG0005 diagnostic and the default is used.</summary>
    private readonly struct Arguments(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        public int Int(string name, int fallback, System.Func<int, bool> valid, string allowed)
        {
            ArgumentSpec? arg = Find(name);
            if (arg is null)
            {
                return fallback;
            }

            if (int.TryParse(arg.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && valid(v))
            {
                return v;
            }

            Report(name, arg.Value, allowed);
            return fallback;
        }

        public float Float(string name, float fallback, System.Func<float, bool> valid, string allowed)
        {
            ArgumentSpec? arg = Find(name);
            if (arg is null)
            {
                return fallback;
            }

            if (float.TryParse(arg.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && valid(v))
            {
                return v;
            }

            Report(name, arg.Value, allowed);
            return fallback;
        }

        public bool Bool(string name, bool fallback)
        {
            ArgumentSpec? arg = Find(name);
            return arg is null ? fallback : arg.Value == "true";
        }

        private ArgumentSpec? Find(string name) => layer.Arguments.FirstOrDefault(a => a.Name == name);

        private void Report(string name, string value, string allowed)
            => diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, layer.Location, name, layer.Kind, value, allowed));
    }
}
