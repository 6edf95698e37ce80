using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetGen.Samples.Serving;

/// <summary>The body of <c>POST /predict</c>: one or more samples, each 784 pixel values in [0, 1].</summary>
/// <param name="Inputs">The samples.</param>
public sealed record PredictRequest(float[][]? Inputs);

/// <summary>The answer of <c>POST /predict</c>, one entry per sample in each array.</summary>
/// <param name="Labels">The predicted class indices.</param>
/// <param name="Classes">The predicted class names.</param>
/// <param name="Probabilities">The class probabilities of each sample (10 per sample).</param>
public sealed record PredictResponse(int[] Labels, string[] Classes, float[][] Probabilities);

/// <summary>The answer of <c>GET /health</c>.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Architecture">The served network's architecture.</param>
/// <param name="NetworksCreated">How many network instances the pool has created.</param>
public sealed record HealthResponse(string Status, string Architecture, int NetworksCreated);

/// <summary>System.Text.Json metadata generated at compile time (trimming- and NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
public sealed partial class ServingJsonContext : JsonSerializerContext
{
}
