using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>
/// Dense weights kept packed between large-batch inference calls (<see cref="NetworkBase.CachePackedWeightsForInference"/>):
/// the cached pass is bit-identical to one that packs on every call, and never reuses a stale packing after the
/// parameters change, however they change.
/// </summary>
public class PackedWeightsTests
{
    /// <summary>Large enough for the packed product on an AVX2 host (m ≥ 64) and for n ≤ m on an AVX-512 one.</summary>
    private const int Batch = 256;

    private static float[] Gaussian(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    private static int[] Labels(int n, int classes) => Enumerable.Range(0, n).Select(i => (i * 7) % classes).ToArray();

    /// <summary>Whether this host runs A·Bᵀ at batch <see cref="Batch"/> on a packed Bᵀ for some layer (else the caches stay empty).</summary>
    private static bool HostPacks(int n, int k) => Gemm.UsePackedBWithoutAvx512(Batch, n, k) || (Gemm.UseTransposed(Batch, n, k) && n <= Batch);

    private static void TrainStep(NetworkBase net, Optimizer optimizer, float[] x, int[] labels)
    {
        net.Mode = NetworkMode.Training;
        net.ZeroGradients();
        net.Forward(x, labels.Length);
        net.Backward(labels);
        optimizer.Step(net.Parameters, net.Gradients);
        net.Mode = NetworkMode.Inference;
    }

    /// <summary>The output of a twin that packs on every call, given <paramref name="net"/>'s current state.</summary>
    private static float[] Uncached<T>(T net, Func<T> create, float[] x)
        where T : NetworkBase
    {
        T twin = create();
        twin.CachePackedWeightsForInference = false;
        twin.SetState(net.GetState());
        twin.Mode = NetworkMode.Inference;
        return twin.Forward(x, Batch).ToArray();
    }

    [Fact]
    public void Cached_packed_weights_follow_every_change_of_the_parameters()
    {
        var net = new FashionMlp(3) { Mode = NetworkMode.Inference };
        float[] x = Gaussian(Batch * FashionMlp.InputFeatures, 4);
        float[] small = Gaussian(8 * FashionMlp.InputFeatures, 5);
        int[] labels = Labels(8, FashionMlp.OutputFeatures);
        var adam = new Adam(learningRate: 0.01f);
        FashionMlp Twin() => new(99);
        float[] last = net.Forward(x, Batch).ToArray();

        // Each check runs the network's own (cached) pass, which must differ from the last one and equal a fresh packing.
        void Check(string after)
        {
            float[] output = net.Forward(x, Batch).ToArray();
            Assert.True(!output.SequenceEqual(last), $"{after}: the output did not change");
            Assert.True(output.SequenceEqual(Uncached(net, Twin, x)), $"{after}: the cached pass differs from a fresh packing");
            last = output;
        }

        Assert.Equal(last, Uncached(net, Twin, x));
        Assert.Equal(last, net.Forward(x, Batch).ToArray()); // the second pass reuses the packing
        if (HostPacks(FashionMlp.OutputFeatures, 128))
        {
            Assert.True(net.PackedWeightBytes > 0, "batch-256 inference should fill the caches on this host");
        }

        TrainStep(net, adam, small, labels);
        Check("an optimizer step");

        var other = new FashionMlp(41);
        net.SetState(other.GetState());
        Check("SetState");

        TrainStep(other, adam, small, labels);
        SafeTensorsFile.Copy(other, net);

        Check("loading safetensors");

        ParameterTensor w1 = net.ParameterTensors.Single(t => t.Name == "dense0.weight");
        for (int i = 0; i < 784; i++)
        {
            net.Parameters[w1.Offset + (i * 7)] += 0.5f; // first rows of W1
        }

        Check("writing first-layer weights through Parameters");

        ParameterTensor w3 = net.ParameterTensors.Single(t => t.Name == "dense4.weight");
        net.Parameters[w3.Offset + 3] -= 2f;
        Check("writing a last-layer weight through Parameters");

        net.InitializeParameters(8);
        Check("InitializeParameters");

        // A span taken before the pass and written after it: seen only after InvalidateFoldedWeights.
        Span<float> parameters = net.Parameters;
        net.Forward(x, Batch);
        ParameterTensor w2 = net.ParameterTensors.Single(t => t.Name == "dense2.weight");
        parameters[w2.Offset] += 3f;
        parameters[w2.Offset + 256] += 3f;
        if (HostPacks(FashionMlp.OutputFeatures, 128))
        {
            Assert.Equal(last, net.Forward(x, Batch).ToArray()); // proof that the pass reads the cache
        }

        net.InvalidateFoldedWeights();
        Check("InvalidateFoldedWeights after writing a span taken earlier");

        // An inference clone shares the parameters: it repacks when its prototype trains.
        var clone = (FashionMlp)net.CloneForInference();
        float[] before = clone.Forward(x, Batch).ToArray();
        TrainStep(net, adam, small, labels);
        float[] cloned = clone.Forward(x, Batch).ToArray();
        Assert.False(cloned.SequenceEqual(before), "the clone's output did not change after its prototype's step");
        Assert.Equal(Uncached(net, Twin, x), cloned);
    }

    [Fact]
    public void Switching_batch_norm_folding_repacks_from_the_other_weights()
    {
        var net = new PackedFoldMlp(21);
        float[] x = Gaussian(Batch * PackedFoldMlp.InputFeatures, 22);
        int[] labels = Labels(16, PackedFoldMlp.OutputFeatures);
        var adam = new Adam(learningRate: 0.05f);
        for (int i = 0; i < 3; i++)
        {
            TrainStep(net, adam, Gaussian(16 * PackedFoldMlp.InputFeatures, 30 + i), labels); // gamma, beta and the statistics move
        }

        // Folded and unfolded passes differ in the weights of the first layer (folded buffer vs parameters); no parameter
        // changes in between, so only the source's identity tells the cache to repack.
        foreach (bool fold in new[] { true, false, true, false })
        {
            net.FoldBatchNormForInference = fold;
            float[] cached = net.Forward(x, Batch).ToArray();
            var twin = new PackedFoldMlp(0) { CachePackedWeightsForInference = false, FoldBatchNormForInference = fold };
            twin.SetState(net.GetState());
            twin.Mode = NetworkMode.Inference;
            Assert.Equal(twin.Forward(x, Batch).ToArray(), cached);
        }
    }

    [Fact]
    public void Training_passes_never_use_the_caches()
    {
        var cached = new FashionMlp(13) { Mode = NetworkMode.Inference };
        var plain = new FashionMlp(13) { Mode = NetworkMode.Inference, CachePackedWeightsForInference = false };
        float[] x = Gaussian(Batch * FashionMlp.InputFeatures, 14);
        int[] labels = Labels(Batch, FashionMlp.OutputFeatures);
        var adamA = new Adam(learningRate: 0.01f);
        var adamB = new Adam(learningRate: 0.01f);
        for (int step = 0; step < 3; step++)
        {
            Assert.Equal(plain.Forward(x, Batch).ToArray(), cached.Forward(x, Batch).ToArray());
            TrainStep(cached, adamA, x, labels);
            TrainStep(plain, adamB, x, labels);
        }

        Assert.Equal(plain.Parameters.ToArray(), cached.Parameters.ToArray());
        Assert.Equal(0, plain.PackedWeightBytes);
    }

    [Fact]
    public void Packed_weight_bytes_are_one_packed_copy_per_dense_layer()
    {
        if (!HostPacks(10, 128) || !HostPacks(256, 784))
        {
            return; // this host runs no batch-256 dense product on a packed Bᵀ (no AVX2): nothing is cached
        }

        var net = new FashionMlp(1) { Mode = NetworkMode.Inference };
        Assert.Equal(0, net.PackedWeightBytes);
        net.Forward(Gaussian(Batch * FashionMlp.InputFeatures, 2), Batch);
        int width = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Gemm.PanelWidth : Gemm.PanelWidthWithoutAvx512;
        long Panels(int n, int k) => (long)k * width * ((n + width - 1) / width);
        Assert.Equal((Panels(256, 784) + Panels(128, 256) + Panels(10, 128)) * sizeof(float), net.PackedWeightBytes);
    }

    [Fact]
    public void Inference_clones_take_the_prototypes_cache_and_fold_settings()
    {
        var net = new FashionMlp(1) { Mode = NetworkMode.Inference, CachePackedWeightsForInference = false, FoldBatchNormForInference = false };
        var clone = (FashionMlp)net.CloneForInference();
        Assert.False(clone.CachePackedWeightsForInference);
        Assert.False(clone.FoldBatchNormForInference);
        float[] x = Gaussian(Batch * FashionMlp.InputFeatures, 2);
        clone.Forward(x, Batch);
        Assert.Equal(0, clone.PackedWeightBytes);

        net.CachePackedWeightsForInference = true;
        var second = (FashionMlp)net.CloneForInference();
        Assert.True(second.CachePackedWeightsForInference);
        second.Forward(x, Batch);
        Assert.Equal(HostPacks(256, 784), second.PackedWeightBytes > 0);
        Assert.Equal(clone.Forward(x, Batch).ToArray(), second.Forward(x, Batch).ToArray());
    }
}
