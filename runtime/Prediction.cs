using System;
using System.Collections.Generic;

namespace NetGen;

/// <summary>
/// Prediction helpers for any generated network: run it on any number of samples in <see cref="NetworkMode.Inference"/>
/// (the previous <see cref="NetworkBase.Mode"/> is restored afterwards, also on an exception) and read class labels,
/// class probabilities or regression values. Inputs are cut into batches of at most <c>batchSize</c> samples, so any
/// number of samples works without growing the activation arena beyond one batch.
/// </summary>
/// <example>
/// <code>
/// int[] classes = net.PredictClasses(features);        // one class per sample
/// float[] probabilities = net.PredictProbabilities(features); // samples × classes, rows sum to 1
/// float[] values = regressor.Predict(features);        // samples × outputs
/// </code>
/// </example>
public static class NetworkPrediction
{
    /// <summary>The largest number of samples of one forward pass of the prediction helpers, unless told otherwise.</summary>
    public const int DefaultBatchSize = 256;

    /// <summary>
    /// The network's outputs for every sample of <paramref name="inputs"/>: the predicted values of a
    /// <c>[MeanSquaredError]</c> regressor, the class probabilities of a <c>[SoftmaxCrossEntropy]</c> classifier.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats, sample after sample.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    /// <returns>Samples × <see cref="NetworkBase.OutputSize"/> floats.</returns>
    public static float[] Predict(this NetworkBase network, ReadOnlySpan<float> inputs, int batchSize = DefaultBatchSize)
    {
        int samples = SampleCount(network, inputs, batchSize);
        var outputs = new float[samples * network.OutputSize];
        Run(network, inputs, outputs, samples, batchSize, labels: default);
        return outputs;
    }

    /// <summary>Writes the network's outputs for every sample of <paramref name="inputs"/> into <paramref name="destination"/>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats.</param>
    /// <param name="destination">Receives samples × <see cref="NetworkBase.OutputSize"/> floats; exactly that long.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    public static void Predict(this NetworkBase network, ReadOnlySpan<float> inputs, Span<float> destination, int batchSize = DefaultBatchSize)
    {
        int samples = SampleCount(network, inputs, batchSize);
        CheckDestination(destination.Length, samples * network.OutputSize, samples, "floats", nameof(destination));
        Run(network, inputs, destination, samples, batchSize, labels: default);
    }

    /// <summary>The predicted class of every sample: the index of its largest output (the first on ties).</summary>
    /// <param name="network">A classifier (a <c>[SoftmaxCrossEntropy]</c> or <c>[Softmax]</c> head).</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    /// <returns>One class index per sample.</returns>
    public static int[] PredictClasses(this NetworkBase network, ReadOnlySpan<float> inputs, int batchSize = DefaultBatchSize)
    {
        int samples = SampleCount(network, inputs, batchSize);
        RequireClassifier(network);
        var labels = new int[samples];
        Run(network, inputs, default, samples, batchSize, labels);
        return labels;
    }

    /// <summary>Writes the predicted class of every sample into <paramref name="destination"/>.</summary>
    /// <param name="network">A classifier.</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats.</param>
    /// <param name="destination">Receives one class index per sample; exactly that long.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    public static void PredictClasses(this NetworkBase network, ReadOnlySpan<float> inputs, Span<int> destination, int batchSize = DefaultBatchSize)
    {
        int samples = SampleCount(network, inputs, batchSize);
        RequireClassifier(network);
        CheckDestination(destination.Length, samples, samples, "labels", nameof(destination));
        Run(network, inputs, default, samples, batchSize, destination);
    }

    /// <summary>The predicted class of one sample.</summary>
    /// <param name="network">A classifier.</param>
    /// <param name="sample">One sample, <see cref="NetworkBase.InputSize"/> floats.</param>
    public static int PredictClass(this NetworkBase network, ReadOnlySpan<float> sample)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (sample.Length != network.InputSize)
        {
            throw new ArgumentException($"One sample has {network.InputSize} floats but the span holds {sample.Length}.", nameof(sample));
        }

