using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen.Training;

/// <summary>
/// Where a diverged training step went wrong, read from the network right after the guard fired: the first layer, in
/// forward order, whose output holds NaN or infinity in the step's forward pass, whether the batch's inputs were
/// finite, the largest parameter magnitude and its tensor, and whether the parameters the step started from (those
/// after the last applied update) were already non-finite.
/// </summary>
/// <param name="LayerIndex">The index in <see cref="NetworkBase.Layers"/> of the first layer whose output is not finite, or -1 when every layer output is finite (or the network does not expose them).</param>
/// <param name="LayerName">That layer's name (e.g. <c>dense2</c>), or null.</param>
/// <param name="LayerKind">That layer's kind (e.g. <c>Dense</c>), or null.</param>
/// <param name="LossFinite">Whether the step's loss was finite (only a gradient diverged).</param>
/// <param name="LayerOutputsInspected">Whether the network exposes its layer outputs (<see cref="NetworkBase.LayerOutput"/>); generated networks do.</param>
/// <param name="InputsFinite">Whether every value of the batch fed to the forward pass (after augmentation) was finite.</param>
/// <param name="ParametersFinite">Whether every parameter was finite when the step started.</param>
/// <param name="FirstNonFiniteParameterTensor">The first parameter tensor, in forward order, that holds NaN or infinity, or null.</param>
/// <param name="LargestParameterMagnitude">The largest finite |parameter| (the magnitude the parameters have grown to).</param>
/// <param name="LargestParameterTensor">The tensor holding <paramref name="LargestParameterMagnitude"/>.</param>
/// <param name="LastAppliedStep">The run's step whose update produced the parameters the diverged step started from; 0 when no update was applied yet.</param>
public sealed record DivergenceDiagnosis(
    int LayerIndex,
    string? LayerName,
    string? LayerKind,
    bool LossFinite,
    bool LayerOutputsInspected,
    bool InputsFinite,
    bool ParametersFinite,
    string? FirstNonFiniteParameterTensor,
    float LargestParameterMagnitude,
    string? LargestParameterTensor,
    long LastAppliedStep)
{
    /// <summary>
    /// Reads the diagnosis from <paramref name="network"/> right after a step's forward (and possibly backward) pass,
    /// before any update: layer outputs are those of that forward pass.
    /// </summary>
    /// <param name="network">The network whose step diverged.</param>
    /// <param name="inputs">The batch that was fed to the forward pass.</param>
    /// <param name="step">The diverged step of the run, from 1.</param>
    /// <param name="loss">The step's loss.</param>
    public static DivergenceDiagnosis Inspect(NetworkBase network, ReadOnlySpan<float> inputs, long step, float loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        int layerIndex = -1;
        bool inspected = true;
        IReadOnlyList<LayerInfo> layers = network.Layers;
        try
        {
            for (int i = 0; i < layers.Count && network.LastBatchSize > 0; i++)
            {
                if (!Kernels.Reductions.AllFinite(network.LayerOutput(i)))
                {
                    layerIndex = i;
                    break;
                }
            }
        }
        catch (NotSupportedException)
        {
            inspected = false; // a hand-written network without per-layer outputs
        }

        ReadOnlySpan<float> parameters = network.Parameters;
        string? firstNonFinite = null;
        float largest = 0f;
        string? largestTensor = null;
        foreach (ParameterTensor t in network.ParameterTensors)
        {
            ReadOnlySpan<float> values = parameters.Slice(t.Offset, t.Length);
            foreach (float v in values)
            {
                if (!float.IsFinite(v))
                {
                    firstNonFinite ??= t.Name;
                }
                else if (Math.Abs(v) > largest || largestTensor is null)
                {
                    largest = Math.Abs(v);
                    largestTensor = t.Name;
                }
            }
        }

        bool parametersFinite = Kernels.Reductions.AllFinite(parameters);
        if (!parametersFinite && firstNonFinite is null)
        {
            firstNonFinite = "(a parameter outside the named tensors)";
        }

        return new DivergenceDiagnosis(
            layerIndex,
            layerIndex < 0 ? null : layers[layerIndex].Name,
            layerIndex < 0 ? null : layers[layerIndex].Kind,
            float.IsFinite(loss),
            inspected,
            Kernels.Reductions.AllFinite(inputs),
            parametersFinite,
            firstNonFinite,
            largest,
            largestTensor,
            Math.Max(0, step - 1));
    }

    /// <summary>The diagnosis as sentences for the exception message: layer, inputs, parameters, which update is applied.</summary>
    public string Describe()
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (!InputsFinite)
        {
            sb.Append("The batch's inputs already hold NaN or infinity. ");
        }

        if (LayerIndex >= 0)
        {
            sb.Append(inv, $"The first layer, in forward order, whose output is not finite is {LayerName} (layer {LayerIndex}, {LayerKind}). ");
        }
        else if (LayerOutputsInspected)
        {
            sb.Append(LossFinite ? "Every layer output of the forward pass is finite. " : "Every layer output of the forward pass is finite; the loss itself overflowed. ");
        }

        string after = LastAppliedStep == 0 ? "the initial parameters (no update had been applied)" : $"the parameters after step {LastAppliedStep}'s update";
        string magnitude = LargestParameterTensor is null
            ? string.Empty
            : string.Create(inv, $"; the largest finite |parameter| is {LargestParameterMagnitude:G4} in {LargestParameterTensor}");
        if (!ParametersFinite)
        {
            sb.Append(inv, $"The step started from {after}, which already hold NaN or infinity (first in {FirstNonFiniteParameterTensor}{magnitude}): that update diverged, not this step. This step's update was not applied.");
        }
        else if (InputsFinite && (!LossFinite || LayerIndex >= 0))
        {
            sb.Append(inv, $"The step started from {after}, which are finite but already exploded{magnitude}, large enough that finite inputs overflow the forward pass or the loss: the divergence began in an earlier update. This step's update was not applied.");
        }
        else
        {
            sb.Append(inv, $"This step's update was not applied: the network holds {after}, all finite{magnitude}, the last finite state.");
        }

        return sb.ToString();
    }
}
