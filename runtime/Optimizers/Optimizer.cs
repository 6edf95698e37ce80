using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace NetGen.Optimizers;

/// <summary>
/// The shared part of NetGen's optimizers: learning rate, step count, length checks, and named state buffers (one
/// float per parameter each) that are allocated on the first <see cref="Step"/> and can be saved and restored.
/// </summary>
public abstract class Optimizer : IStatefulOptimizer
{
    private readonly string[] _stateNames;
    private readonly float[][] _state;
    private readonly Dictionary<string, double> _hyperparameters = new(StringComparer.Ordinal);
    private float _learningRate;

    /// <summary>The parameter count the state is sized for, or -1 before the first step (and after <see cref="Reset"/>).</summary>
    private int _length = -1;

    /// <summary>Creates an optimizer whose state consists of the named buffers, in this order.</summary>
    /// <param name="learningRate">The initial learning rate; zero or more.</param>
    /// <param name="stateNames">The names of the state buffers (torch's names, e.g. <c>exp_avg</c>).</param>
    private protected Optimizer(float learningRate, params string[] stateNames)
    {
        LearningRate = learningRate;
        _stateNames = stateNames;
        _state = new float[stateNames.Length][];
        for (int k = 0; k < _state.Length; k++)
        {
            _state[k] = [];
        }
    }

