using NetGen.Generator.Emit;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// The emitters alone, without Roslyn: models built by hand (or validated from a hand-built spec) and what each
/// emitter prints for them, compared with the verified files in <c>Snapshots/</c>.
/// </summary>
public class EmitterSnapshotTests
{
    [Fact]
    public void Network_emitter_prints_a_validated_hand_built_spec()
    {
        var spec = new NetworkSpec(
            Namespace: "Handmade",
            ClassName: "Sensor",
            ContainingTypes: EquatableArray<string>.Empty,
            IsPartial: true,
            Layers: Equatable(
                Layer("Input(3)", Ints("shape", 3)),
                Layer("Dense(5, Init = WeightInit.HeUniform)", Int("units", 5), Enum("Init", WeightInitKind.HeUniform)),
                Layer("ELU(0.5f)", Float("alpha", "0.5")),
                Layer("Dense(2, Bias = false)", Int("units", 2), Bool("Bias", false)),
                Layer("MeanSquaredError")),
            Diagnostics: EquatableArray<DiagnosticInfo>.Empty,
            Location: null);

        ValidationResult result = NetworkValidator.Validate(spec);

        Assert.Empty(result.Diagnostics);
        NetworkModel model = Assert.IsType<NetworkModel>(result.Model);
        Assert.Equal("Handmade.Sensor.g.cs", NetworkEmitter.HintName(model));
        Assert.Equal((3 * 5) + 5 + (5 * 2), model.ParameterCount);
        Snapshot.Verify(NetworkEmitter.Emit(model), "cs");
    }

    [Fact]
    public void Network_emitter_prints_a_hand_built_model_in_the_global_namespace_inside_a_record()
    {
        // Input [2] -> Dense 3 (Gaussian, bias 0.5) -> Sigmoid -> SoftmaxCrossEntropy; offsets laid out by hand.
        var dense = new DenseLayer(3, new InitModel(WeightInitKind.Gaussian, "as declared", 0.1f, 0f, FanIn: 2, FanOut: 3), HasBias: true, BiasInit: 0.5f, WeightOffset: 0, BiasOffset: 6, DropConnectP: 0f)
        {
            Index = 0, Name = "dense0", Kind = "Dense", InputShape = Shape.Of(2), OutputShape = Shape.Of(3),
            InputBuffer = 0, OutputBuffer = 2, InputIsNetworkInput = true, ParameterCount = 9,
        };
        var sigmoid = new ActivationLayer(Activation("Sigmoid"))
        {
            Index = 1, Name = "sigmoid1", Kind = "Sigmoid", InputShape = Shape.Of(3), OutputShape = Shape.Of(3),
            InputBuffer = 2, OutputBuffer = 5,
        };
        var softmax = new LossLayer(LossKind.SoftmaxCrossEntropy)
        {
            Index = 2, Name = "softmax", Kind = "SoftmaxCrossEntropy", InputShape = Shape.Of(3), OutputShape = Shape.Of(3),
            InputBuffer = 5, OutputBuffer = 8,
        };
        var model = new NetworkModel(
            Namespace: null,
            ClassName: "Tiny",
            ContainingTypes: Equatable("partial record Outer"),
            InputShape: Shape.Of(2),
            Layers: Equatable<LayerModel>(dense, sigmoid, softmax),
            ParameterCount: 9,
            ArenaFloatsPerSample: 11,
            BufferCount: 0,
            ScratchFloats: 0,
            OutputBuffer: 8,
            Declaration: "[Input(2)] [Dense(3, Init = WeightInit.Gaussian, InitStd = 0.1f, BiasInit = 0.5f)] [Sigmoid] [SoftmaxCrossEntropy]");

        Assert.Equal("Outer.Tiny.g.cs", NetworkEmitter.HintName(model));
        Snapshot.Verify(NetworkEmitter.Emit(model), "cs");
    }

