namespace NetGen.Tests.Infrastructure;

/// <summary>
/// The one tensor comparison every test uses: the largest absolute element-wise difference (a NaN anywhere counts as
/// infinitely far), and an assertion that prints where two tensors differ most.
/// </summary>
internal static class TensorAssert
{
    /// <summary>max |a − b| over equal-length tensors, in double; +∞ when any difference is NaN.</summary>
    /// <param name="a">One tensor.</param>
    /// <param name="b">The other, same length.</param>
    /// <returns>The largest absolute difference.</returns>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Worse(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    /// <summary>max |a − b| of a float tensor against a double reference; +∞ when any difference is NaN.</summary>
    /// <param name="a">The tensor under test.</param>
    /// <param name="b">The reference, same length.</param>
    /// <returns>The largest absolute difference.</returns>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Worse(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>
    /// Fails unless every <c>|actual − expected| ≤ atol + rtol·|expected|</c>, naming the tensor, the worst index and
    /// both values.
    /// </summary>
    /// <param name="expected">The reference.</param>
    /// <param name="actual">The tensor under test, same length.</param>
    /// <param name="atol">The absolute tolerance.</param>
    /// <param name="rtol">The tolerance relative to the reference's magnitude.</param>
    /// <param name="what">The tensor's name, for the failure message.</param>
    public static void AllClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            double excess = double.IsNaN(diff) ? double.PositiveInfinity : diff - (atol + (rtol * Math.Abs(expected[i])));
            if (excess > worstExcess)
            {
                worst = i;
                worstExcess = excess;
            }
        }

        Assert.True(
            worst < 0,
            worst < 0 ? "" : $"{what}: element {worst} of {expected.Length} is {actual[worst]:R}, expected {expected[worst]:R} (atol {atol}, rtol {rtol}); max |diff| {MaxAbsDiff(expected, actual):G3}.");
    }

    private static double Worse(double max, double diff) => double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(max, diff);
}
