using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace NetGen;

/// <summary>
/// The one check behind every <see cref="IStateful{TState}.SetState"/>: a saved state that does not fit the component
/// (another kind, another size, impossible counters) throws an <see cref="ArgumentException"/> that names the problem,
/// before the component changes.
/// </summary>
internal static class StateCheck
{
    /// <summary>Throws an <see cref="ArgumentException"/> with <paramref name="problem"/> as its message unless <paramref name="fits"/>.</summary>
    /// <param name="fits">Whether the saved state fits.</param>
    /// <param name="problem">What does not fit, as a sentence.</param>
    /// <param name="parameter">The argument that carried the state.</param>
    public static void Fits(bool fits, string problem, string parameter = "state")
    {
        if (!fits)
        {
            Fail(problem, parameter);
        }
    }

    /// <summary>A training callback's check: the message reads <c>The saved state of '{stateName}' {problem}</c>.</summary>
    /// <param name="fits">Whether the saved state fits.</param>
    /// <param name="stateName">The callback's state name in checkpoints.</param>
    /// <param name="problem">What does not fit, continuing the sentence.</param>
    public static void CallbackFits(bool fits, string stateName, string problem) =>
        Fits(fits, $"The saved state of '{stateName}' {problem}");

    /// <summary>Throws unless a callback's saved state watched the metric the callback watches now.</summary>
    /// <param name="stateName">The callback's state name in checkpoints.</param>
    /// <param name="saved">The metric the saved state watched.</param>
    /// <param name="current">The metric the callback watches.</param>
    public static void SameMonitor<TMonitor>(string stateName, TMonitor saved, TMonitor current)
        where TMonitor : struct, Enum =>
        CallbackFits(EqualityComparer<TMonitor>.Default.Equals(saved, current), stateName, $"watched {saved}, but this callback watches {current}.");

    /// <summary>Throws the <see cref="ArgumentException"/> of a state that does not fit, for checks that need a loop first.</summary>
    /// <param name="problem">What does not fit, as a sentence.</param>
    /// <param name="parameter">The argument that carried the state.</param>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fail(string problem, string parameter = "state") => throw new ArgumentException(problem, parameter);
}