    [Theory]
    [InlineData("hidden_with_bias")]
    [InlineData("first_without_bias")]
    public void Dense_emitter_prints_forward_and_backward_side_by_side(string variant)
    {
        DenseLayer layer = variant == "hidden_with_bias"
            ? new DenseLayer(4, new InitModel(WeightInitKind.He, "He, chosen because ReLU follows", 0.01f, 0f, FanIn: 6, FanOut: 4), HasBias: true, BiasInit: 0.01f, WeightOffset: 40, BiasOffset: 64, DropConnectP: 0f)
            {
                Index = 2, Name = "dense2", Kind = "Dense", InputShape = Shape.Of(6), OutputShape = Shape.Of(4),
                InputBuffer = 14, OutputBuffer = 20, ParameterCount = 28,
            }
            : new DenseLayer(4, new InitModel(WeightInitKind.Constant, "as declared", 0.01f, 0.25f, FanIn: 6, FanOut: 4), HasBias: false, BiasInit: 0f, WeightOffset: 0, BiasOffset: 24, DropConnectP: 0f)
            {
                Index = 0, Name = "dense0", Kind = "Dense", InputShape = Shape.Of(6), OutputShape = Shape.Of(4),
                InputBuffer = 0, OutputBuffer = 6, InputIsNetworkInput = true, ParameterCount = 24,
            };

        Snapshot.Verify(PrintLayer(new DenseEmitter(), layer), "cs", variant);
    }

    [Theory]
    [InlineData("Sigmoid", 0f)]
    [InlineData("Tanh", 0f)]
    [InlineData("ReLU", 0f)]
    [InlineData("LeakyReLU", 0.125f)]
    [InlineData("ELU", 0.75f)]
    [InlineData("SiLU", 0f)]
    [InlineData("GELU", 0f)]
    [InlineData("GELUTanh", 0f)]
    public void Activation_emitter_prints_forward_and_backward_side_by_side(string kind, float alpha)
    {
        ElementwiseActivation function = kind switch
        {
            "LeakyReLU" => LeakyReluDefinition.Function(alpha),
            "ELU" => EluDefinition.Function(alpha),
            "GELU" => GeluDefinition.Function(GeluApproximationKind.None),
            "GELUTanh" => GeluDefinition.Function(GeluApproximationKind.Tanh),
            _ => Activation(kind),
        };
        var layer = new ActivationLayer(function)
        {
            Index = 1, Name = kind.ToLowerInvariant() + "1", Kind = kind, InputShape = Shape.Of(5), OutputShape = Shape.Of(5),
            InputBuffer = 8, OutputBuffer = 13,
        };

        Snapshot.Verify(PrintLayer(new ActivationEmitter(), layer), "cs", kind);
    }

    [Fact]
    public void Global_average_pooling_emitter_prints_forward_and_backward_side_by_side()
    {
        var layer = new GlobalAvgPoolLayer
        {
            Index = 3, Name = "gap3", Kind = "GlobalAvgPool2D", InputShape = Shape.Of(16, 7, 7), OutputShape = Shape.Of(16),
            InputBuffer = 1600, OutputBuffer = 2384,
        };

        Snapshot.Verify(PrintLayer(new GlobalAvgPool2DEmitter(), layer), "cs");
    }

    [Fact]
    public void Activation_right_after_the_input_has_no_backward()
    {
        var layer = new ActivationLayer(Activation("Tanh"))
        {
            Index = 0, Name = "tanh0", Kind = "Tanh", InputShape = Shape.Of(3), OutputShape = Shape.Of(3),
            InputBuffer = 0, OutputBuffer = 3, InputIsNetworkInput = true,
        };

        Assert.True(new ActivationEmitter().HasForward(layer));
        Assert.False(new ActivationEmitter().HasBackward(layer));
    }

    [Theory]
    [InlineData("SoftmaxCrossEntropy")]
    [InlineData("MeanSquaredError")]
    public void Loss_emitter_prints_the_head_and_the_loss_members(string kind)
    {
        LossKind loss = System.Enum.Parse<LossKind>(kind);
        var layer = new LossLayer(loss)
        {
            Index = 4, Name = loss == LossKind.SoftmaxCrossEntropy ? "softmax" : "mse", Kind = kind,
            InputShape = Shape.Of(10), OutputShape = Shape.Of(10),
            InputBuffer = 300, OutputBuffer = loss == LossKind.SoftmaxCrossEntropy ? 310 : 300,
        };
        var emitter = new LossEmitter();

        string text = PrintLayer(emitter, layer);
        var w = new CodeWriter();
        emitter.EmitLayoutArguments(w, layer);
        Snapshot.Verify(text + "\n// EmitLayoutArguments\n" + w, "cs", kind);
    }

