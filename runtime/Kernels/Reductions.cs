using System;

namespace NetGen.Kernels;

/// <summary>Reductions over one row of floats.</summary>
public static class Reductions
{
    /// <summary>The index of the largest value (the first one on ties); -1 for an empty span.</summary>
    /// <param name="values">The values.</param>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = values.IsEmpty ? -1 : 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
