using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>Which batch norms the generator folds into the layer before them for inference, and which it leaves alone.</summary>
public class BatchNormFoldGeneratorTests
{
    [Theory]
    [InlineData("[Input(8)] [Dense(6, Bias = false)] [BatchNorm] [ReLU] [Dense(3)]", "dense0 + bn1")]
    [InlineData("[Input(2, 6, 6)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Conv2D(3, 3, Bias = false)] [BatchNorm] [Dense(3)]", "conv0 + bn1, conv3 + bn4")]
    [InlineData("[Input(8)] [Dense(6, Bias = false)] [Dropout(0.5f)] [BatchNorm] [Dense(3)]", null)] // something in between
    [InlineData("[Input(2, 6, 6)] [Conv2D(4, 3)] [ReLU] [BatchNorm] [Dense(3)]", null)] // the activation comes first
    [InlineData("[Input(8)] [Dense(6)] [ReLU] [Dense(5, Bias = false)] [BatchNorm] [Dense(3)]", null)] // the dense is in a fused group
    [InlineData("[Input(8)] [Dense(6, Bias = false)] [LayerNorm] [Dense(3)]", null)] // only batch norm folds
    public void Batch_norm_folds_only_right_after_a_dense_or_convolution_layer(string layers, string? folded)
    {
        GeneratorRun run = GeneratorDriverHelper.Run($$"""
            using NetGen;

            namespace Models;

            #pragma warning disable NG0101
            [Network] {{layers}} [SoftmaxCrossEntropy]
            public partial class Net { }
            """);

        string source = run.GeneratedSources.Single().SourceText.ToString();
        string? line = source.Split('\n').SingleOrDefault(l => l.StartsWith("// Folded: ", StringComparison.Ordinal));
        Assert.Equal(folded is null ? null : $"// Folded: {folded}.", line);
        Assert.Equal(folded is not null, source.Contains("bool folded = UseFoldedBatchNorm();", StringComparison.Ordinal));
        Assert.Equal(folded is not null, source.Contains("folds: new global::NetGen.NetworkBase.NetworkLayout.Fold[]", StringComparison.Ordinal));
    }
}
