using System;
using System.Collections.Generic;
using NetGen.Optimizers;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// Each NetGen optimizer against the torch.optim optimizer with the same options (through TorchSharp, whose optimizers
/// follow PyTorch's single-tensor implementations): same start, same gradient function, 100 steps, and the final
/// parameters must agree.
/// </summary>
public class TorchOracleTests(ITestOutputHelper output)
{
    /// <summary>
    /// The allowed difference, relative to the parameter scale (max |p|, about 3 here). Both sides compute in float32 but
    /// not with the same operation order or fused multiply-adds, so each step can differ by a few ulps (≈ 1e-7 of the
    /// scale); on this contracting problem such differences do not grow, and after 100 steps they stay below ~1e-6.
    /// A genuine rule difference is far larger: a missing bias correction, dampening or decay term, or epsilon in the
    /// wrong place moves the parameters by 1e-3 or more (the smallest learning rate times a gradient of order 1).
    /// </summary>
    private const float RelativeTolerance = 1e-5f;

    public static TheoryData<string> SgdCases => Names(OptimizerCases.Sgd);

    public static TheoryData<string> AdaGradCases => Names(OptimizerCases.AdaGrad);

    public static TheoryData<string> RmsPropCases => Names(OptimizerCases.RmsProp);

    public static TheoryData<string> AdamCases => Names(OptimizerCases.Adam);

    public static TheoryData<string> AdamWCases => Names(OptimizerCases.AdamW);

    [Theory]
    [MemberData(nameof(SgdCases))]
    public void Sgd_matches_torch_optim_SGD_for_100_steps(string options) => AssertMatchesTorch("SGD", OptimizerCases.Sgd[options], options);

    [Theory]
    [MemberData(nameof(AdaGradCases))]
    public void AdaGrad_matches_torch_optim_Adagrad_for_100_steps(string options) => AssertMatchesTorch("AdaGrad", OptimizerCases.AdaGrad[options], options);

    [Theory]
    [MemberData(nameof(RmsPropCases))]
    public void RmsProp_matches_torch_optim_RMSprop_for_100_steps(string options) => AssertMatchesTorch("RMSProp", OptimizerCases.RmsProp[options], options);

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Adam_matches_torch_optim_Adam_for_100_steps(string options) => AssertMatchesTorch("Adam", OptimizerCases.Adam[options], options);

    [Theory]
    [MemberData(nameof(AdamWCases))]
    public void AdamW_matches_torch_optim_AdamW_for_100_steps(string options) => AssertMatchesTorch("AdamW", OptimizerCases.AdamW[options], options);

    private static TheoryData<string> Names(Dictionary<string, OptimizerCase> cases) => new(cases.Keys);

    private void AssertMatchesTorch(string optimizer, OptimizerCase c, string options)
    {
        IOptimizer netGen = c.CreateNetGen();
        float[] ours = OptimizerProblem.RunNetGen(netGen);
        float[] theirs = OptimizerProblem.RunTorch(c.CreateTorch);

        float scale = MathF.Max(1f, OptimizerProblem.MaxAbs(theirs));
        float moved = OptimizerProblem.MaxAbsDifference(theirs, OptimizerProblem.Initial);
        float difference = OptimizerProblem.MaxAbsDifference(ours, theirs);
        output.WriteLine($"{optimizer} ({options}): max |NetGen - torch| = {difference:E2} after {OptimizerProblem.Steps} steps (parameter scale {scale:F2}, max movement {moved:F3}).");

        Assert.Equal(OptimizerProblem.Steps, netGen.StepCount);
        Assert.True(moved > 0.1f, $"The parameters barely moved ({moved}); the comparison would prove little.");
        Assert.True(
            difference <= RelativeTolerance * scale,
            $"{optimizer} ({options}) differs from torch by {difference:E3}, more than {RelativeTolerance * scale:E3}.");
    }
}
