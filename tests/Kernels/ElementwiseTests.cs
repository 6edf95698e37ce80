using System.Runtime.Intrinsics;
using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The shared element-wise maps run TensorPrimitives below 64 Ki floats and the hand loops from there on: both must give
/// every element exactly its documented value, so a result never depends on a buffer's length (or on how a caller
/// splits it).
/// </summary>
public class ElementwiseTests
{
    /// <summary>Lengths on both sides of the 65,536-float switch, with vector tails.</summary>
    public static TheoryData<int> Lengths => new() { 0, 1, 17, 1000, 65_535, 65_536, 70_001 };

    // The hand loops fuse their multiply-adds on 512- and 256-bit lanes only (narrower hosts multiply, then add).
    private static readonly bool Fused = Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>
    /// The network input's copy into the arena splits between threads from 32 Ki floats: every element lands in its
    /// place, on 1–3 threads, at lengths on both sides of the switch and with uneven slices, and nothing past the end
    /// of the source is written.
    /// </summary>
    [Theory]
    [InlineData(1_000)]
    [InlineData(32_767)]
    [InlineData(32_768)]
    [InlineData(200_705)]
    public void CopyAcross_copies_every_element_on_any_thread_count(int n)
    {
        float[] source = Values(n, 3);
        using var threads = new TestThreads();
        foreach (int count in new[] { 1, 2, 3 })
        {
            threads.Set(count);
            float[] target = new float[n + 5];
            Array.Fill(target, -7f);
            Elementwise.CopyAcross(source, target);
            Assert.Equal(source, target.AsSpan(0, n).ToArray());
            Assert.All(target.AsSpan(n).ToArray(), v => Assert.Equal(-7f, v));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Add_and_multiply_give_each_element_its_exactly_rounded_value(int n)
    {
        float[] x = Values(n, 1), y = Values(n, 2), sum = (float[])y.Clone(), product = new float[n];
        float[] longer = [.. y, 7f]; // the accumulator may be longer than the addend; the extra element is untouched

        Elementwise.Add(x, sum);
        Elementwise.Add(x, longer);
        Elementwise.Multiply(x, y, product);

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(y[i] + x[i], sum[i]);
            Assert.Equal(y[i] + x[i], longer[i]);
            Assert.Equal(x[i] * y[i], product[i]);
        }

        Assert.Equal(7f, longer[n]);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Multiply_adds_round_like_the_hand_loops_on_every_length(int n)
    {
        float[] x = Values(n, 3), y = Values(n, 4), z = Values(n, 5);
        float[] accumulated = (float[])z.Clone(), scaled = (float[])z.Clone();
        const float s = 0.37f;

        Elementwise.MultiplyAdd(x, y, accumulated);
        Elementwise.ScaleAdd(s, x, scaled);

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Fused ? MathF.FusedMultiplyAdd(x[i], y[i], z[i]) : (x[i] * y[i]) + z[i], accumulated[i]);
            Assert.Equal(Fused ? MathF.FusedMultiplyAdd(x[i], s, z[i]) : (x[i] * s) + z[i], scaled[i]);
        }
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Elementwise.Add(new float[5], new float[4]));
        Assert.Throws<ArgumentException>(() => Elementwise.Multiply(new float[5], new float[5], new float[4]));
        Assert.Throws<ArgumentException>(() => Elementwise.MultiplyAdd(new float[5], new float[4], new float[5]));
        Assert.Throws<ArgumentException>(() => Elementwise.ScaleAdd(2f, new float[5], new float[6]));
    }

    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)((rng.NextDouble() * 8) - 4);
        }

        return v;
    }
}
