using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Walks the layer specs in order, tracking the current shape and arena buffer, and appends one resolved
/// <see cref="LayerModel"/> per layer. Each <c>Add…</c> method is the shape rule of one layer kind.
/// </summary>
internal sealed class NetworkBuilder(Shape input, List<DiagnosticInfo> diagnostics)
{
    // All size arithmetic below is checked: an overflow becomes NG0017 in the validator instead of a wrong layout.
    private static readonly HashSet<string> ReluFamily = new() { "ReLU", "LeakyReLU", "ELU", "PReLU", "RReLU" };
    private static readonly HashSet<string> PassThrough = new() { "BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm", "Dropout", "DropConnect" };
    private int _residuals;

    public List<LayerModel> Layers { get; } = new();

    public Shape Current { get; private set; } = input;

    public int CurrentBuffer { get; private set; }

    public int ParameterOffset { get; private set; }

    public int Arena { get; private set; } = input.Size;

    public int BufferOffset { get; private set; }

    public int Scratch { get; private set; }

    private bool CurrentIsInput => CurrentBuffer == 0; // the network input is the only buffer at offset 0

    public void AddLayers(IReadOnlyList<LayerSpec> specs, string prefix, bool inBlock)
    {
        checked
        {
            float pendingDropConnect = 0f;
            LayerSpec? pendingDropConnectSpec = null;
            for (int i = 0; i < specs.Count; i++)
            {
                LayerSpec layer = specs[i];
                var args = new Arguments(layer, diagnostics);
                if (pendingDropConnectSpec is not null && layer.Kind != "Dense")
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, pendingDropConnectSpec.Location, "DropConnect", Current.ToString(), $"DropConnect masks the weights of the next dense layer, but [{layer.Kind}] follows it"));
                    pendingDropConnectSpec = null;
                }

