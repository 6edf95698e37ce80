using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary>
/// Walks the layer specs in order, tracking the current shape and arena buffer, and appends one resolved
/// <see cref="LayerModel"/> per layer. Each <c>Add…</c> method is the shape rule of one layer kind.
/// </summary>
internal sealed class NetworkBuilder(Shape input, List<DiagnosticInfo> diagnostics)
{
    // All size arithmetic is checked: an overflow becomes NG0017 in the validator instead of a wrong layout.
    private int _residuals;

    public List<LayerModel> Layers { get; } = new();

    public Shape Current { get; private set; } = input;

    public int CurrentBuffer { get; private set; }

    public int ParameterOffset { get; private set; }

    public int Arena { get; private set; } = input.Size;

    public int BufferOffset { get; private set; }

    public int Scratch { get; private set; }

    private bool CurrentIsInput => CurrentBuffer == 0; // the network input is the only buffer at offset 0

    /// <summary>Where every problem found while building goes.</summary>
    public List<DiagnosticInfo> Diagnostics => diagnostics;

    /// <summary>The probability of a <c>[DropConnect]</c> waiting for the dense layer after it (0 when none).</summary>
    public float PendingDropConnect { get; private set; }

    private LayerSpec? _pendingDropConnectSpec;

    /// <summary>Builds each layer of <paramref name="specs"/> in order by its kind's shape rule.</summary>
    public void AddLayers(IReadOnlyList<LayerSpec> specs, string prefix, bool inBlock)
    {
        checked
        {
            for (int i = 0; i < specs.Count; i++)
            {
                LayerSpec layer = specs[i];
                LayerDefinition? kind = LayerDefinitions.Find(layer.Kind);
                if (_pendingDropConnectSpec is not null && kind is not { TakesDropConnect: true })
                {
                    diagnostics.Add(DiagnosticInfo.Create(Generator.Diagnostics.UnsupportedLayer, _pendingDropConnectSpec.Location, _pendingDropConnectSpec.Kind, Current.ToString(), $"DropConnect masks the weights of the next dense layer, but [{layer.Kind}] follows it"));
                    ClearDropConnect();
                }

                if (kind is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Generator.Diagnostics.UnsupportedLayer, layer.Location, layer.Kind, Current.ToString(), "this layer kind is not supported by this version of the generator"));
                }
                else if (inBlock && (kind.IsInput || kind.IsLossHead))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Generator.Diagnostics.UnsupportedLayer, layer.Location, layer.Kind, Current.ToString(), "a residual block holds hidden layers only (no input, no loss head)"));
                }
                else
                {
                    kind.Build(this, layer, new LayerContext(specs, i, prefix));
                }
            }

            ClearDropConnect(); // a DropConnect left at the end of a block was reported there; it does not leak out
        }
    }

    /// <summary>Holds a <c>[DropConnect]</c> probability for the next layer, which must take it.</summary>
    public void SetDropConnect(LayerSpec spec, float p)
    {
        PendingDropConnect = p;
        _pendingDropConnectSpec = spec;
    }

    /// <summary>Marks the pending DropConnect as taken (or dropped after its diagnostic).</summary>
    public void ClearDropConnect()
    {
        PendingDropConnect = 0f;
        _pendingDropConnectSpec = null;
    }

    /// <summary>Reserves <paramref name="count"/> floats of the flat parameter buffer and returns their offset.</summary>
    public int TakeParameters(int count)
    {
        int offset = ParameterOffset;
        ParameterOffset = checked(ParameterOffset + count);
        return offset;
    }

    /// <summary>Reserves <paramref name="count"/> floats of the state buffers (running statistics) and returns their offset.</summary>
    public int TakeBuffers(int count)
    {
        int offset = BufferOffset;
        BufferOffset = checked(BufferOffset + count);
        return offset;
    }

    /// <summary>Raises the per-thread scratch size to at least <paramref name="floats"/>.</summary>
    public void RequireScratch(int floats) => Scratch = System.Math.Max(Scratch, floats);

    /// <summary>A new residual block number (each use of a block gets its own).</summary>
    public int NextResidualId() => _residuals++;

    /// <summary>
    /// The weight init of a weight layer: as declared, or for <c>Auto</c> the preference of the activation that follows
    /// (He for the ReLU family, Xavier otherwise). <c>TorchDefault</c> draws the bias too unless <c>BiasInit</c> is declared.
    /// </summary>
    public InitModel ResolveInit<T>(BoundArguments<T> args, string? next, int fanIn, int fanOut)
        where T : WeightArguments, new()
    {
        WeightInitKind kind = args.Check(nameof(WeightArguments.Init), args.Values.Init, v => v >= WeightInitKind.Auto && v <= WeightInitKind.TorchDefault, "a WeightInit value");
        float std = args.Check(nameof(WeightArguments.InitStd), args.Values.InitStd, v => v > 0 && !float.IsInfinity(v), "a positive, finite standard deviation");
        float value = args.Check(nameof(WeightArguments.InitValue), args.Values.InitValue, v => !float.IsNaN(v) && !float.IsInfinity(v), "a finite number");
        string reason = "as declared";
        if (kind == WeightInitKind.Auto)
        {
            WeightInitKind? preferred = next is null ? null : LayerDefinitions.Find(next)?.PreferredInit;
            (kind, reason) = preferred switch
            {
                WeightInitKind.He => (WeightInitKind.He, $"He, chosen because {next} follows"),
                WeightInitKind.Xavier => (WeightInitKind.Xavier, $"Xavier, chosen because {next} follows"),
                _ => (WeightInitKind.Xavier, "Xavier, the default when no ReLU-family activation follows"),
            };
        }

        bool biasFromScheme = kind == WeightInitKind.TorchDefault && !args.IsGiven(nameof(WeightArguments.BiasInit));
        return new InitModel(kind, reason, std, value, fanIn, fanOut, biasFromScheme);
    }

    /// <summary>Appends the implicit or declared flatten: a change of view to a vector.</summary>
    public void AddFlatten(LayerSpec layer, string prefix, bool isImplicit)
        => Append(layer, prefix, "flatten", new FlattenLayer(isImplicit), Shape.Of(Current.Size), outputIsInput: true);

    /// <summary>Whether the current shape is [C, H, W]; reports NG0013 for the layer when it is not.</summary>
    public bool RequireSpatial(LayerSpec layer)
    {
        if (Current.Rank == 3)
        {
            return true;
        }

        diagnostics.Add(DiagnosticInfo.Create(Generator.Diagnostics.SpatialAfterFlat, layer.Location, layer.Kind, Current.ToString()));
        return false;
    }

    /// <summary>The current shape as channels × spatial size (spatial 1 for flat shapes).</summary>
    public (int Channels, int Spatial) ChannelsAndSpatial()
        => Current.Rank == 3 ? (Current.Dims[0], Current.Dims[1] * Current.Dims[2]) : (Current.Size, 1);

    /// <summary>Places the layer's output (and any per-sample extras) in the arena and appends the model.</summary>
    public void Append(LayerSpec spec, string prefix, string name, LayerModel model, Shape output, int extraArena = 0, bool outputIsInput = false, bool exactName = false)
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

    /// <summary>The value, or 1 when it is not positive (after its diagnostic, to keep building).</summary>
    public static int Positive(int value) => value > 0 ? value : 1;

    /// <summary>A float as round-trip invariant text.</summary>
    public static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
