using System;
using System.Collections.Generic;
using NetGen.Optimizers;

namespace NetGen.Tests.Optimizers;

/// <summary>Wrong lengths and out-of-range hyperparameters fail early with messages that say what was wrong.</summary>
public class OptimizerValidationTests
{
    private static readonly Dictionary<string, (Func<IOptimizer> Create, string Parameter, string Range)> BadArguments = new()
    {
        ["Sgd learningRate -1"] = (() => new Sgd(learningRate: -1f), "LearningRate", "[0, ∞)"),
        ["Sgd momentum -0.1"] = (() => new Sgd(momentum: -0.1f), "momentum", "[0, 1]"),
        ["Sgd dampening 1.5"] = (() => new Sgd(momentum: 0.9f, dampening: 1.5f), "dampening", "[0, 1]"),
        ["Sgd weightDecay NaN"] = (() => new Sgd(weightDecay: float.NaN), "weightDecay", "[0, ∞)"),
        ["AdaGrad learningRateDecay -1"] = (() => new AdaGrad(learningRateDecay: -1f), "learningRateDecay", "[0, ∞)"),
        ["AdaGrad initialAccumulatorValue -1"] = (() => new AdaGrad(initialAccumulatorValue: -1f), "initialAccumulatorValue", "[0, ∞)"),
        ["AdaGrad epsilon -1e-10"] = (() => new AdaGrad(epsilon: -1e-10f), "epsilon", "[0, ∞)"),
        ["RmsProp alpha 1.5"] = (() => new RmsProp(alpha: 1.5f), "alpha", "[0, 1]"),
        ["RmsProp momentum -1"] = (() => new RmsProp(momentum: -1f), "momentum", "[0, 1]"),
        ["Adam beta1 1"] = (() => new Adam(beta1: 1f), "beta1", "[0, 1)"),
        ["Adam beta2 -0.1"] = (() => new Adam(beta2: -0.1f), "beta2", "[0, 1)"),
        ["Adam epsilon -1"] = (() => new Adam(epsilon: -1f), "epsilon", "[0, ∞)"),
        ["AdamW weightDecay -0.01"] = (() => new AdamW(weightDecay: -0.01f), "weightDecay", "[0, ∞)"),
        ["AdamW learningRate infinity"] = (() => new AdamW(learningRate: float.PositiveInfinity), "LearningRate", "[0, ∞)"),
    };

    public static TheoryData<string> BadArgumentCases => new(BadArguments.Keys);

    public static TheoryData<string> AllCases => OptimizerCases.AllNames();

    [Theory]
    [MemberData(nameof(BadArgumentCases))]
    public void Constructors_reject_out_of_range_hyperparameters_naming_value_and_range(string name)
    {
        var (create, parameter, range) = BadArguments[name];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains($"{parameter} must be in {range} but was", e.Message);
    }

    [Fact]
    public void LearningRate_setter_rejects_negative_values()
    {
        var adam = new Adam();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -0.5f);
        Assert.Contains("LearningRate must be in [0, ∞) but was -0.5", e.Message);
        adam.LearningRate = 0f;
        Assert.Equal(0f, adam.LearningRate);
    }

    [Fact]
    public void Nesterov_requires_momentum_and_no_dampening()
    {
        Assert.Contains("momentum > 0", Assert.Throws<ArgumentException>(() => new Sgd(nesterov: true)).Message);
        Assert.Contains("dampening 0", Assert.Throws<ArgumentException>(() => new Sgd(momentum: 0.9f, dampening: 0.1f, nesterov: true)).Message);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Step_rejects_gradients_of_another_length_naming_both_lengths(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).CreateNetGen();
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[10], new float[9]));
        Assert.Equal("gradients", e.ParamName);
        Assert.Contains("gradients hold 9", e.Message);
        Assert.Contains("parameters hold 10", e.Message);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Step_rejects_a_parameter_count_that_changes_between_steps_until_reset(string name)
    {
        IOptimizer optimizer = OptimizerCases.Get(name).CreateNetGen();
        optimizer.Step(new float[10], new float[10]);

        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[12], new float[12]));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("sized for 10 parameters", e.Message);
        Assert.Contains("this step has 12", e.Message);
        Assert.Equal(1, optimizer.StepCount);

        optimizer.Reset();
        optimizer.Step(new float[12], new float[12]);
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void SetState_rejects_the_state_of_a_differently_configured_optimizer()
    {
        var adam = new Adam();
        adam.Step(new float[5], new float[5]);

        var e = Assert.Throws<ArgumentException>(() => new RmsProp().SetState(adam.GetState()));
        Assert.Contains("[exp_avg, exp_avg_sq]", e.Message);
        Assert.Contains("[square_avg]", e.Message);
        Assert.Throws<ArgumentException>(() => new Adam(amsGrad: true).SetState(adam.GetState()));
        Assert.Throws<ArgumentException>(() => new AdamW().SetState(new OptimizerState(1, ["exp_avg", "exp_avg_sq"], [new float[5], new float[4]])));
    }
}
