using System.Globalization;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Samples.FashionMnist;

/// <summary>
/// Re-initializes a network's weight layers with one named rule, for the initialization study in
/// docs/initialization.md: the same network, seed and recipe, only the starting weights differ. Every layer's weights
/// are drawn from the stream the generated <c>InitializeParameters</c> uses for it (seed, stream = layer index).
/// </summary>
internal static class InitOverride
{
    /// <summary>The rules <c>--init</c> accepts besides <c>declared</c> (no override).</summary>
    public static readonly string[] Rules = ["he", "torch", "torch-conv", "torch-dense"];

    /// <summary>
    /// Applies <paramref name="rule"/>: <c>he</c> is what <see cref="WeightInit.Auto"/> gives these networks (He normal
    /// for hidden layers, Xavier normal for the logits, zero biases); <c>torch</c> is <see cref="WeightInit.TorchDefault"/> for every
    /// layer (weights and biases U(±1/√fanIn)); <c>torch-conv</c> and <c>torch-dense</c> apply it to convolutions only or
    /// to dense layers only and the <c>he</c> rule elsewhere.
    /// </summary>
    public static void Apply(NetworkBase network, string rule, int seed)
    {
        IReadOnlyList<ParameterTensor> tensors = network.ParameterTensors;
        int logits = tensors.Where(t => t.Role == ParameterRole.Weight).Max(t => t.LayerIndex);
        Span<float> parameters = network.Parameters;
        foreach (ParameterTensor weight in tensors.Where(t => t.Role == ParameterRole.Weight))
        {
            bool isConv = weight.Shape.Rank == 4;
            int fanIn = weight.Length / weight.Shape[0];
            int fanOut = weight.Length / weight.Shape[1];
            bool torch = rule == "torch" || (rule == "torch-conv" && isConv) || (rule == "torch-dense" && !isConv);
            WeightInit init = torch ? WeightInit.TorchDefault : weight.LayerIndex == logits ? WeightInit.Xavier : WeightInit.He;
            var rng = new Rng(seed, stream: weight.LayerIndex);
            Initializers.Fill(init, parameters.Slice(weight.Offset, weight.Length), fanIn, fanOut, std: 0.01f, value: 0, rng);
            ParameterTensor? bias = tensors.FirstOrDefault(t => t.Role == ParameterRole.Bias && t.LayerIndex == weight.LayerIndex);
            if (bias is not null)
            {
                Initializers.FillBias(init, parameters.Slice(bias.Offset, bias.Length), fanIn, rng);
            }

            Console.WriteLine($"  {weight.Name}: {init} (fan-in {fanIn.ToString(CultureInfo.InvariantCulture)}){(bias is null ? "" : $", {bias.Name} {(torch ? "U(±1/√fanIn)" : "0")}")}");
        }
    }
}

/// <summary>
/// Prints the test accuracy after every epoch (for docs/initialization.md and the CNN recipe in the README); with a
/// weight average, also the accuracy of the averaged weights.
/// </summary>
internal sealed class TestEachEpoch(Dataset test, ExponentialMovingAverage? average = null) : TrainingCallback
{
    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        EvaluationResult result = Trainer.Evaluate(context.Network, test);
        string averaged = "";
        if (average is not null)
        {
            using (average.Swap(context.Network))
            {
                averaged = string.Create(CultureInfo.InvariantCulture, $", averaged weights {Trainer.Evaluate(context.Network, test).Accuracy:F4}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {metrics.Epoch} test accuracy: {result.Accuracy:F4}{averaged} (validation {metrics.ValidationAccuracy:F4})"));
    }
}
