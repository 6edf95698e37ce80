using System;
using System.Collections.Generic;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// Averages the predicted probabilities of several trained networks with the same input and output sizes (for
/// example the same architecture trained from different seeds). Members run in <see cref="NetworkMode.Inference"/>
/// mode; their previous modes are restored afterwards.
/// </summary>
public sealed class Ensemble
{
    private readonly NetworkBase[] _members;

    /// <summary>Creates an ensemble of <paramref name="members"/>, weighted equally.</summary>
    /// <param name="members">One or more networks with equal <see cref="NetworkBase.InputSize"/> and <see cref="NetworkBase.OutputSize"/>.</param>
    public Ensemble(params NetworkBase[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Length == 0)
        {
            throw new ArgumentException("An ensemble needs at least one network.", nameof(members));
        }

        _members = (NetworkBase[])members.Clone();
        for (int m = 0; m < _members.Length; m++)
        {
            NetworkBase member = _members[m] ?? throw new ArgumentNullException(nameof(members), $"Member {m} is null.");
            if (member.InputSize != _members[0].InputSize || member.OutputSize != _members[0].OutputSize)
            {
                throw new ArgumentException(
                    $"Member {m} maps {member.InputSize} inputs to {member.OutputSize} outputs but member 0 maps {_members[0].InputSize} to {_members[0].OutputSize}.",
                    nameof(members));
            }
        }
    }

    /// <summary>The networks, in the order given.</summary>
    public IReadOnlyList<NetworkBase> Members => _members;

    /// <summary>The number of floats in one input sample.</summary>
    public int InputSize => _members[0].InputSize;

    /// <summary>The number of outputs (classes) per sample.</summary>
    public int OutputSize => _members[0].OutputSize;

    /// <summary>
    /// Writes the mean of the members' outputs (their probabilities, for softmax heads) for <paramref name="batchSize"/>
    /// samples; allocates nothing once the members' arenas hold the batch.
    /// </summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples; positive.</param>
    /// <param name="probabilities">Receives <c>batchSize × OutputSize</c> averaged outputs.</param>
    public void Predict(ReadOnlySpan<float> input, int batchSize, Span<float> probabilities)
    {
        int length = batchSize * OutputSize;
        if (probabilities.Length < length)
        {
            throw new ArgumentException($"The span holds {probabilities.Length} floats but {batchSize} samples of {OutputSize} outputs need {length}.", nameof(probabilities));
        }

        Span<float> mean = probabilities[..length];
        for (int m = 0; m < _members.Length; m++)
        {
            NetworkBase member = _members[m];
            NetworkMode mode = member.Mode;
            member.Mode = NetworkMode.Inference;
            try
            {
                ReadOnlySpan<float> output = member.Forward(input, batchSize);
                if (m == 0)
                {
                    output.CopyTo(mean);
                }
                else
                {
                    Kernels.Elementwise.Add(output, mean);
                }
            }
            finally
            {
                member.Mode = mode;
            }
        }

        float scale = 1f / _members.Length;
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] *= scale;
        }
    }

    /// <summary>
    /// The ensemble's accuracy on <paramref name="dataset"/> (arg-max of the averaged probabilities) and its loss, the
    /// mean negative log of the averaged probability of the label (meaningful for softmax heads).
    /// </summary>
    /// <param name="dataset">The samples; the feature count must equal <see cref="InputSize"/>.</param>
    /// <param name="batchSize">The number of samples per forward pass.</param>
    /// <returns>The loss per sample and the accuracy.</returns>
    public EvaluationResult Evaluate(Dataset dataset, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (dataset.Count == 0)
        {
            throw new ArgumentException("The dataset is empty.", nameof(dataset));
        }

        if (dataset.FeatureCount != InputSize)
        {
            throw new ArgumentException($"The dataset's samples have {dataset.FeatureCount} features but the ensemble takes {InputSize} inputs.", nameof(dataset));
        }

        int classes = OutputSize;
        var loader = new BatchLoader(dataset, batchSize, rng: null);
        var probabilities = new float[loader.BatchSize * classes];
        double lossSum = 0;
        long correct = 0;
        loader.StartEpoch();
        while (loader.MoveNext())
        {
            MiniBatch mb = loader.Current;
            Predict(mb.Features, mb.Size, probabilities);
            for (int b = 0; b < mb.Size; b++)
            {
                ReadOnlySpan<float> row = probabilities.AsSpan(b * classes, classes);
                int label = mb.Labels[b];
                correct += Kernels.Reductions.ArgMax(row) == label ? 1 : 0;
                lossSum -= Math.Log(Math.Max(row[label], 1e-12f));
            }
        }

        return new EvaluationResult(lossSum / dataset.Count, (double)correct / dataset.Count);
    }
}
