using System;

namespace NetGen.Optimizers;

/// <summary>
/// An update rule over a network's flat parameter and gradient buffers. Implementations keep their state (moments,
/// accumulators) in buffers of the same length, allocated on the first step, so later steps allocate nothing.
/// </summary>
public interface IOptimizer
{
    /// <summary>The learning rate used by the next step; schedules change it between steps.</summary>
    float LearningRate { get; set; }

    /// <summary>The number of steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>Applies one update: reads <paramref name="gradients"/> and changes <paramref name="parameters"/> in place.</summary>
    /// <param name="parameters">The parameters; the same length on every call.</param>
    /// <param name="gradients">The gradients, same length as <paramref name="parameters"/>.</param>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Forgets all state (moments, step count) as if no step had been taken.</summary>
    void Reset();
}