                switch (layer.Kind)
                {
                    case "Input" when inBlock:
                    case "SoftmaxCrossEntropy" when inBlock:
                    case "MeanSquaredError" when inBlock:
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, layer.Location, layer.Kind, Current.ToString(), "a residual block holds hidden layers only (no input, no loss head)"));
                        break;
                    case "Dense":
                        AddDense(layer, args, prefix, NextActivation(specs, i), pendingDropConnect);
                        pendingDropConnect = 0f;
                        pendingDropConnectSpec = null;
                        break;
                    case "DropConnect":
                        pendingDropConnect = args.Float("p", 0.5f, v => v >= 0f && v < 1f, "in [0, 1)");
                        pendingDropConnectSpec = layer;
                        if (i == specs.Count - 1)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, layer.Location, "DropConnect", Current.ToString(), "DropConnect masks the weights of the next dense layer, but no layer follows it"));
                        }

                        break;
                    case "Conv2D":
                        AddConv(layer, args, prefix, NextActivation(specs, i));
                        break;
                    case "MaxPool2D":
                    case "AvgPool2D":
                        AddPool(layer, args, prefix);
                        break;
                    case "FractionalMaxPool2D":
                        AddFractionalPool(layer, args, prefix);
                        break;
                    case "Flatten":
                        AddFlatten(layer, prefix, isImplicit: false);
                        break;
                    case "BatchNorm":
                    case "LayerNorm":
                    case "InstanceNorm":
                    case "GroupNorm":
                        AddNorm(layer, args, prefix);
                        break;
                    case "Dropout":
                    {
                        float p = args.Float("p", 0.5f, v => v >= 0f && v < 1f, "in [0, 1)");
                        int size = Current.Size;
                        Append(layer, prefix, "dropout", new DropoutLayer(p, Arena + size), Current, extraArena: size);
                        break;
                    }

                    case "Sigmoid":
                    case "Tanh":
                    case "ReLU":
                        Append(layer, prefix, layer.Kind.ToLowerInvariant(), new ActivationLayer((ActivationKind)System.Enum.Parse(typeof(ActivationKind), layer.Kind), 0f), Current);
                        break;
                    case "LeakyReLU":
                        Append(layer, prefix, "leakyrelu", new ActivationLayer(ActivationKind.LeakyReLU, args.Float("alpha", 0.01f, v => v >= 0f && v < 1f, "in [0, 1)")), Current);
                        break;
                    case "ELU":
                        Append(layer, prefix, "elu", new ActivationLayer(ActivationKind.ELU, args.Float("alpha", 1f, v => v > 0f && !float.IsInfinity(v), "positive and finite")), Current);
                        break;
                    case "PReLU":
                    {
                        float init = args.Float("Init", 0.25f, v => v >= 0f && v < 1f, "in [0, 1)");
                        (int channels, int spatial) = ChannelsAndSpatial();
                        var model = new PReluLayer(init, channels, spatial, ParameterOffset) { ParameterCount = channels };
                        ParameterOffset += channels;
                        Append(layer, prefix, "prelu", model, Current);
                        break;
                    }

                    case "RReLU":
                    {
                        float lower = args.Float("lower", 0.125f, v => v >= 0f && v < 1f, "in [0, 1)");
                        float upper = args.Float("upper", 1f / 3f, v => v >= 0f && v < 1f, "in [0, 1)");
                        if (upper < lower)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, layer.Location, "upper", "RReLU", F(upper), $"at least lower ({F(lower)})"));
                            upper = lower;
                        }

                        int size = Current.Size;
                        Append(layer, prefix, "rrelu", new RReluLayer(lower, upper, Arena + size), Current, extraArena: size);
                        break;
                    }

                    case "Maxout":
                    {
                        int pieces = args.Int("pieces", 2, v => v >= 2, "at least 2");
                        if (Current.Rank != 1)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, layer.Location, "Maxout", Current.ToString(), "maxout takes the flat output of a dense layer; add [Flatten] and a [Dense] first"));
                            break;
                        }

                        if (Current.Size % pieces != 0)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidHyperparameter, layer.Location, "pieces", "Maxout", pieces, $"a divisor of the input size {Current.Size} (declare the dense layer before it with units × pieces outputs)"));
                            break;
                        }

                        Append(layer, prefix, "maxout", new MaxoutLayer(pieces), Shape.Of(Current.Size / pieces));
                        break;
                    }

                    case "Softmax":
                        Append(layer, prefix, "softmaxlayer", new SoftmaxLayer(), Current);
                        break;
                    case "Residual":
                        AddResidual(layer, args, prefix);
                        break;
                    case "SoftmaxCrossEntropy":
                        // After an invalid size earlier the shapes are placeholders: a softmax-size error would only add noise.
                        if (Current.Size < 2 && !diagnostics.Any(d => d.Id == "NG0004" || d.Id == "NG0005"))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxTooFewClasses, layer.Location, Current.Size));
                        }

                        Append(layer, prefix, "softmax", new LossLayer(LossKind.SoftmaxCrossEntropy), Current, exactName: true);
                        break;
                    case "MeanSquaredError":
                        Append(layer, prefix, "mse", new LossLayer(LossKind.MeanSquaredError), Current, outputIsInput: true, exactName: true);
                        break;
                    default:
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedLayer, layer.Location, layer.Kind, Current.ToString(), "this layer kind is not supported by this version of the generator"));
                        break;
                }
            }
        }
    }

    /// <summary>The activation a weight layer feeds, looking past normalization and dropout layers.</summary>
    private static string? NextActivation(IReadOnlyList<LayerSpec> specs, int index)
    {
        for (int j = index + 1; j < specs.Count; j++)
        {
            if (!PassThrough.Contains(specs[j].Kind))
            {
                return specs[j].Kind;
            }
        }

        return null;
    }

    private InitModel ResolveInit(Arguments args, string? next, int fanIn, int fanOut)
    {
        var kind = (WeightInitKind)args.Int("Init", 0, v => v >= 0 && v <= (int)WeightInitKind.Constant, "a WeightInit value");
        float std = args.Float("InitStd", 0.01f, v => v > 0 && !float.IsInfinity(v), "a positive, finite standard deviation");
        float value = args.Float("InitValue", 0f, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
        string reason = "as declared";
        if (kind == WeightInitKind.Auto)
        {
            (kind, reason) = next switch
            {
                { } n when ReluFamily.Contains(n) => (WeightInitKind.He, $"He, chosen because {n} follows"),
                "Tanh" or "Sigmoid" => (WeightInitKind.Xavier, $"Xavier, chosen because {next} follows"),
                _ => (WeightInitKind.Xavier, "Xavier, the default when no ReLU-family activation follows"),
            };
        }

        return new InitModel(kind, reason, std, value, fanIn, fanOut);
    }

    private void AddDense(LayerSpec layer, Arguments args, string prefix, string? next, float dropConnect)
    {
        checked
        {
            if (Current.Rank == 3)
            {
                AddFlatten(layer, prefix, isImplicit: true);
            }

            int units = args.Int("units", 0, v => v > 0, "a positive number of units");
            units = units > 0 ? units : 1;
            int inputs = Current.Size;
            InitModel init = ResolveInit(args, next, inputs, units);
            bool hasBias = args.Bool("Bias", true);
            float biasInit = args.Float("BiasInit", 0f, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
            int weights = units * inputs;
            int count = weights + (hasBias ? units : 0);
            var model = new DenseLayer(units, init, hasBias, biasInit, ParameterOffset, ParameterOffset + weights, dropConnect) { ParameterCount = count };
            ParameterOffset += count;
            Append(layer, prefix, "dense", model, Shape.Of(units));
        }
    }

    private void AddConv(LayerSpec layer, Arguments args, string prefix, string? next)
    {
        checked
        {
            if (!RequireSpatial(layer))
            {
                return;
            }

            int filters = Positive(args.Int("filters", 1, v => v > 0, "a positive number of filters"));
            int stride = Positive(args.Int("stride", 1, v => v > 0, "positive"));
            int padding = args.Int("padding", 0, v => v >= 0, "zero or positive");
            int c = Current.Dims[0], h = Current.Dims[1], w = Current.Dims[2];
            int maxKernel = System.Math.Min(h, w) + (2 * padding);
            int kernel = Positive(args.Int("kernel", 1, v => v > 0 && v <= maxKernel, $"positive and at most {maxKernel}, the size of the padded {h}×{w} input"));
            if (kernel > maxKernel)
            {
                kernel = 1;
            }

            int oh = ((h + (2 * padding) - kernel) / stride) + 1, ow = ((w + (2 * padding) - kernel) / stride) + 1;
            InitModel init = ResolveInit(args, next, c * kernel * kernel, filters * kernel * kernel);
            bool hasBias = args.Bool("Bias", true);
            float biasInit = args.Float("BiasInit", 0f, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
            int weights = filters * c * kernel * kernel;
            int count = weights + (hasBias ? filters : 0);
            int k2 = c * kernel * kernel;
            int scratch = (k2 * ((oh * ow) + filters)) + filters; // per thread: im2col K·P plus private dW and dbias (Conv2D.ScratchSize)
            Scratch = System.Math.Max(Scratch, scratch);
            var model = new Conv2DLayer(filters, kernel, stride, padding, init, hasBias, biasInit, ParameterOffset, ParameterOffset + weights, scratch) { ParameterCount = count };
            ParameterOffset += count;
            Append(layer, prefix, "conv", model, Shape.Of(filters, oh, ow));
        }
    }

    private void AddPool(LayerSpec layer, Arguments args, string prefix)
    {
        checked
        {
            if (!RequireSpatial(layer))
            {
                return;
            }

            int c = Current.Dims[0], h = Current.Dims[1], w = Current.Dims[2];
            int limit = System.Math.Min(h, w);
            int size = args.Int("size", 1, v => v > 0 && v <= limit, $"positive and at most {limit}, the size of the {h}×{w} input");
            size = size > 0 && size <= limit ? size : 1;
            int stride = args.Int("stride", 0, v => v >= 0, "positive (or 0 for the window size)");
            stride = stride > 0 ? stride : size;
            bool isMax = layer.Kind == "MaxPool2D";
            Append(layer, prefix, isMax ? "maxpool" : "avgpool", new PoolLayer(isMax, size, stride), Shape.Of(c, ((h - size) / stride) + 1, ((w - size) / stride) + 1));
        }
    }

    private void AddFractionalPool(LayerSpec layer, Arguments args, string prefix)
    {
        checked
        {
            if (!RequireSpatial(layer))
            {
                return;
            }

            int c = Current.Dims[0], h = Current.Dims[1], w = Current.Dims[2];
            // Every output row and column pools one or two input ones (the kernel's regions), so the output must keep
            // at least half of each side: (int)(h / ratio) · 2 ≥ h (7 rows at ratio 1.9 would give 3, too few).
            double ratio = args.Double(
                "ratio",
                1.5,
                v => v > 1 && v <= 2 && h / v >= 1 && w / v >= 1 && 2 * (int)(h / v) >= h && 2 * (int)(w / v) >= w,
                $"in (1, 2] and leave at least 1×1 and at least half of each side of the {h}×{w} input");
            Append(layer, prefix, "fracpool", new FractionalPoolLayer(ratio), Shape.Of(c, (int)(h / ratio), (int)(w / ratio)));
        }
    }

    private void AddFlatten(LayerSpec layer, string prefix, bool isImplicit)
        => Append(layer, prefix, "flatten", new FlattenLayer(isImplicit), Shape.Of(Current.Size), outputIsInput: true);

    private void AddNorm(LayerSpec layer, Arguments args, string prefix)
    {
        checked
        {
            float epsilon = args.Float("Epsilon", 1e-5f, v => v > 0 && !float.IsInfinity(v), "positive");
            (int channels, int spatial) = ChannelsAndSpatial();
            int size = Current.Size;
            switch (layer.Kind)
            {
                case "BatchNorm":
                {
                    float momentum = args.Float("Momentum", 0.1f, v => v >= 0f && v <= 1f, "in [0, 1]");
                    var model = new NormLayer(NormKind.BatchNorm, channels, spatial, 1, momentum, epsilon, ParameterOffset, ParameterOffset + channels, channels, BufferOffset, BufferOffset + channels, -1) { ParameterCount = 2 * channels };
                    ParameterOffset += 2 * channels;
                    BufferOffset += 2 * channels;
                    Append(layer, prefix, "bn", model, Current);
                    break;
                }

                case "LayerNorm":
                {
                    var model = new NormLayer(NormKind.LayerNorm, channels, spatial, 1, 0f, epsilon, ParameterOffset, ParameterOffset + size, size, -1, -1, Arena + size) { ParameterCount = 2 * size };
                    ParameterOffset += 2 * size;
                    Append(layer, prefix, "ln", model, Current, extraArena: 2);
                    break;
                }

                default:
                {
                    bool instance = layer.Kind == "InstanceNorm";
                    if (instance && !RequireSpatial(layer))
                    {
                        return;
                    }

                    int groups = instance ? channels : args.Int("groups", 1, v => v > 0 && channels % v == 0, $"a positive divisor of the {channels} channels");
                    groups = groups > 0 && channels % groups == 0 ? groups : 1;
                    var model = new NormLayer(instance ? NormKind.InstanceNorm : NormKind.GroupNorm, channels, spatial, groups, 0f, epsilon, ParameterOffset, ParameterOffset + channels, channels, -1, -1, Arena + size) { ParameterCount = 2 * channels };
                    ParameterOffset += 2 * channels;
                    Append(layer, prefix, instance ? "in" : "gn", model, Current, extraArena: 2 * groups);
                    break;
                }
            }
        }
    }

    private void AddResidual(LayerSpec layer, Arguments args, string prefix)
    {
        checked
        {
            float survival = args.Float("Survival", 1f, v => v > 0f && v <= 1f, "in (0, 1]");
            BlockSpec? block = layer.Block;
            if (block is null)
            {
                return; // typeof(...) did not bind; the compiler reports it
            }

            if (!block.IsMarked || block.IsRecursive)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotABlock, layer.Location, block.Name, block.IsRecursive ? "contains itself" : "is not marked [Block]"));
                return;
            }

            if (block.Layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, layer.Location, block.Name, "it declares no layers"));
                return;
            }

            Shape skipShape = Current;
            int skipBuffer = CurrentBuffer;
            int first = Layers.Count;
            int before = diagnostics.Count;
            int id = _residuals++;
            AddLayers(block.Layers, $"{prefix}res{id}.", inBlock: true);
            if (diagnostics.Count > before)
            {
                // Report the block's own problems at the use site too, so the network's author sees why it fails.
                DiagnosticInfo firstProblem = diagnostics[before];
                string message = Diagnostics.Find(firstProblem.Id) is { } d ? string.Format(CultureInfo.InvariantCulture, d.MessageFormat.ToString(CultureInfo.InvariantCulture), firstProblem.Arguments.Cast<object>().ToArray()) : firstProblem.Id;
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, layer.Location, block.Name, $"{firstProblem.Id}: {message}"));
                return;
            }

            if (Current != skipShape)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ResidualShapeMismatch, layer.Location, block.Name, skipShape.ToString(), Current.ToString()));
                return;
            }

            int size = Current.Size;
            int mask = survival < 1f ? Arena + size : -1;
            Append(layer, prefix, $"res{id}.add", new ResidualAddLayer(block.Name, skipBuffer, survival, mask, first), Current, extraArena: survival < 1f ? 1 : 0, exactName: true);
        }
    }

    private bool RequireSpatial(LayerSpec layer)
    {
        if (Current.Rank == 3)
        {
            return true;
        }

        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SpatialAfterFlat, layer.Location, layer.Kind, Current.ToString()));
        return false;
    }

    private (int Channels, int Spatial) ChannelsAndSpatial()
        => Current.Rank == 3 ? (Current.Dims[0], Current.Dims[1] * Current.Dims[2]) : (Current.Size, 1);

    /// <summary>Places the layer's output (and any per-sample extras) in the arena and appends the model.</summary>
    private void Append(LayerSpec spec, string prefix, string name, LayerModel model, Shape output, int extraArena = 0, bool outputIsInput = false, bool exactName = false)
    {
        checked
        {
            int outputBuffer = outputIsInput ? CurrentBuffer : Arena;
            if (!outputIsInput)
            {
                Arena += output.Size;
            }

            Arena += extraArena;
            model = model with
            {
                Index = Layers.Count,
                Name = exactName ? name : $"{prefix}{name}{Layers.Count}",
                Kind = model is FlattenLayer { IsImplicit: true } ? "Flatten" : spec.Kind,
                InputShape = Current,
                OutputShape = output,
                InputBuffer = CurrentBuffer,
                OutputBuffer = outputBuffer,
                InputIsNetworkInput = CurrentIsInput,
                Location = spec.Location,
            };
            Layers.Add(model);
            Current = output;
            CurrentBuffer = outputBuffer;
        }
    }

    private static int Positive(int value) => value > 0 ? value : 1;

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);

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
            double d = Double(name, fallback, v => valid((float)v), allowed);
            return (float)d;
        }

        public double Double(string name, double fallback, System.Func<double, bool> valid, string allowed)
        {
            ArgumentSpec? arg = Find(name);
            if (arg is null)
            {
                return fallback;
            }

            if (double.TryParse(arg.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && !double.IsNaN(v) && valid(v))
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