    [Fact]
    public void Code_writer_indents_blocks_and_escapes_xml()
    {
        var w = new CodeWriter();
        w.Summary("x < y && y > z");
        using (w.Block("void M()"))
        {
            using (w.Block("int[] a =", "};"))
            {
                w.Line("1,");
            }

            w.Line();
            w.Line($"float f = {CodeWriter.Float(0.1f)}; // {CodeWriter.Thousands(1234567)}");
        }

        Assert.Equal(
            """
            /// <summary>x &lt; y &amp;&amp; y &gt; z</summary>
            void M()
            {
                int[] a =
                {
                    1,
                };

                float f = 0.1f; // 1,234,567
            }

            """.ReplaceLineEndings("\n"),
            w.ToString());
    }

    /// <summary>Per layer kind not covered by a hand-built model above: a small network around it (its layer is the last before the head).</summary>
    public static TheoryData<string> KindsBuiltThroughTheValidator() => new(ValidatedKinds);

    private static readonly string[] ValidatedKinds =
    [
        "Conv2D", "MaxPool2D", "AvgPool2D", "FractionalMaxPool2D", "Flatten", "BatchNorm", "LayerNorm", "InstanceNorm",
        "GroupNorm", "Dropout", "PReLU", "RReLU", "Maxout", "Softmax", "Residual", "DropConnect", "GlobalAvgPool2D",
    ];

    [Theory]
    [MemberData(nameof(KindsBuiltThroughTheValidator))]
    public void Every_layer_emitter_prints_its_parts_for_a_validated_layer(string kind)
    {
        LayerSpec image = Layer("Input(2, 6, 6)", Ints("shape", 2, 6, 6)), flat = Layer("Input(4)", Ints("shape", 4));
        LayerSpec[] body = kind switch
        {
            "Conv2D" => [image, Layer("Conv2D(3, 3, padding: 1)", Int("filters", 3), Int("kernel", 3), Int("padding", 1))],
            "MaxPool2D" => [image, Layer("MaxPool2D(2)", Int("size", 2))],
            "AvgPool2D" => [image, Layer("AvgPool2D(3, 2)", Int("size", 3), Int("stride", 2))],
            "FractionalMaxPool2D" => [image, Layer("FractionalMaxPool2D(1.5)", new ArgumentSpec("ratio", ArgumentKind.Float, "1.5", EquatableArray<string>.Empty))],
            "Flatten" => [image, Layer("Flatten")],
            "BatchNorm" => [image, Layer("Conv2D(2, 1, Bias = false)", Int("filters", 2), Int("kernel", 1), Bool("Bias", false)), Layer("BatchNorm(Momentum = 0.2f)", Float("Momentum", "0.2"))],
            "LayerNorm" => [flat, Layer("Dense(3)", Int("units", 3)), Layer("LayerNorm")],
            "InstanceNorm" => [image, Layer("Conv2D(2, 1)", Int("filters", 2), Int("kernel", 1)), Layer("InstanceNorm")],
            "GroupNorm" => [image, Layer("Conv2D(4, 1)", Int("filters", 4), Int("kernel", 1)), Layer("GroupNorm(2)", Int("groups", 2))],
            "Dropout" => [flat, Layer("Dense(3)", Int("units", 3)), Layer("Dropout(0.25f)", Float("p", "0.25"))],
            "PReLU" => [image, Layer("Conv2D(2, 1)", Int("filters", 2), Int("kernel", 1)), Layer("PReLU")],
            "RReLU" => [flat, Layer("Dense(3)", Int("units", 3)), Layer("RReLU")],
            "Maxout" => [flat, Layer("Dense(6)", Int("units", 6)), Layer("Maxout(3)", Int("pieces", 3))],
            "Softmax" => [flat, Layer("Dense(3)", Int("units", 3)), Layer("Softmax")],
            "Residual" => [flat, Layer("Dense(4)", Int("units", 4)), Residual(survival: "0.8")],
            "GlobalAvgPool2D" => [image, Layer("GlobalAvgPool2D")],
            _ => [flat, Layer("DropConnect(0.25f)", Float("p", "0.25")), Layer("Dense(3)", Int("units", 3))],
        };
        var spec = new NetworkSpec("Handmade", "OneKind", EquatableArray<string>.Empty, true, Equatable([.. body, Layer("MeanSquaredError")]), EquatableArray<DiagnosticInfo>.Empty, null);

        ValidationResult result = NetworkValidator.Validate(spec);

        Assert.Empty(result.Diagnostics);
        NetworkModel model = Assert.IsType<NetworkModel>(result.Model);
        LayerModel layer = model.Layers[^2]; // the layer under test, just before the head
        ILayerEmitter emitter = LayerDefinitions.EmitterFor(layer);
        var w = new CodeWriter();
        w.Line("// EmitFields");
        emitter.EmitFields(w, layer);
        w.Line("// EmitBufferTensors");
        emitter.EmitBufferTensors(w, layer);
        w.Line("// EmitOnnx");
        var tensors = new OnnxTensors(0);
        foreach (LayerModel before in model.Layers.Take(model.Layers.Count - 2))
        {
            tensors.Produced(before, before.Name);
        }

        w.Line("// returns " + emitter.EmitOnnx(w, layer, tensors));
        Snapshot.Verify(PrintLayer(emitter, layer) + "\n" + w, "cs", kind);
    }

