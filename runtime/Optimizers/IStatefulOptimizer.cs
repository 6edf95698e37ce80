using System.Collections.Generic;

namespace NetGen.Optimizers;

/// <summary>
/// An optimizer whose state checkpoints save and restore (PyTorch's <c>optimizer.state_dict()</c>): the step count
/// and named per-parameter buffers as an <see cref="OptimizerState"/>, plus the options the update rule depends on.
/// <see cref="Optimizer"/> and <see cref="Transfer.ParameterGroupOptimizer"/> implement it; implement it on your own
/// <see cref="IOptimizer"/> to make it checkpointable.
/// </summary>
public interface IStatefulOptimizer : IOptimizer, IStateful<OptimizerState>
{
    /// <summary>The options the update rule depends on, by name (e.g. <c>beta2</c>); a checkpoint refuses to restore into an optimizer whose options differ.</summary>
    IReadOnlyDictionary<string, double> Hyperparameters { get; }

    /// <summary>
    /// Throws unless <paramref name="state"/> fits this optimizer for a network of <paramref name="parameterCount"/>
    /// parameters (same buffer names, lengths that fit); changes nothing.
    /// </summary>
    /// <param name="state">The state to check.</param>
    /// <param name="parameterCount">The parameter count of the network the optimizer updates.</param>
    /// <param name="source">Where the state comes from, starting the messages (e.g. <c>Checkpoint 'run.ngck'</c>).</param>
    /// <exception cref="System.ArgumentException">The state does not fit.</exception>
    void ValidateState(OptimizerState state, int parameterCount, string source);
}