    /// <summary>The learning rate used by the next step; zero or more, and schedules may change it between steps.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            CheckRange(value, 0f, float.PositiveInfinity, nameof(LearningRate), maxInclusive: false);
            _learningRate = value;
        }
    }

    /// <summary>The number of steps taken since construction or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// The options that shape the update besides the learning rate, by torch's names (<c>beta1</c>, <c>eps</c>,
    /// <c>weight_decay</c>, …; flags as 0 or 1). Checkpoints save them, and restoring into an optimizer whose values
    /// differ is refused, since the saved state buffers only continue the run under the same rule.
    /// </summary>
    public IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>(_hyperparameters, StringComparer.Ordinal);

    /// <summary>The names of the state buffers, in the order <see cref="GetState"/> returns them (empty for plain SGD).</summary>
    public IReadOnlyList<string> StateNames => _stateNames;

    /// <summary>Applies one update to <paramref name="parameters"/> in place; allocates nothing after the first call.</summary>
    /// <param name="parameters">The parameters; the same length on every call until <see cref="Reset"/>.</param>
    /// <param name="gradients">The gradients, same length as <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or differ from the length of earlier steps.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length)
        {
            throw new ArgumentException(
                $"The gradients hold {gradients.Length} floats but the parameters hold {parameters.Length}; they must have the same length.",
                nameof(gradients));
        }

        if (_length < 0)
        {
            AllocateState(parameters.Length);
        }
        else if (parameters.Length != _length)
        {
            throw new ArgumentException(
                $"This optimizer's state is sized for {_length} parameters (fixed by its first step) but this step has {parameters.Length}; call Reset() before optimizing a buffer of another length.",
                nameof(parameters));
        }

        StepCount++;
        Update(parameters, gradients);
    }

    /// <summary>Forgets the state and the step count; the next step may use a different parameter count.</summary>
    public void Reset()
    {
        StepCount = 0;
        _length = -1;
    }

    /// <summary>Copies the step count and the state buffers, for a checkpoint; the buffers are empty before the first step.</summary>
    public OptimizerState GetState()
    {
        var buffers = new float[_state.Length][];
        for (int k = 0; k < buffers.Length; k++)
        {
            buffers[k] = _length < 0 ? [] : (float[])_state[k].Clone();
        }

        return new OptimizerState(StepCount, _stateNames, buffers);
    }

    /// <inheritdoc />
    public void ValidateState(OptimizerState state, int parameterCount, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.Fits(
            HasNames(state),
            $"{source} holds optimizer buffers [{string.Join(", ", state.Names)}] but the optimizer has [{string.Join(", ", _stateNames)}] (different options?).",
            "optimizer");
        for (int k = 0; k < state.Buffers.Count; k++)
        {
            int length = state.Buffers[k].Length;
            StateCheck.Fits(
                length == parameterCount || (length == 0 && state.StepCount == 0),
                $"{source} holds optimizer buffer '{state.Names[k]}' of {length} floats but the network has {parameterCount} parameters.",
                "optimizer");
        }
    }

    /// <summary>
    /// Restores a checkpoint taken by <see cref="GetState"/> of an optimizer of the same kind and options; the buffers
    /// are copied, and the next steps continue exactly where the saved optimizer stopped.
    /// </summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentException">The buffer names or lengths do not fit this optimizer.</exception>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.Fits(state.StepCount >= 0, $"The saved step count is {state.StepCount}; it cannot be negative.");
        StateCheck.Fits(
            HasNames(state), $"The saved state has buffers [{string.Join(", ", state.Names)}] but this optimizer has [{string.Join(", ", _stateNames)}].");
        int length = _stateNames.Length == 0 ? -1 : state.Buffers[0].Length;
        for (int k = 0; k < _stateNames.Length; k++)
        {
            StateCheck.Fits(
                state.Buffers[k].Length == length,
                $"The saved buffer '{state.Names[k]}' holds {state.Buffers[k].Length} floats but '{state.Names[0]}' holds {length}; all must have the same length.");
        }

        // Empty buffers before any step mean "not sized yet", exactly what GetState returns for a fresh optimizer.
        StepCount = state.StepCount;
        _length = length < 0 || (length == 0 && state.StepCount == 0) ? -1 : length;
        for (int k = 0; k < _state.Length; k++)
        {
            _state[k] = (float[])state.Buffers[k].Clone();
        }
    }

    /// <summary>The state buffer at <paramref name="index"/> in <see cref="StateNames"/> order.</summary>
    internal float[] StateBuffer(int index) => _state[index];

    /// <summary>Gives freshly sized state buffers their initial values; they arrive zeroed.</summary>
    private protected virtual void InitializeState()
    {
    }

    /// <summary>Applies the update rule; <see cref="StepCount"/> already counts this step and the lengths are checked.</summary>
    private protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>
    /// Checks a constructor option that must be zero or more, records it in <see cref="Hyperparameters"/> under
    /// torch's name <paramref name="key"/>, and returns it.
    /// </summary>
    private protected float NonNegative(string key, float value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        CheckRange(value, 0f, float.PositiveInfinity, name, maxInclusive: false);
        return Record(key, value);
    }

    /// <summary>
    /// Checks a constructor option that must lie in [0, 1] (or [0, 1) without <paramref name="oneAllowed"/>), records
    /// it in <see cref="Hyperparameters"/> under torch's name <paramref name="key"/>, and returns it.
    /// </summary>
    private protected float Fraction(string key, float value, bool oneAllowed = true, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        CheckRange(value, 0f, 1f, name, maxInclusive: oneAllowed);
        return Record(key, value);
    }

    /// <summary>Records a switch in <see cref="Hyperparameters"/> as 0 or 1 under torch's name <paramref name="key"/> and returns it.</summary>
    private protected bool Flag(string key, bool value)
    {
        _hyperparameters[key] = value ? 1 : 0;
        return value;
    }

    /// <summary>Throws unless <paramref name="value"/> lies in the given range (NaN never does).</summary>
    internal static void CheckRange(float value, float min, float max, string name, bool maxInclusive = true)
    {
        bool inRange = value >= min && (maxInclusive ? value <= max : value < max);
        if (!inRange)
        {
            string upper = float.IsPositiveInfinity(max) ? "∞)" : max.ToString(CultureInfo.InvariantCulture) + (maxInclusive ? "]" : ")");
            throw new ArgumentOutOfRangeException(
                name,
                value,
                $"{name} must be in [{min.ToString(CultureInfo.InvariantCulture)}, {upper} but was {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>Whether the state's buffer names are this optimizer's, in the same order.</summary>
    private bool HasNames(OptimizerState state)
    {
        bool same = _stateNames.Length == state.Names.Count;
        for (int k = 0; same && k < _stateNames.Length; k++)
        {
            same = string.Equals(_stateNames[k], state.Names[k], StringComparison.Ordinal);
        }

        return same;
    }

    private float Record(string key, float value)
    {
        _hyperparameters[key] = value;
        return value;
    }

    private void AllocateState(int length)
    {
        for (int k = 0; k < _state.Length; k++)
        {
            if (_state[k].Length == length)
            {
                Array.Clear(_state[k]);
            }
            else
            {
                _state[k] = new float[length];
            }
        }

        _length = length;
        InitializeState();
    }
}