    [Fact]
    public void Every_registered_emitter_has_an_emitter_snapshot()
    {
        // The models the tests above print: hand-built Dense, activation and loss layers, and one network per kind.
        var covered = new HashSet<Type> { typeof(DenseLayer), typeof(ActivationLayer), typeof(LossLayer) };
        foreach (string kind in ValidatedKinds)
        {
            covered.Add(LayerDefinitions.Find(kind)!.Emitter?.ModelType ?? typeof(DenseLayer)); // DropConnect prints a dense layer
        }

        Type[] registered = LayerDefinitions.All.Select(d => d.Emitter?.ModelType).OfType<Type>().Distinct().ToArray();
        Assert.All(registered, t => Assert.Contains(t, covered));
    }

    private static LayerSpec Residual(string survival)
    {
        var block = new BlockSpec("Block", IsMarked: true, IsRecursive: false, Equatable(Layer("Dense(4)", Int("units", 4)), Layer("ReLU"))) { InlinedLayers = 2 };
        return new LayerSpec("Residual", Equatable(new ArgumentSpec("block", ArgumentKind.Type, "Handmade.Block", EquatableArray<string>.Empty), Float("Survival", survival)), null, block)
        {
            Source = $"Residual(typeof(Block), Survival = {survival}f)",
        };
    }

    /// <summary>Everything one layer emitter prints for one layer, in sections; forward/backward only where the network emitter would call them.</summary>
    private static string PrintLayer(ILayerEmitter emitter, LayerModel layer)
    {
        var w = new CodeWriter();
        w.Line($"// Describe: {emitter.Describe(layer)}");
        w.Line($"// ExtraConstants: {emitter.ExtraConstants(layer)}");
        w.Line($"// HasForward: {emitter.HasForward(layer)}, HasBackward: {emitter.HasBackward(layer)}");
        w.Line();
        w.Line("// EmitForward");
        if (emitter.HasForward(layer))
        {
            emitter.EmitForward(w, layer);
        }

        w.Line();
        w.Line("// EmitBackward");
        if (emitter.HasBackward(layer))
        {
            emitter.EmitBackward(w, layer);
        }

        w.Line();
        w.Line("// EmitParameterTensors");
        emitter.EmitParameterTensors(w, layer);
        return w.ToString();
    }

    /// <summary>The function of an argument-less activation, as its registry entry gives it.</summary>
    private static ElementwiseActivation Activation(string kind)
        => Assert.IsType<ElementwiseActivationDefinition>(LayerDefinitions.Find(kind)).Function;

    private static EquatableArray<T> Equatable<T>(params T[] items)
        where T : IEquatable<T> => new(items);

    /// <summary>A layer spec as the parser makes it from <paramref name="source"/>, e.g. <c>Dense(2, Bias = false)</c>.</summary>
    private static LayerSpec Layer(string source, params ArgumentSpec[] args)
        => new(source.Split('(')[0], Equatable(args), null) { Source = source };

    private static ArgumentSpec Int(string name, int value) => new(name, ArgumentKind.Integer, value.ToString(System.Globalization.CultureInfo.InvariantCulture), EquatableArray<string>.Empty);

    private static ArgumentSpec Ints(string name, params int[] values)
        => new(name, ArgumentKind.Array, "", Equatable(values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));

    private static ArgumentSpec Float(string name, string value) => new(name, ArgumentKind.Float, value, EquatableArray<string>.Empty);

    private static ArgumentSpec Bool(string name, bool value) => new(name, ArgumentKind.Boolean, value ? "true" : "false", EquatableArray<string>.Empty);

    private static ArgumentSpec Enum(string name, WeightInitKind value) => new(name, ArgumentKind.Enum, ((int)value).ToString(System.Globalization.CultureInfo.InvariantCulture), EquatableArray<string>.Empty);
}
