using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Babysitting;
using NetGen.Tests.Checkpoints;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.Tests.Training;

/// <summary>
/// The reproducibility promise of docs/reliability (reproducibility): with the same seed, the same
/// <see cref="Compute.ThreadCount"/> and the same instruction set, runs give the same bits, whatever the state of the
/// heap. Each test allocates unrelated arrays between runs (a few different sizes, kept alive) and compares bit for bit.
/// The network's own buffers are pinned on 64-byte boundaries (so they no longer move with the heap); the first test
/// also places the caller's input, which the first dense layers read in place, at different positions within a cache
/// line, so that it would catch a kernel whose order of additions depends on the address (the batch-1 dot kernel used
/// to peel up to a boundary). <see cref="Kernels.AddressIndependenceTests"/> checks every kernel at every offset.
/// </summary>
public class ReproducibilityTests(ITestOutputHelper output)
{
    private const int Batch = 64;

    /// <summary>Unrelated allocations kept alive until the test ends, so that later buffers land elsewhere.</summary>
    private readonly List<float[]> _ballast = [];

    /// <summary>Allocates an unrelated array of roughly <paramref name="bytes"/> bytes plus <paramref name="extraFloats"/> floats.</summary>
    private void Allocate(int bytes, int extraFloats) => _ballast.Add(new float[(bytes / sizeof(float)) + extraFloats]);

    [Fact]
    public void The_same_network_built_after_different_allocations_gives_the_same_outputs_and_gradients()
    {
        using var threads = Compute.UseThreads(1);
        Dataset data = BabyData.Blobs(Batch, FashionMlp.InputFeatures, 10, seed: 3);
        int[] labels = data.Labels.ToArray();

        int[]? outputs = null, gradients = null;
        var positions = new SortedSet<int>();
        for (int build = 0; build < 8; build++)
        {
            Allocate(90_000, build * 3); // shifts the next large arrays by 12-byte steps
            var net = new FashionMlp(seed: 11);
            // The network's own buffers are pinned on 64-byte boundaries; the caller's input is not, and the first
            // dense layers read it in place: give it a different position within a cache line on every build.
            float[] holder = GC.AllocateArray<float>(data.Features.Length + 16, pinned: true);
            Span<float> input = holder.AsSpan(build * 5 % 16, data.Features.Length);
            data.Features.CopyTo(input);
            positions.Add(PositionInCacheLine(input));
            ReadOnlySpan<float> y = net.Forward(input, Batch);
            int[] outputBits = Bits.Of(y);
            net.Loss(labels);
            net.ZeroGradients();
            net.Backward(labels);
            int[] gradientBits = Bits.Of(net.Gradients);

            outputs ??= outputBits;
            gradients ??= gradientBits;
            Assert.True(outputs.AsSpan().SequenceEqual(outputBits), $"build {build}: {Differences(outputs, outputBits)} of {outputs.Length} outputs differ from build 0");
            Assert.True(gradients.AsSpan().SequenceEqual(gradientBits), $"build {build}: {Differences(gradients, gradientBits)} of {gradients.Length} gradients differ from build 0");
        }

        output.WriteLine($"input at byte offsets {string.Join(", ", positions)} within a cache line ({VectorWidth})");
        Assert.True(positions.Count >= 2, "every build put the input at the same position within a cache line, so the test proves nothing");
    }

