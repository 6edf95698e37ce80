namespace NetGen;

/// <summary>
/// A component that saves and restores its own state, like PyTorch's <c>state_dict()</c> and
/// <c>load_state_dict()</c>: <see cref="GetState"/> returns a copy of everything the component needs to continue
/// exactly, <see cref="SetState"/> takes such a copy back. Only the component knows the fields of its state; a
/// <see cref="Serialization.Checkpoint"/> is the collection of its components' states plus the byte format they are
/// written in.
/// </summary>
/// <typeparam name="TState">The component's state snapshot, e.g. <see cref="NetworkState"/> or <see cref="Optimizers.OptimizerState"/>.</typeparam>
/// <remarks>
/// Implemented by <see cref="NetworkBase"/> (parameters, buffers, random state), the optimizers
/// (<see cref="Optimizers.IStatefulOptimizer"/>: <see cref="Optimizers.Optimizer"/>,
/// <see cref="Transfer.ParameterGroupOptimizer"/>), <see cref="Optimizers.Lbfgs"/> and the trainer's
/// <see cref="Training.TrainingContext"/> (<see cref="Training.TrainingState"/>) and the training callbacks that
/// checkpoints save: <see cref="Training.EarlyStopping"/>, <see cref="Training.ExponentialMovingAverage"/> and
/// <see cref="Training.ReduceLearningRateOnPlateau"/>, whose encoded states the trainer state carries by name; a
/// standardizer is immutable and converts with
/// <see cref="Data.Standardizer.ToState"/> and <see cref="Data.Standardizer.FromState"/>. Learning-rate schedules
/// are functions of the step and hold no state of their own.
/// </remarks>
public interface IStateful<TState>
    where TState : class
{
    /// <summary>A copy of the component's current state (later changes of the component do not show in it).</summary>
    /// <returns>The state snapshot.</returns>
    TState GetState();

    /// <summary>
    /// Takes a state returned by <see cref="GetState"/> of a component of the same kind and options. The state is
    /// checked first: when it does not fit, the method throws and the component is unchanged.
    /// </summary>
    /// <param name="state">The state to take (copied).</param>
    /// <exception cref="System.ArgumentException">The state does not fit this component; nothing was changed.</exception>
    void SetState(TState state);
}