        Span<int> label = stackalloc int[1];
        PredictClasses(network, sample, label, batchSize: 1);
        return label[0];
    }

    /// <summary>The class probabilities of every sample (each row sums to 1).</summary>
    /// <param name="network">A classifier whose output is a softmax (a <c>[SoftmaxCrossEntropy]</c> or <c>[Softmax]</c> head).</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    /// <returns>Samples × <see cref="NetworkBase.OutputSize"/> probabilities.</returns>
    public static float[] PredictProbabilities(this NetworkBase network, ReadOnlySpan<float> inputs, int batchSize = DefaultBatchSize)
    {
        SampleCount(network, inputs, batchSize);
        RequireClassifier(network);
        return Predict(network, inputs, batchSize);
    }

    /// <summary>Writes the class probabilities of every sample into <paramref name="destination"/>.</summary>
    /// <param name="network">A classifier whose output is a softmax.</param>
    /// <param name="inputs">Samples × <see cref="NetworkBase.InputSize"/> floats.</param>
    /// <param name="destination">Receives samples × <see cref="NetworkBase.OutputSize"/> probabilities; exactly that long.</param>
    /// <param name="batchSize">The largest number of samples per forward pass.</param>
    public static void PredictProbabilities(this NetworkBase network, ReadOnlySpan<float> inputs, Span<float> destination, int batchSize = DefaultBatchSize)
    {
        SampleCount(network, inputs, batchSize);
        RequireClassifier(network);
        Predict(network, inputs, destination, batchSize);
    }

    /// <summary>Whether the network's last layer turns its outputs into class probabilities (a softmax).</summary>
    /// <param name="network">The network.</param>
    public static bool IsClassifier(this NetworkBase network)
    {
        ArgumentNullException.ThrowIfNull(network);
        IReadOnlyList<LayerInfo> layers = network.Layers;
        string kind = layers.Count == 0 ? "" : layers[^1].Kind;
        return kind is "SoftmaxCrossEntropy" or "Softmax";
    }

    private static void RequireClassifier(NetworkBase network)
    {
        if (!network.IsClassifier())
        {
            IReadOnlyList<LayerInfo> layers = network.Layers;
            string kind = layers.Count == 0 ? "no layer" : layers[^1].Kind;
            throw new InvalidOperationException(
                $"{network.GetType().Name} ends in {kind}, not a softmax, so its outputs are not class probabilities; use Predict for its output values.");
        }
    }

    private static int SampleCount(NetworkBase network, ReadOnlySpan<float> inputs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int inputSize = network.InputSize;
        if (inputs.Length % inputSize != 0)
        {
            throw new ArgumentException(
                $"The inputs hold {inputs.Length} floats, not a whole number of samples of {inputSize} floats ({network.GetType().Name}.InputSize).",
                nameof(inputs));
        }

        return inputs.Length / inputSize;
    }

    private static void CheckDestination(int length, int needed, int samples, string what, string name)
    {
        if (length != needed)
        {
            throw new ArgumentException($"The destination holds {length} {what} but {samples} samples need {needed}.", name);
        }
    }

    /// <summary>Runs the samples batch by batch in inference mode, writing outputs and/or labels.</summary>
    private static void Run(NetworkBase network, ReadOnlySpan<float> inputs, Span<float> outputs, int samples, int batchSize, Span<int> labels)
    {
        int inputSize = network.InputSize;
        int outputSize = network.OutputSize;
        NetworkMode mode = network.Mode;
        bool predicting = network.Predicting;
        network.Mode = NetworkMode.Inference;
        network.Predicting = true; // no backward pass follows: the forward passes need not copy their input
        try
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int batch = Math.Min(batchSize, samples - start);
                ReadOnlySpan<float> output = network.Forward(inputs.Slice(start * inputSize, batch * inputSize), batch);
                if (!outputs.IsEmpty)
                {
                    output.CopyTo(outputs.Slice(start * outputSize, batch * outputSize));
                }

                if (!labels.IsEmpty)
                {
                    for (int b = 0; b < batch; b++)
                    {
                        labels[start + b] = Kernels.Reductions.ArgMax(output.Slice(b * outputSize, outputSize));
                    }
                }
            }
        }
        finally
        {
            network.Mode = mode;
            network.Predicting = predicting;
        }
    }
}