    [Fact]
    public void Two_identical_training_runs_with_allocations_between_end_with_the_same_parameters()
    {
        using var threads = Compute.UseThreads(1);
        Dataset train = BabyData.Blobs(Batch * 100, FashionMlp.InputFeatures, 10, seed: 1, noise: 3f);

        int[]? first = null;
        var positions = new SortedSet<int>();
        for (int run = 0; run < 3; run++)
        {
            Allocate(90_000, run * 5);
            var net = new FashionMlp(seed: 7);
            new Trainer(Options(epochs: 3)).Fit(net, new Adam(1e-3f), train, null); // 300 steps
            positions.Add(PositionInCacheLine(net.Forward(train.Features.Slice(0, Batch * FashionMlp.InputFeatures), Batch)));
            int[] bits = Bits.Of(net.Parameters);
            first ??= bits;
            Assert.True(first.AsSpan().SequenceEqual(bits), $"run {run}: {Differences(first, bits)} of {first.Length} parameters differ from run 0");
        }

        // The network's buffers are pinned on 64-byte boundaries (AlignedBuffer), so the heap state now moves only the
        // trainer's own arrays; AddressIndependenceTests proves the kernels at every offset within a cache line.
        output.WriteLine($"activation arena at byte offsets {string.Join(", ", positions)} within a cache line ({VectorWidth})");
    }

    [Fact]
    public void Resuming_after_an_unrelated_allocation_reproduces_the_uninterrupted_run()
    {
        using var threads = Compute.UseThreads(1);
        using var dir = new TempDirectory();
        Dataset train = BabyData.Blobs(Batch * 50, FashionMlp.InputFeatures, 10, seed: 2, noise: 3f);

        var straight = new FashionMlp(seed: 5);
        new Trainer(Options(epochs: 2)).Fit(straight, new Adam(1e-3f), train, null);
        int[] expected = Bits.Of(straight.Parameters);

        var interrupted = new FashionMlp(seed: 5);
        var saver = new CheckpointCallback(dir.Path, everyEpochs: 1, keepLast: 1);
        new Trainer(Options(epochs: 2, saver, new StopAfter(1))).Fit(interrupted, new Adam(1e-3f), train, null);
        Checkpoint checkpoint = Checkpoint.Load(CheckpointCallback.FindLatest(dir.Path)!);

        // Resume a few times, each after one more unrelated allocation of about 90 KB.
        var positions = new SortedSet<int>();
        for (int attempt = 0; attempt < 4; attempt++)
        {
            Allocate(90_000, attempt);
            var resumed = new FashionMlp(seed: 99);
            var adam = new Adam(1e-3f);
            checkpoint.Restore(resumed, adam);
            new Trainer(Options(epochs: 2)).Fit(resumed, adam, train, null, checkpoint.TrainingState);
            positions.Add(PositionInCacheLine(resumed.Forward(train.Features.Slice(0, Batch * FashionMlp.InputFeatures), Batch)));
            int[] bits = Bits.Of(resumed.Parameters);
            Assert.True(expected.AsSpan().SequenceEqual(bits), $"resume {attempt}: {Differences(expected, bits)} of {expected.Length} parameters differ from the uninterrupted run");
        }

        // The network's buffers are pinned on 64-byte boundaries (AlignedBuffer), so the heap state now moves only the
        // trainer's own arrays; AddressIndependenceTests proves the kernels at every offset within a cache line.
        output.WriteLine($"activation arena at byte offsets {string.Join(", ", positions)} within a cache line ({VectorWidth})");
    }

    private static TrainerOptions Options(int epochs, params TrainingCallback[] callbacks) => new()
    {
        Epochs = epochs,
        BatchSize = Batch,
        Seed = 17,
        Shuffle = true,
        ProgressInterval = TimeSpan.FromDays(1),
        Callbacks = callbacks,
    };

    /// <summary>Where a span starts within a 64-byte cache line, in bytes.</summary>
    private static unsafe int PositionInCacheLine(ReadOnlySpan<float> span)
    {
        fixed (float* p = span)
        {
            return (int)((nuint)p % 64);
        }
    }

    /// <summary>Which vector code ran (the promise holds per instruction set).</summary>
    private static string VectorWidth => $"{(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : "no AVX-512")}, Vector<float> of {System.Numerics.Vector<float>.Count} lanes";

    private static int Differences(int[] a, int[] b) => a.Zip(b).Count(pair => pair.First != pair.Second);
}
