using NetGen.Data;
using NetGen.Serialization;

namespace NetGen.Samples.Serving;

/// <summary>
/// Answers predictions from a <see cref="NetworkPool{TNetwork}"/> of <see cref="FashionMlp"/> instances: one prototype
/// restored from the checkpoint, and inference clones that share its weights. A network instance is not thread-safe,
/// so each request rents its own; instances are created on demand up to <see cref="ServingOptions.MaxNetworks"/> and
/// reused, so a request allocates no network and the weights exist once.
/// </summary>
public sealed class PredictionService
{
    private readonly NetworkPool<FashionMlp> _pool;
    private readonly Standardizer? _standardizer;

    /// <summary>Loads the checkpoint and prepares the pool.</summary>
    /// <param name="checkpoint">A checkpoint of a <see cref="FashionMlp"/>, optionally with standardizer statistics.</param>
    /// <param name="options">The service's options.</param>
    /// <exception cref="ArgumentException">The checkpoint is not of this network's architecture.</exception>
    public PredictionService(Checkpoint checkpoint, ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var prototype = new FashionMlp(0);
        checkpoint.Restore(prototype); // throws at start-up, not on the first request, when the checkpoint does not fit
        prototype.Mode = NetworkMode.Inference;
        Checkpoint = checkpoint;
        Options = options;
        _standardizer = checkpoint.Preprocessing.ContainsKey("standardizer.kind")
            ? StandardizerStatistics.FromArrays(checkpoint.Preprocessing)
            : null;
        _pool = new NetworkPool<FashionMlp>(prototype, options.MaxNetworks);
    }

    /// <summary>The checkpoint the networks are restored from.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The service's options.</summary>
    public ServingOptions Options { get; }

    /// <summary>How many network instances the pool has created so far.</summary>
    public int NetworksCreated => _pool.InstanceCount;

    /// <summary>The number of input values per sample.</summary>
    public static int InputSize => FashionMlp.InputFeatures;

    /// <summary>Checks a request; returns null when it is valid, otherwise a message naming the problem.</summary>
    /// <param name="request">The deserialized request (null when the body was <c>null</c>).</param>
    public string? Validate(PredictRequest? request)
    {
        if (request?.Inputs is not { } inputs)
        {
            return "The body must be a JSON object with an 'inputs' array of samples, each an array of " + InputSize + " numbers.";
        }

        if (inputs.Length == 0 || inputs.Length > Options.MaxBatch)
        {
            return $"'inputs' holds {inputs.Length} samples; send 1 to {Options.MaxBatch}.";
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null || inputs[i].Length != InputSize)
            {
                return $"inputs[{i}] has {inputs[i]?.Length ?? 0} values; the model expects {InputSize} (a 28x28 image, row by row, pixel values scaled to [0, 1]).";
            }

            foreach (float v in inputs[i])
            {
                if (!float.IsFinite(v))
                {
                    return $"inputs[{i}] contains a value that is not a finite number.";
                }
            }
        }

        return null;
    }

    /// <summary>Predicts the class and the class probabilities of each sample of a valid request.</summary>
    /// <param name="request">A request that <see cref="Validate"/> accepted.</param>
    public PredictResponse Predict(PredictRequest request)
    {
        float[][] inputs = request.Inputs!;
        int batch = inputs.Length, size = InputSize;
        float[] x = new float[batch * size];
        for (int i = 0; i < batch; i++)
        {
            inputs[i].CopyTo(x, i * size);
        }

        _standardizer?.Apply(x);
        var labels = new int[batch];
        var probabilities = new float[batch][];
        using (NetworkPool<FashionMlp>.Lease lease = _pool.Rent())
        {
            FashionMlp network = lease.Network;
            ReadOnlySpan<float> y = network.Forward(x, batch);
            int classes = network.OutputSize;
            network.ArgMax(labels);
            for (int i = 0; i < batch; i++)
            {
                probabilities[i] = y.Slice(i * classes, classes).ToArray();
            }
        }

        var names = new string[batch];
        for (int i = 0; i < batch; i++)
        {
            names[i] = FashionMnist.ClassNames[labels[i]];
        }

        return new PredictResponse(labels, names, probabilities);
    }
}
