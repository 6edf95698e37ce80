using System;
using System.Collections.Generic;
using NetGen.Optimizers;

namespace NetGen.Transfer;

/// <summary>
/// Fine-tuning's optimizer: splits a network's parameter tensors into <see cref="ParameterGroup"/>s, each stepped by
/// its own optimizer instance at its own learning rate (<see cref="LearningRate"/> × the group's multiplier), or
/// frozen and skipped entirely. Tensors no group selects form a last group named <c>default</c>. A group whose
/// tensors are contiguous in the flat buffer is stepped in place; otherwise its slices are gathered into a buffer of
/// its own, stepped and scattered back (buffers are allocated once, so steps allocate nothing).
/// </summary>
public sealed class ParameterGroupOptimizer : IStatefulOptimizer
{
    /// <summary>The name of the group of tensors that no other group selects.</summary>
    public const string DefaultGroupName = "default";

    private readonly int _parameterCount;
    private readonly Group[] _groups;
    private float _learningRate;

    /// <summary>Creates the optimizer for <paramref name="network"/>'s parameter tensors.</summary>
    /// <param name="network">The network whose <see cref="NetworkBase.ParameterTensors"/> are grouped.</param>
    /// <param name="defaultOptimizer">Creates the optimizer of each group that has no factory of its own (and of the default group).</param>
    /// <param name="learningRate">The base learning rate; each group steps at this times its multiplier.</param>
    /// <param name="groups">The groups, in priority order; a tensor joins the first group that selects it.</param>
    public ParameterGroupOptimizer(NetworkBase network, Func<IOptimizer> defaultOptimizer, float learningRate, params ParameterGroup[] groups)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(defaultOptimizer);
        ArgumentNullException.ThrowIfNull(groups);
        LearningRate = learningRate;
        _parameterCount = network.ParameterCount;

        var names = new HashSet<string>(StringComparer.Ordinal) { DefaultGroupName };
        foreach (ParameterGroup g in groups)
        {
            ArgumentNullException.ThrowIfNull(g, nameof(groups));
            if (!names.Add(g.Name))
            {
                throw new ArgumentException($"Two groups are named '{g.Name}' (or a group uses the reserved name '{DefaultGroupName}').", nameof(groups));
            }
        }

        // Which group owns each parameter: the first selecting group of its tensor, else the default group.
        int defaultIndex = groups.Length;
        var owner = new int[_parameterCount];
        Array.Fill(owner, defaultIndex);
        var tensorNames = new List<string>[groups.Length + 1];
        for (int g = 0; g < tensorNames.Length; g++)
        {
            tensorNames[g] = [];
        }

        foreach (ParameterTensor tensor in network.ParameterTensors)
        {
            int g = defaultIndex;
            for (int i = 0; i < groups.Length; i++)
            {
                if (groups[i].Selector(tensor))
                {
                    g = i;
                    break;
                }
            }

            owner.AsSpan(tensor.Offset, tensor.Length).Fill(g);
            tensorNames[g].Add(tensor.Name);
        }

        var built = new List<Group>(groups.Length + 1);
        for (int g = 0; g <= groups.Length; g++)
        {
            List<(int Offset, int Length)> runs = Runs(owner, g);
            if (runs.Count == 0)
            {
                continue; // an empty group (e.g. no tensor left for the default group) takes no part
            }

            ParameterGroup? spec = g < groups.Length ? groups[g] : null;
            bool frozen = spec?.Frozen ?? false;
            IOptimizer? inner = frozen ? null : (spec?.Optimizer ?? defaultOptimizer)();
            if (!frozen && inner is null)
            {
                throw new InvalidOperationException($"The optimizer factory of group '{spec?.Name ?? DefaultGroupName}' returned null.");
            }

            built.Add(new Group(spec?.Name ?? DefaultGroupName, spec?.LearningRateMultiplier ?? 1f, frozen, inner, runs.ToArray(), tensorNames[g].ToArray()));
        }

