using System;
using NetGen.Optimizers;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Optimizers;

/// <summary>Allocation, checkpointing and reset behaviour, for every optimizer case of <see cref="OptimizerCases"/>.</summary>
public class OptimizerBehaviourTests(ITestOutputHelper output)
{
    public static TheoryData<string> AllCases => OptimizerCases.AllNames();

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Step_allocates_nothing_after_the_first_step(string name)
    {
        Optimizer optimizer = OptimizerCases.Get(name).CreateNetGen();
        float[] p = (float[])OptimizerProblem.Initial.Clone();
        float[] g = new float[p.Length];
        OptimizerProblem.Gradient(p, 0, g);

        long start = GC.GetAllocatedBytesForCurrentThread();
        optimizer.Step(p, g);
        long afterFirst = GC.GetAllocatedBytesForCurrentThread();
        output.WriteLine($"{name}: first step {afterFirst - start} bytes.");

        // The first step sizes the state (so the measurement does see allocations); later steps reuse it.
        Assert.True(afterFirst - start >= optimizer.StateNames.Count * p.Length * sizeof(float));
        AllocationAssert.None(() => optimizer.Step(p, g));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Restored_state_continues_the_same_trajectory(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        float[] straight = OptimizerProblem.RunNetGen(c.CreateNetGen());

        Optimizer first = c.CreateNetGen();
        float[] p = OptimizerProblem.RunNetGen(first, steps: 50);
        OptimizerState saved = first.GetState();
        first.Step(p.AsSpan().ToArray(), new float[p.Length]); // must not change the saved copy

        Optimizer resumed = c.CreateNetGen();
        resumed.SetState(saved);
        foreach (float[] buffer in saved.Buffers)
        {
            Array.Fill(buffer, float.NaN); // SetState copied; the checkpoint object may be reused
        }

        OptimizerProblem.ContinueNetGen(resumed, p, 50, 50);

        Assert.Equal(50, saved.StepCount);
        Assert.All(saved.Buffers, b => Assert.Equal(p.Length, b.Length));
        Assert.Equal(first.StateNames, saved.Names);
        Assert.Equal(OptimizerProblem.Steps, resumed.StepCount);
        Assert.Equal(straight, p); // bit for bit
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Reset_forgets_state_and_step_count(string name)
    {
        OptimizerCase c = OptimizerCases.Get(name);
        Optimizer optimizer = c.CreateNetGen();
        OptimizerProblem.RunNetGen(optimizer);

        optimizer.Reset();
        Assert.Equal(0, optimizer.StepCount);
        Assert.All(optimizer.GetState().Buffers, b => Assert.Empty(b));
        Assert.Equal(OptimizerProblem.RunNetGen(c.CreateNetGen()), OptimizerProblem.RunNetGen(optimizer));
    }

    [Fact]
    public void State_buffers_carry_torchs_names()
    {
        Assert.Empty(new Sgd().StateNames);
        Assert.Equal(["momentum_buffer"], new Sgd(momentum: 0.9f).StateNames);
        Assert.Equal(["sum"], new AdaGrad().StateNames);
        Assert.Equal(["square_avg", "grad_avg", "momentum_buffer"], new RmsProp(momentum: 0.9f, centered: true).StateNames);
        Assert.Equal(["exp_avg", "exp_avg_sq"], new Adam().StateNames);
        Assert.Equal(["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], new AdamW(amsGrad: true).StateNames);
    }

    [Fact]
    public void Defaults_are_torchs()
    {
        var sgd = new Sgd();
        Assert.Equal((1e-3f, 0f, 0f, 0f, false), (sgd.LearningRate, sgd.Momentum, sgd.Dampening, sgd.WeightDecay, sgd.Nesterov));
        var adaGrad = new AdaGrad();
        Assert.Equal((0.01f, 0f, 0f, 0f, 1e-10f), (adaGrad.LearningRate, adaGrad.LearningRateDecay, adaGrad.WeightDecay, adaGrad.InitialAccumulatorValue, adaGrad.Epsilon));
        var rmsProp = new RmsProp();
        Assert.Equal((0.01f, 0.99f, 1e-8f, 0f, 0f, false), (rmsProp.LearningRate, rmsProp.Alpha, rmsProp.Epsilon, rmsProp.WeightDecay, rmsProp.Momentum, rmsProp.Centered));
        var adam = new Adam();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.AmsGrad));
        var adamW = new AdamW();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, false), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.AmsGrad));
    }
}
