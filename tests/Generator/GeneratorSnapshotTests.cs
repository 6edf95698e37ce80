using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>End to end: declaration in, generated source out, compared with the verified files in <c>Snapshots/</c>.</summary>
public class GeneratorSnapshotTests
{
    [Fact]
    public void Fashion_mlp_generates_three_dense_layers_with_relu_and_softmax_head()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>The Fashion-MNIST MLP.</summary>
            [Network]
            [Input(784)]
            [Dense(256)] [ReLU]
            [Dense(128)] [ReLU]
            [Dense(10)] [SoftmaxCrossEntropy]
            public partial class FashionMlp { }
            """);

        Assert.Equal(["Samples.FashionMlp.g.cs"], run.GeneratedSources.Select(s => s.HintName));
        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Every_activation_and_every_init_option_is_emitted()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>Every activation, explicit initializers, a bias start value and a layer without bias.</summary>
            [Network]
            [Input(6)]
            [Dense(8, Init = WeightInit.Gaussian, InitStd = 0.05f)] [Sigmoid]
            [Dense(8, Init = WeightInit.XavierUniform)] [Tanh]
            [Dense(7, Init = WeightInit.HeUniform, BiasInit = 0.01f)] [ReLU]
            [Dense(6, Init = WeightInit.Constant, InitValue = 0.5f)] [LeakyReLU(0.2f)]
            [Dense(5, Bias = false)] [ELU(0.5f)]
            [Dense(3, Init = WeightInit.Zeros, Bias = false)] [SoftmaxCrossEntropy]
            public partial class AllActivationsNet { }
            """);

        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Gelu_silu_and_global_average_pooling_head_are_emitted()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>A small modern CNN: GELU and SiLU convolutions, a global-average-pooling head, tanh-GELU in a dense pair.</summary>
            [Network]
            [Input(3, 8, 8)]
            [Conv2D(8, 3, padding: 1)] [GELU]
            [Conv2D(16, 3, stride: 2, padding: 1)] [SiLU]
            [GlobalAvgPool2D]
            [Dense(32)] [GELU(Approximation = GeluApproximation.Tanh)]
            [Dense(10)] [SoftmaxCrossEntropy]
            public partial class GapCnn { }
            """);

        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Mean_squared_error_regression_outputs_the_last_dense_layer()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>Regression: 4 features to 2 targets.</summary>
            [Network]
            [Input(4)]
            [Dense(16)] [Tanh]
            [Dense(2)] [MeanSquaredError]
            public partial class Regressor { }
            """);

        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Network_nested_in_a_partial_class_inside_a_namespace_reopens_its_containers()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Contoso.Vision
            {
                /// <summary>Holds the models.</summary>
                public static partial class Models
                {
                    /// <summary>A tiny classifier over flattened 1×2×3 images.</summary>
                    [Network]
                    [Input(1, 2, 3)]
                    [Dense(4)] [ReLU]
                    [Dense(3)] [SoftmaxCrossEntropy]
                    public partial class TinyClassifier { }
                }
            }
            """);

        Assert.Equal(["Contoso.Vision.Models.TinyClassifier.g.cs"], run.GeneratedSources.Select(s => s.HintName));
        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Networks_with_the_same_name_in_different_namespaces_get_distinct_files()
    {
        GeneratorRun run = GeneratorDriverHelper.Run(
            """
            using NetGen;

            namespace Samples.First;

            /// <summary>One network called Net.</summary>
            [Network]
            [Input(2)]
            [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Net { }
            """,
            """
            using NetGen;

            namespace Samples.Second;

            /// <summary>Another network called Net.</summary>
            [Network]
            [Input(3)]
            [Dense(1)] [MeanSquaredError]
            public partial class Net { }
            """);

        // Before the hint name carried the namespace, both were 'Net.g.cs' and the generator threw, generating nothing.
        Assert.Equal(["Samples.First.Net.g.cs", "Samples.Second.Net.g.cs"], run.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void Networks_nested_in_generic_and_non_generic_containers_of_one_name_compile_side_by_side()
    {
        // A generic container is fine (the shapes do not depend on T); only the network's own type parameters are not.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>Plain container.</summary>
            public partial class Outer
            {
                /// <summary>A network.</summary>
                [Network] [Input(2)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class Net { }
            }

            /// <summary>Generic container.</summary>
            public partial class Outer<TKey, TValue>
            {
                /// <summary>Another network.</summary>
                [Network] [Input(3)] [Dense(2)] [SoftmaxCrossEntropy]
                public partial class Net { }
            }
            """);

        Assert.Equal(["Samples.Outer.Net.g.cs", "Samples.Outer`2.Net.g.cs"], run.GeneratedSources.Select(s => s.HintName));
        Assert.Contains("partial class Outer<TKey, TValue>", run.Source("Samples.Outer`2.Net.g.cs"));
    }

    [Fact]
    public void Invalid_network_generates_nothing_and_reports_its_diagnostics()
    {
        GeneratorRun run = GeneratorDriverHelper.RunExpectingDiagnostics("""
            using NetGen;

            [Network]
            [Input(4)]
            [Dense(0)] [LeakyReLU(2f)]
            [Dense(3)]
            public partial class Broken { }
            """);

        Assert.Empty(run.GeneratedSources);
        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Cnn_with_batch_norm_pooling_and_dropout_generates_conv_and_pool_blocks()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>Two conv + batch norm + pooling stages and a dense head.</summary>
            [Network]
            [Input(1, 28, 28)]
            [Conv2D(32, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
            [Conv2D(64, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
            [Dense(128)] [ReLU] [Dropout(0.3f)]
            [Dense(10)] [SoftmaxCrossEntropy]
            public partial class FashionCnn { }
            """);

        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Residual_network_inlines_each_use_of_a_block_with_its_own_parameters()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>A basic residual block.</summary>
            [Block]
            [Conv2D(8, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU]
            [Conv2D(8, 3, padding: 1, Bias = false)] [BatchNorm]
            public partial class BasicBlock { }

            /// <summary>A small residual network with stochastic depth on the second block.</summary>
            [Network]
            [Input(3, 8, 8)]
            [Conv2D(8, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU]
            [Residual(typeof(BasicBlock))] [ReLU]
            [Residual(typeof(BasicBlock), Survival = 0.8f)] [ReLU]
            [AvgPool2D(8)]
            [Dense(4)] [SoftmaxCrossEntropy]
            public partial class TinyResNet { }
            """);

        Snapshot.Verify(run.RunResult);
    }

    [Fact]
    public void Normalization_heavy_network_generates_every_norm_and_the_learned_activations()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using NetGen;

            namespace Samples;

            /// <summary>Instance, group, layer and batch norm with PReLU, RReLU, maxout, DropConnect and fractional pooling.</summary>
            [Network]
            [Input(3, 12, 12)]
            [Conv2D(6, 3, padding: 1)] [InstanceNorm] [PReLU]
            [FractionalMaxPool2D(1.5)]
            [Conv2D(6, 3, stride: 2, padding: 1)] [GroupNorm(3)] [RReLU]
            [Flatten]
            [Dense(32)] [LayerNorm] [ELU]
            [DropConnect(0.2f)] [Dense(16, Bias = false)] [BatchNorm(Momentum = 0.05f)] [Maxout(2)]
            [Dense(5)] [Softmax] [MeanSquaredError]
            public partial class NormHeavy { }
            """);

        Snapshot.Verify(run.RunResult);
    }
}
