using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NetGen.Data;
using NetGen.Samples.Serving;

namespace NetGen.Benchmarks;

/// <summary>
/// Load on <c>samples/Serving</c> over real loopback sockets: the service runs on Kestrel at 127.0.0.1 (a free port),
/// <c>clients</c> concurrent <see cref="HttpClient"/>s each send <c>requests</c> batch-1 predictions of Fashion-MNIST
/// test images, and the run reports requests per second and latency percentiles. (Throughput and percentiles are not
/// what BenchmarkDotNet measures, hence a plain runner: <c>dotnet run -c Release --project bench -- --serving 2000 8</c>.)
/// </summary>
public static class ServingLoad
{
    /// <summary>Runs the load and prints one result line.</summary>
    /// <param name="requests">Requests per client.</param>
    /// <param name="clients">Concurrent clients.</param>
    public static void Run(int requests, int clients)
    {
        string checkpoint = Path.Combine(Path.GetTempPath(), "netgen-bench-serving.ngckpt");
        WebApplication app = ServingApp.Build(["--Model:Checkpoint", checkpoint, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Dataset test = FashionMnist.LoadTest(FashionMnist.FindDirectory());
            float[][] images = Enumerable.Range(0, 256).Select(i => test.Features.Slice(i * 784, 784).ToArray()).ToArray();

            // Warm-up: JIT, connection pools, the network pool.
            Load(address, images, clients, Math.Min(200, requests));
            var clock = Stopwatch.StartNew();
            double[] latencies = Load(address, images, clients, requests);
            clock.Stop();
            Array.Sort(latencies);
            double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * q))];
            Console.WriteLine($"serving: {latencies.Length} requests ({clients} clients x {requests}, batch 1, loopback HTTP/1.1) in {clock.Elapsed.TotalSeconds:F2} s: " +
                $"{latencies.Length / clock.Elapsed.TotalSeconds:F0} requests/s, p50 {P(0.50):F3} ms, p90 {P(0.90):F3} ms, p99 {P(0.99):F3} ms; " +
                $"{app.Services.GetRequiredService<PredictionService>().NetworksCreated} network instances; {Environment.ProcessorCount} cores");
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
        }
    }

    private static double[] Load(string address, float[][] images, int clients, int requests)
    {
        var latencies = new double[clients * requests];
        Task.WaitAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            for (int i = 0; i < requests; i++)
            {
                var request = new PredictRequest([images[(c * 7919 + i) % images.Length]]);
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await http.PostAsJsonAsync("/predict", request, ServingJsonContext.Default.PredictRequest);
                response.EnsureSuccessStatusCode();
                _ = await response.Content.ReadAsByteArrayAsync();
                latencies[c * requests + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).ToArray());
        return latencies;
    }
}
