using NetGen.Data;
using NetGen.Samples.Regression;
using Xunit.Abstractions;

namespace NetGen.Tests.Demonstrations;

/// <summary>A shortened diamond-price run (3 epochs instead of 20): the MLP must beat least-squares linear regression on the same test rows.</summary>
public class RegressionSampleTests(ITestOutputHelper output)
{
    [Fact]
    public void Mlp_beats_the_least_squares_baseline_on_held_out_diamonds()
    {
        Dataset all = Diamonds.Load();
        Assert.Equal(53_940 - 23, all.Count); // the rows with an impossible size are dropped
        Assert.Equal(9, all.FeatureCount);

        RegressionOutcome outcome = RegressionStudy.Run(all, new RegressionSettings { Epochs = 3 });

        output.WriteLine($"MLP R² {outcome.Test.RSquared:F4}, least squares R² {outcome.LinearBaseline.RSquared:F4}");
        Assert.True(outcome.LinearBaseline.RSquared is > 0.85 and < 0.92, $"baseline R² {outcome.LinearBaseline.RSquared}");
        Assert.True(outcome.Test.RSquared > outcome.LinearBaseline.RSquared + 0.04, $"MLP R² {outcome.Test.RSquared} vs baseline {outcome.LinearBaseline.RSquared}");
        Assert.True(outcome.Test.MeanAbsoluteError < 0.6 * outcome.LinearBaseline.MeanAbsoluteError);
    }

    [Fact]
    public void Least_squares_recovers_an_exact_linear_relation()
    {
        var rng = new Rng(1);
        var x = new float[200 * 3];
        var y = new float[200];
        for (int s = 0; s < 200; s++)
        {
            for (int j = 0; j < 3; j++)
            {
                x[(s * 3) + j] = rng.NextGaussian();
            }

            y[s] = (2f * x[s * 3]) - (0.5f * x[(s * 3) + 1]) + (0.25f * x[(s * 3) + 2]) + 4f;
        }

        double[] w = LeastSquares.Fit(x, y, 3);
        Assert.Equal([2, -0.5, 0.25, 4], w.Select(v => Math.Round(v, 4)));
    }
}
