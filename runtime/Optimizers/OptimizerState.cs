using System;
using System.Collections.Generic;

namespace NetGen.Optimizers;

/// <summary>
/// A snapshot of an <see cref="Optimizer"/>'s state for checkpoints: the step count and its named buffers, each one
/// float per parameter (empty before the first step). Write the names and floats out as they are; read them back into
/// an optimizer of the same kind and options with <see cref="Optimizer.SetState"/>.
/// </summary>
public sealed class OptimizerState
{
    /// <summary>Creates a snapshot; <paramref name="names"/> and <paramref name="buffers"/> pair up by index.</summary>
    /// <param name="stepCount">The number of steps taken.</param>
    /// <param name="names">The buffer names, e.g. <c>exp_avg</c> and <c>exp_avg_sq</c> for Adam.</param>
    /// <param name="buffers">The buffers, one per name.</param>
    public OptimizerState(long stepCount, IReadOnlyList<string> names, IReadOnlyList<float[]> buffers)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(buffers);
        if (names.Count != buffers.Count)
        {
            throw new ArgumentException($"There are {names.Count} buffer names but {buffers.Count} buffers.", nameof(buffers));
        }

        StepCount = stepCount;
        Names = names;
        Buffers = buffers;
    }

    /// <summary>The number of steps the optimizer had taken (bias corrections and learning-rate decay depend on it).</summary>
    public long StepCount { get; }

    /// <summary>The buffer names, in the optimizer's <see cref="Optimizer.StateNames"/> order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The buffers, one per name.</summary>
    public IReadOnlyList<float[]> Buffers { get; }
}
