using System;
using System.ComponentModel;

namespace NetGen.Interop;

/// <summary>Index arrays that generated <c>DescribeOnnxGraph</c> code needs for layers decomposed into gathers (fractional pooling).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnnxIndices
{
    /// <summary>The region boundaries fractional max pooling uses at inference (offset <see cref="Kernels.FractionalMaxPool2D.InferenceOffset"/>).</summary>
    /// <param name="input">The input height or width.</param>
    /// <param name="output">The output height or width.</param>
    /// <returns><paramref name="output"/> + 1 increasing boundaries from 0 to <paramref name="input"/>.</returns>
    public static int[] FractionalInferenceBoundaries(int input, int output)
    {
        var boundaries = new int[output + 1];
        Kernels.FractionalMaxPool2D.Regions(input, output, Kernels.FractionalMaxPool2D.InferenceOffset, boundaries);
        return boundaries;
    }

    /// <summary>The first index of each region <c>[boundaries[i], boundaries[i + 1])</c>.</summary>
    /// <param name="boundaries">Increasing region boundaries.</param>
    public static long[] RegionFirst(int[] boundaries)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var first = new long[Math.Max(0, boundaries.Length - 1)];
        for (int i = 0; i < first.Length; i++)
        {
            first[i] = boundaries[i];
        }

        return first;
    }

    /// <summary>The last index of each region <c>[boundaries[i], boundaries[i + 1])</c>.</summary>
    /// <param name="boundaries">Increasing region boundaries.</param>
    public static long[] RegionLast(int[] boundaries)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var last = new long[Math.Max(0, boundaries.Length - 1)];
        for (int i = 0; i < last.Length; i++)
        {
            last[i] = boundaries[i + 1] - 1L;
        }

        return last;
    }
}
