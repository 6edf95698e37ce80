using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using NetGen.Data;
using NetGen.Samples.Serving;
using NetGen.Serialization;
using Xunit.Abstractions;

namespace NetGen.Tests.Serving;

/// <summary>
/// <c>samples/Serving</c> started in-process (<see cref="WebApplicationFactory{TEntryPoint}"/>) and driven through a real
/// <see cref="HttpClient"/>: concurrent clients get exactly the probabilities a direct forward pass of the same
/// checkpoint gives, bad requests get a 400 that names the problem, and the service keeps answering.
/// </summary>
public sealed class ServingTests(ITestOutputHelper output) : IDisposable
{
    private const int Clients = 8;
    private readonly string _directory = Directory.CreateTempSubdirectory("netgen-serving-").FullName;

    [Fact]
    public async Task Eight_concurrent_clients_get_the_direct_predictions_and_bad_requests_get_400()
    {
        int requestsPerClient = int.TryParse(Environment.GetEnvironmentVariable("NETGEN_SERVING_REQUESTS"), out int r) ? r : 1000;
        (string checkpointPath, Standardizer standardizer) = WriteCheckpoint();
        float[][] images = TestImages(count: 64);

        using WebApplicationFactory<PredictionService> factory = new WebApplicationFactory<PredictionService>()
            .WithWebHostBuilder(b => b.UseSetting("Model:Checkpoint", checkpointPath).UseSetting("Model:MaxNetworks", "8"));
        using HttpClient warm = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("/health")).StatusCode);

        var latencies = new double[Clients][];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using HttpClient http = factory.CreateClient();
            // Each client checks the service against its own network restored from the same checkpoint.
            var reference = new FashionMlp(0);
            Checkpoint.Load(checkpointPath).Restore(reference);
            reference.Mode = NetworkMode.Inference;
            var rng = new Rng(100 + client);
            latencies[client] = new double[requestsPerClient];
            for (int i = 0; i < requestsPerClient; i++)
            {
                int batch = i % 10 == 9 ? 1 + rng.NextInt(4) : 1;
                float[][] inputs = Enumerable.Range(0, batch).Select(_ => images[rng.NextInt(images.Length)]).ToArray();
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await http.PostAsJsonAsync("/predict", new PredictRequest(inputs), ServingJsonContext.Default.PredictRequest);
                string body = await response.Content.ReadAsStringAsync();
                latencies[client][i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"client {client} request {i}: {(int)response.StatusCode} {body}");
                PredictResponse answer = JsonSerializer.Deserialize(body, ServingJsonContext.Default.PredictResponse)!;

                float[] expected = Direct(reference, standardizer, inputs);
                Assert.Equal(batch, answer.Probabilities.Length);
                for (int s = 0; s < batch; s++)
                {
                    for (int c = 0; c < 10; c++)
                    {
                        // JSON carries floats in their shortest round-trip form, so the comparison is exact.
                        Assert.True(expected[s * 10 + c] == answer.Probabilities[s][c], $"client {client} request {i} sample {s} class {c}: {answer.Probabilities[s][c]} vs direct {expected[s * 10 + c]}");
                    }

                    int label = Array.IndexOf(answer.Probabilities[s], answer.Probabilities[s].Max());
                    Assert.Equal(label, answer.Labels[s]);
                    Assert.Equal(FashionMnist.ClassNames[label], answer.Classes[s]);
                }

                if (i % 100 == 50)
                {
                    await AssertBadRequest(http, "{\"inputs\": [[0.5, 0.25", "not valid JSON");
                    await AssertBadRequest(http, "{\"inputs\": [[0.5, 0.25]]}", "inputs[0] has 2 values; the model expects 784");
                    await AssertBadRequest(http, "{}", "'inputs' array");
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();

        var service = (PredictionService)factory.Services.GetService(typeof(PredictionService))!;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        int total = Clients * requestsPerClient;
        output.WriteLine($"{total} requests from {Clients} clients in {clock.Elapsed.TotalSeconds:F2} s: {total / clock.Elapsed.TotalSeconds:F0} requests/s, " +
            $"p50 {all[all.Length / 2]:F3} ms, p99 {all[(int)(all.Length * 0.99)]:F3} ms; {service.NetworksCreated} network instances created");
        Assert.InRange(service.NetworksCreated, 1, Clients); // one per concurrent request at most
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_stops_the_service_at_start_up()
    {
        string path = Path.Combine(_directory, "other.ngckpt");
        Checkpoint.Save(path, new NetGen.Tests.Networks.OracleMlp(1));
        using WebApplicationFactory<PredictionService> factory = new WebApplicationFactory<PredictionService>()
            .WithWebHostBuilder(b => b.UseSetting("Model:Checkpoint", path));
        Exception e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        output.WriteLine(e.ToString());
        Assert.Contains("architecture", e.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static float[] Direct(FashionMlp network, Standardizer standardizer, float[][] inputs)
    {
        float[] x = inputs.SelectMany(v => v).ToArray();
        standardizer.Apply(x);
        return network.Forward(x, inputs.Length).ToArray();
    }

    private static async Task AssertBadRequest(HttpClient http, string json, string expected)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await http.PostAsync("/predict", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {json}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, body);
    }

    private (string Path, Standardizer Standardizer) WriteCheckpoint()
    {
        // Random weights are enough: the test compares the service with a direct forward pass of the same file.
        var network = new FashionMlp(7);
        var standardizer = new Standardizer(StandardizerKind.Global, 0.28f, 0.35f, new float[784], Enumerable.Repeat(1f, 784).ToArray());
        string path = Path.Combine(_directory, "mlp.ngckpt");
        Checkpoint.Save(path, network, preprocessing: StandardizerStatistics.ToArrays(standardizer));
        return (path, standardizer);
    }

    private static float[][] TestImages(int count)
    {
        Dataset test = FashionMnist.LoadTest(FashionMnist.FindDirectory());
        return Enumerable.Range(0, count).Select(i => test.Features.Slice(i * 784, 784).ToArray()).ToArray();
    }
}
