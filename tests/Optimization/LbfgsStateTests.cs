using NetGen.Optimizers;

namespace NetGen.Tests.Optimization;

/// <summary><see cref="Lbfgs"/>'s state contract: the iterations it took, kept across calls and restored.</summary>
public class LbfgsStateTests
{
    // f(x) = Σ (i+1)·(x_i − 1)², gradient 2·(i+1)·(x_i − 1).
    private static double Quadratic(ReadOnlySpan<float> x, Span<float> gradient)
    {
        double f = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - 1.0;
            f += (i + 1) * d * d;
            gradient[i] = (float)(2 * (i + 1) * d);
        }

        return f;
    }

    [Fact]
    public void The_step_count_adds_the_iterations_of_every_call_and_comes_back_through_the_state()
    {
        var lbfgs = new Lbfgs();
        float[] x = new float[6];
        LbfgsResult first = lbfgs.Minimize(x, Quadratic);
        x.AsSpan().Fill(-3f);
        LbfgsResult second = lbfgs.Minimize(x, Quadratic);
        Assert.True(first.Iterations > 0 && second.Iterations > 0);
        Assert.Equal(first.Iterations + second.Iterations, lbfgs.StepCount);

        OptimizerState state = lbfgs.GetState();
        Assert.Empty(state.Names);
        var restored = new Lbfgs();
        restored.SetState(state);
        Assert.Equal(lbfgs.StepCount, restored.StepCount);

        Assert.Throws<ArgumentException>(() => restored.SetState(new Adam().GetState() is var s && s.Names.Count > 0 ? s : new OptimizerState(0, ["exp_avg"], [[]])));
        Assert.Equal(lbfgs.StepCount, restored.StepCount); // a refused state changes nothing
    }
}
