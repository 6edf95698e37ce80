using System;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// Large parameter buffers are updated in chunks on several threads: every optimizer case must give the same bits on
/// any thread count (each element's update depends only on that element), with no element skipped or updated twice.
/// </summary>
public class OptimizerThreadingTests
{
    // Several chunks per thread, and a length that is not a multiple of the 64-float chunk unit or of any vector width.
    private const int Length = (5 * 32 * 1024) + 37;

    public static TheoryData<string> AllCases => OptimizerCases.AllNames();

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Large_updates_are_bit_identical_on_one_two_and_three_threads(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        float[] one = Run(c, threads: 1);
        Assert.Equal(one, Run(c, threads: 2));
        Assert.Equal(one, Run(c, threads: 3));

        // The chunked path really changed every element (a skipped chunk would keep its start value).
        float[] start = Start();
        for (int i = 0; i < Length; i++)
        {
            Assert.True(one[i] != start[i], $"{name}: element {i} was not updated.");
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Large_updates_on_two_threads_allocate_nothing(string name)
    {
        using var threads = new TestThreads();
        threads.Set(2);
        Optimizer optimizer = OptimizerCases.Get(name).CreateNetGen();
        float[] p = Start();
        float[] g = Gradient(p, 0);
        optimizer.Step(p, g);
        AllocationAssert.None(() => optimizer.Step(p, g));
    }

    private static float[] Run(OptimizerCase c, int threads)
    {
        using var scope = new TestThreads();
        scope.Set(threads);
        Optimizer optimizer = c.CreateNetGen();
        float[] p = Start();
        for (int step = 0; step < 4; step++)
        {
            optimizer.Step(p, Gradient(p, step));
        }

        return p;
    }

    private static float[] Start()
    {
        var p = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            p[i] = MathF.Sin(0.37f * i) + 0.5f;
        }

        return p;
    }

    // The gradient of Σ (p − t)² / 2 for a target that varies along the buffer, with a step-dependent wobble, so that
    // every element's trajectory differs from its neighbours'.
    private static float[] Gradient(float[] p, int step)
    {
        var g = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            g[i] = p[i] - MathF.Cos(0.11f * i) + (0.1f * MathF.Sin(step + (0.7f * i)));
        }

        return g;
    }
}
