using System;
using System.Collections.Generic;
using System.Runtime;
using NetGen.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// The shared test problem: a seeded, ill-conditioned noisy quadratic. The gradient at step t is
/// g = c ⊙ (p − target) + noise_t, computed from the parameters each implementation currently holds, so the whole
/// trajectory (not just the sum of fixed gradients) must agree. 1003 parameters: the 512-bit loop covers 992, the
/// Vector&lt;float&gt; loop 8 more and the scalar tail the last 3, so every code path of the update loop runs.
/// (On AVX-512 machines the 256-bit path is skipped; run with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 or
/// DOTNET_EnableHWIntrinsic=0 to check the narrower paths against torch too.)
/// </summary>
internal static class OptimizerProblem
{
    public const int Length = 1003;
    public const int Steps = 100;

    private static readonly float[] Target;
    private static readonly float[] Curvature;
    private static readonly float[][] Noise;

    static OptimizerProblem()
    {
        var rng = new Rng(20240611);
        Initial = new float[Length];
        Target = new float[Length];
        Curvature = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            Initial[i] = rng.NextGaussian();
            Target[i] = rng.NextGaussian();
            Curvature[i] = 0.1f + 1.9f * rng.NextFloat();
        }

        Noise = new float[Steps][];
        for (int t = 0; t < Steps; t++)
        {
            Noise[t] = new float[Length];
            for (int i = 0; i < Length; i++)
            {
                Noise[t][i] = 0.3f * rng.NextGaussian();
            }
        }
    }

    /// <summary>The starting parameters, standard normal (so the parameter scale is about 1).</summary>
    public static float[] Initial { get; }

    /// <summary>Writes the gradient of step <paramref name="t"/> at parameters <paramref name="p"/> into <paramref name="g"/>.</summary>
    public static void Gradient(ReadOnlySpan<float> p, int t, Span<float> g)
    {
        float[] noise = Noise[t % Steps];
        for (int i = 0; i < p.Length; i++)
        {
            g[i] = Curvature[i] * (p[i] - Target[i]) + noise[i];
        }
    }

    /// <summary>Runs a NetGen optimizer from <see cref="Initial"/> for <paramref name="steps"/> steps; returns the parameters.</summary>
    public static float[] RunNetGen(IOptimizer optimizer, int steps = Steps)
    {
        float[] p = (float[])Initial.Clone();
        ContinueNetGen(optimizer, p, 0, steps);
        return p;
    }

    /// <summary>Continues a NetGen run on <paramref name="p"/> from step <paramref name="first"/> for <paramref name="count"/> steps.</summary>
    public static void ContinueNetGen(IOptimizer optimizer, float[] p, int first, int count)
    {
        float[] g = new float[p.Length];
        for (int t = first; t < first + count; t++)
        {
            Gradient(p, t, g);
            optimizer.Step(p, g);
        }
    }

    /// <summary>
    /// Runs a torch.optim optimizer (TorchSharp) on the same problem: a leaf parameter whose <c>.grad</c> is set to the
    /// problem's gradient at the parameter's current value before every <c>step()</c>.
    /// </summary>
    public static float[] RunTorch(Func<IEnumerable<Parameter>, torch.optim.Optimizer> create, int steps = Steps)
    {
        // libtorch intermittently failed inside TorchSharp's optimizers ("Unknown scalar type", "Scalar toFloat ...
        // Expected false to be true"; 3 of 6 runs of the Kernels|Layers|Optimizers tests at one point) while other
        // tests allocated in parallel, most likely a temporary Scalar (a hyperparameter such as 1 − β, passed to
        // libtorch by handle) finalized by a GC during the native call. The torch run therefore holds the GC off (one run at a time; the run allocates well
        // under the budget, and if the region ends early the run is merely unprotected).
        lock (TorchGate)
        {
            bool noGc = false;
            try
            {
                noGc = GC.TryStartNoGCRegion(NoGcBudget);
            }
            catch (InvalidOperationException)
            {
                // Another no-GC region is active in the process: run without one.
            }

            try
            {
                return RunTorchSteps(create, steps);
            }
            finally
            {
                if (noGc && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                {
                    try
                    {
                        GC.EndNoGCRegion();
                    }
                    catch (InvalidOperationException)
                    {
                        // The region ended on its own (a GC ran after the budget was used up).
                    }
                }
            }
        }
    }

    private const long NoGcBudget = 32L * 1024 * 1024;

    private static readonly object TorchGate = new();

    private static float[] RunTorchSteps(Func<IEnumerable<Parameter>, torch.optim.Optimizer> create, int steps)
    {
        float[] p = (float[])Initial.Clone();
        float[] g = new float[p.Length];
        using var parameter = new Parameter(torch.tensor(p), requires_grad: true);
        using var optimizer = create([parameter]);
        for (int t = 0; t < steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            Gradient(p, t, g);
            parameter.grad = torch.tensor(g);
            optimizer.step();
            p = parameter.data<float>().ToArray();
        }

        return p;
    }

    /// <summary>The largest absolute element-wise difference.</summary>
    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>The largest absolute value.</summary>
    public static float MaxAbs(ReadOnlySpan<float> a)
    {
        float max = 0f;
        foreach (float x in a)
        {
            max = MathF.Max(max, MathF.Abs(x));
        }

        return max;
    }
}