        _groups = built.ToArray();
    }

    /// <summary>The base learning rate; a group steps at this times its <see cref="ParameterGroup.LearningRateMultiplier"/>. Schedules change it.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = float.IsFinite(value) && value >= 0f
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be finite and zero or more.");
    }

    /// <summary>The number of steps taken since construction or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

    /// <summary>The groups that own at least one parameter, in priority order with the default group last.</summary>
    public IReadOnlyList<ParameterGroupInfo> Groups
    {
        get
        {
            var infos = new ParameterGroupInfo[_groups.Length];
            for (int i = 0; i < infos.Length; i++)
            {
                Group g = _groups[i];
                infos[i] = new ParameterGroupInfo(g.Name, g.TensorNames, g.Length, g.Multiplier, g.Frozen, g.Optimizer);
            }

            return infos;
        }
    }

    /// <summary>Steps every group that is not frozen over its own parameters and gradients, at its own learning rate.</summary>
    /// <param name="parameters">The network's flat parameters.</param>
    /// <param name="gradients">The gradients, same length.</param>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != _parameterCount || gradients.Length != _parameterCount)
        {
            throw new ArgumentException(
                $"This optimizer was built for {_parameterCount} parameters but the step has {parameters.Length} parameters and {gradients.Length} gradients.",
                nameof(parameters));
        }

        StepCount++;
        foreach (Group g in _groups)
        {
            if (g.Frozen)
            {
                continue;
            }

            IOptimizer inner = g.Optimizer!;
            inner.LearningRate = _learningRate * g.Multiplier;
            if (g.Runs.Length == 1)
            {
                (int offset, int length) = g.Runs[0];
                inner.Step(parameters.Slice(offset, length), gradients.Slice(offset, length));
                continue;
            }

            int at = 0;
            foreach ((int offset, int length) in g.Runs)
            {
                parameters.Slice(offset, length).CopyTo(g.Parameters.AsSpan(at, length));
                gradients.Slice(offset, length).CopyTo(g.Gradients.AsSpan(at, length));
                at += length;
            }

            inner.Step(g.Parameters, g.Gradients);
            at = 0;
            foreach ((int offset, int length) in g.Runs)
            {
                g.Parameters.AsSpan(at, length).CopyTo(parameters.Slice(offset, length));
                at += length;
            }
        }
    }

    /// <summary>Forgets the state of every group's optimizer and the step count.</summary>
    public void Reset()
    {
        StepCount = 0;
        foreach (Group g in _groups)
        {
            g.Optimizer?.Reset();
        }
    }

    /// <summary>
    /// The state of every group's optimizer in one snapshot for checkpoints: buffers are named <c>{group}/{buffer}</c>
    /// (e.g. <c>head/exp_avg</c>), each one float per parameter of its group; frozen groups have none.
    /// </summary>
    /// <exception cref="NotSupportedException">A group's optimizer is not an <see cref="Optimizer"/>, whose state can be read.</exception>
    public OptimizerState GetState()
    {
        var names = new List<string>();
        var buffers = new List<float[]>();
        foreach (Group g in _groups)
        {
            if (g.Frozen)
            {
                continue;
            }

            OptimizerState state = Stateful(g).GetState();
            for (int k = 0; k < state.Names.Count; k++)
            {
                names.Add(g.Name + "/" + state.Names[k]);
                buffers.Add(state.Buffers[k]);
            }
        }

        return new OptimizerState(StepCount, names, buffers);
    }

    /// <summary>
    /// Every group's optimizer options as <c>{group}/{name}</c> (see <see cref="Optimizer.Hyperparameters"/>), plus each
    /// group's <c>{group}/lr_multiplier</c>; frozen groups have none. Checkpoints compare them on restore.
    /// </summary>
    public IReadOnlyDictionary<string, double> Hyperparameters
    {
        get
        {
            var all = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (Group g in _groups)
            {
                if (g.Frozen)
                {
                    continue;
                }

                all[g.Name + "/lr_multiplier"] = g.Multiplier;
                foreach (KeyValuePair<string, double> pair in Stateful(g).Hyperparameters)
                {
                    all[g.Name + "/" + pair.Key] = pair.Value;
                }
            }

            return all;
        }
    }

    /// <summary>Restores a snapshot taken by <see cref="GetState"/> of a group optimizer with the same groups and options.</summary>
    /// <param name="state">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot's buffers do not fit these groups; nothing was changed.</exception>
    public void SetState(OptimizerState state)
    {
        ValidateState(state, "The saved state");
        int k = 0;
        foreach (Group g in _groups)
        {
            if (g.Frozen)
            {
                continue;
            }

            Optimizer inner = Stateful(g);
            int count = inner.StateNames.Count;
            var names = new string[count];
            var buffers = new float[count][];
            for (int i = 0; i < count; i++, k++)
            {
                names[i] = inner.StateNames[i];
                buffers[i] = state.Buffers[k];
            }

            inner.SetState(new OptimizerState(state.StepCount, names, buffers));
        }

        StepCount = state.StepCount;
    }

    /// <inheritdoc />
    /// <remarks>Each buffer holds one float per parameter of its group, so <paramref name="parameterCount"/> is not needed: the groups give the lengths.</remarks>
    public void ValidateState(OptimizerState state, int parameterCount, string source) => ValidateState(state, source);

    /// <summary>Throws unless <paramref name="state"/> has exactly this optimizer's buffer names and lengths.</summary>
    internal void ValidateState(OptimizerState state, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        var expected = new List<(string Name, int Length)>();
        foreach (Group g in _groups)
        {
            if (!g.Frozen)
            {
                foreach (string name in Stateful(g).StateNames)
                {
                    expected.Add((g.Name + "/" + name, g.Length));
                }
            }
        }

        bool same = expected.Count == state.Names.Count;
        for (int i = 0; same && i < expected.Count; i++)
        {
            same = string.Equals(expected[i].Name, state.Names[i], StringComparison.Ordinal);
        }

        if (!same)
        {
            var names = new List<string>(expected.Count);
            foreach ((string name, _) in expected)
            {
                names.Add(name);
            }

            StateCheck.Fail(
                $"{source} holds optimizer buffers [{string.Join(", ", state.Names)}] but this group optimizer has [{string.Join(", ", names)}] (different groups or options?).");
        }

        for (int i = 0; i < expected.Count; i++)
        {
            int length = state.Buffers[i].Length;
            StateCheck.Fits(
                length == expected[i].Length || (length == 0 && state.StepCount == 0),
                $"{source} holds optimizer buffer '{expected[i].Name}' of {length} floats but the group has {expected[i].Length} parameters.");
        }
    }

    private static Optimizer Stateful(Group g) => g.Optimizer as Optimizer
        ?? throw new NotSupportedException($"Group '{g.Name}' uses a {g.Optimizer!.GetType().Name}, whose state cannot be read; only NetGen.Optimizers.Optimizer subclasses can be checkpointed.");

    private static List<(int Offset, int Length)> Runs(int[] owner, int group)
    {
        var runs = new List<(int Offset, int Length)>();
        int i = 0;
        while (i < owner.Length)
        {
            if (owner[i] != group)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < owner.Length && owner[i] == group)
            {
                i++;
            }

            runs.Add((start, i - start));
        }

        return runs;
    }

    private sealed class Group
    {
        public Group(string name, float multiplier, bool frozen, IOptimizer? optimizer, (int Offset, int Length)[] runs, string[] tensorNames)
        {
            Name = name;
            Multiplier = multiplier;
            Frozen = frozen;
            Optimizer = optimizer;
            Runs = runs;
            TensorNames = tensorNames;
            foreach ((_, int length) in runs)
            {
                Length += length;
            }

            bool gather = runs.Length > 1 && !frozen;
            Parameters = gather ? new float[Length] : [];
            Gradients = gather ? new float[Length] : [];
        }

        public string Name { get; }

        public float Multiplier { get; }

        public bool Frozen { get; }

        public IOptimizer? Optimizer { get; }

        public (int Offset, int Length)[] Runs { get; }

        public string[] TensorNames { get; }

        public int Length { get; }

        public float[] Parameters { get; }

        public float[] Gradients { get; }
    }
}

/// <summary>One group of a <see cref="ParameterGroupOptimizer"/>, as built.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="TensorNames">The parameter tensors in the group.</param>
/// <param name="ParameterCount">The number of parameters in the group.</param>
/// <param name="LearningRateMultiplier">The factor on the base learning rate.</param>
/// <param name="Frozen">Whether the group gets no update.</param>
/// <param name="Optimizer">The group's own optimizer, or null when frozen.</param>
public sealed record ParameterGroupInfo(string Name, IReadOnlyList<string> TensorNames, int ParameterCount, float LearningRateMultiplier, bool Frozen, IOptimizer? Optimizer);
