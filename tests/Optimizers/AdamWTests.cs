using System;
using NetGen.Optimizers;
using TorchSharp;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimizers;

/// <summary>AdamW's decoupled weight decay is a different algorithm from Adam with an L2 penalty, in NetGen as in torch.</summary>
public class AdamWTests(ITestOutputHelper output)
{
    private const float LearningRate = 0.01f;
    private const float WeightDecay = 0.1f;

    [Fact]
    public void AdamW_and_Adam_with_L2_weight_decay_follow_different_trajectories_as_in_torch()
    {
        float[] adamW = OptimizerProblem.RunNetGen(new AdamW(LearningRate, weightDecay: WeightDecay));
        float[] adamL2 = OptimizerProblem.RunNetGen(new Adam(LearningRate, weightDecay: WeightDecay));
        float[] torchAdamW = OptimizerProblem.RunTorch(ps => torch.optim.AdamW(ps, LearningRate, 0.9f, 0.999f, 1e-8f, WeightDecay));
        float[] torchAdamL2 = OptimizerProblem.RunTorch(ps => torch.optim.Adam(ps, LearningRate, 0.9f, 0.999f, 1e-8f, WeightDecay));

        float netGenGap = OptimizerProblem.MaxAbsDifference(adamW, adamL2);
        float torchGap = OptimizerProblem.MaxAbsDifference(torchAdamW, torchAdamL2);
        output.WriteLine($"max |AdamW - Adam(L2)| after {OptimizerProblem.Steps} steps: NetGen {netGenGap:E3}, torch {torchGap:E3}.");

        // The L2 term is divided by the adaptive denominator, the decoupled decay is not: over 100 steps with lr·wd = 1e-3
        // the two end up about 1e-2 apart, ten thousand times the float noise between NetGen and torch.
        Assert.True(netGenGap > 1e-2f, $"NetGen's AdamW and Adam(L2) differ by only {netGenGap:E3}.");
        Assert.True(torchGap > 1e-2f, $"torch's AdamW and Adam(L2) differ by only {torchGap:E3}.");
        Assert.True(MathF.Abs(netGenGap - torchGap) < 1e-4f * netGenGap, $"The gaps differ: NetGen {netGenGap:E3}, torch {torchGap:E3}.");
    }

    [Fact]
    public void AdamW_equals_Adam_without_decay_applied_after_shrinking_the_parameters_by_one_minus_lr_times_wd()
    {
        float[] adamW = OptimizerProblem.RunNetGen(new AdamW(LearningRate, weightDecay: WeightDecay));

        // Loshchilov and Hutter's algorithm written out: shrink, then a plain Adam step with the gradient taken before
        // the shrink (as in a training loop, where the gradient comes from the forward pass).
        var adam = new Adam(LearningRate, weightDecay: 0f);
        float[] p = (float[])OptimizerProblem.Initial.Clone();
        float[] g = new float[p.Length];
        float shrink = (float)(1.0 - (double)LearningRate * WeightDecay);
        for (int t = 0; t < OptimizerProblem.Steps; t++)
        {
            OptimizerProblem.Gradient(p, t, g);
            for (int i = 0; i < p.Length; i++)
            {
                p[i] *= shrink;
            }

            adam.Step(p, g);
        }

        float difference = OptimizerProblem.MaxAbsDifference(adamW, p);
        float decayEffect = OptimizerProblem.MaxAbsDifference(adamW, OptimizerProblem.RunNetGen(new Adam(LearningRate, weightDecay: 0f)));
        output.WriteLine($"max |AdamW - (shrink + Adam)| = {difference:E3}; max |AdamW - Adam(wd = 0)| = {decayEffect:E3}.");

        // Same float operations in the same order, so equal up to rounding (in practice bit for bit), while the decay
        // itself moves the result visibly.
        Assert.True(difference <= 1e-6f, $"AdamW differs from shrink-then-Adam by {difference:E3}.");
        Assert.True(decayEffect > 1e-2f, $"The decoupled decay changed the result by only {decayEffect:E3}.");
    }
}
