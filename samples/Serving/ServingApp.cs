using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Training;

namespace NetGen.Samples.Serving;

/// <summary>The service's settings, bound from the configuration section <c>Model</c> (e.g. <c>--Model:Checkpoint path</c>).</summary>
public sealed class ServingOptions
{
    /// <summary>The checkpoint to serve. When the file does not exist, the service trains the MLP for one epoch and saves it there.</summary>
    public string Checkpoint { get; set; } = "fashion-mlp.ngckpt";

    /// <summary>The most samples one request may carry.</summary>
    public int MaxBatch { get; set; } = 64;

    /// <summary>The most network instances the pool creates (requests beyond that wait for one); the weights exist once.</summary>
    public int MaxNetworks { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);
}

/// <summary>Builds the minimal API: <c>POST /predict</c> and <c>GET /health</c>.</summary>
public static class ServingApp
{
    /// <summary>Creates the application from command-line arguments (ASP.NET Core configuration syntax).</summary>
    /// <param name="args">The arguments, e.g. <c>--Model:Checkpoint model.ngckpt --urls http://127.0.0.1:5080</c>.</param>
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServingJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(sp =>
        {
            var options = new ServingOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Model").Bind(options);
            return options;
        });
        builder.Services.AddSingleton(sp =>
        {
            ServingOptions options = sp.GetRequiredService<ServingOptions>();
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("NetGen.Serving");
            return new PredictionService(LoadOrTrain(options.Checkpoint, logger), options);
        });

        WebApplication app = builder.Build();
        app.MapPost("/predict", PredictAsync);
        app.MapGet("/health", (PredictionService service) =>
            Results.Json(new HealthResponse("ok", service.Checkpoint.Architecture, service.NetworksCreated), ServingJsonContext.Default.HealthResponse));

        // Load the model before the first request, so that a bad checkpoint stops the service at start-up.
        app.Services.GetRequiredService<PredictionService>();
        return app;
    }

    private static async Task<IResult> PredictAsync(HttpContext context, PredictionService service)
    {
        PredictRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ServingJsonContext.Default.PredictRequest, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return BadRequest("The body is not valid JSON for a prediction request: " + e.Message);
        }

        string? problem = service.Validate(request);
        if (problem is not null)
        {
            return BadRequest(problem);
        }

        return Results.Json(service.Predict(request!), ServingJsonContext.Default.PredictResponse);
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "Invalid prediction request", Detail = detail });

    /// <summary>Loads a checkpoint, or trains the MLP for one epoch on Fashion-MNIST and saves it when the file does not exist.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="logger">Where to report what happened.</param>
    public static Checkpoint LoadOrTrain(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (File.Exists(path))
        {
            Checkpoint loaded = Checkpoint.Load(path);
            logger.LogInformation("Serving {Architecture} from {Path}", loaded.Architecture, Path.GetFullPath(path));
            return loaded;
        }

        logger.LogWarning("No checkpoint at {Path}: training the MLP for one epoch on Fashion-MNIST first", Path.GetFullPath(path));
        var clock = Stopwatch.StartNew();
        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.FindDirectory());
        Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.Global);
        standardizer.Apply(train);
        standardizer.Apply(test);
        var network = new FashionMlp(1);
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 64, Seed = 1 }).Fit(network, new AdamW(1e-3f), train, validation: null);
        EvaluationResult result = Trainer.Evaluate(network, test);
        Checkpoint saved = Checkpoint.Save(path, network, preprocessing: StandardizerStatistics.ToArrays(standardizer));
        logger.LogInformation("Trained in {Seconds:F1} s, test accuracy {Accuracy:F4}; saved {Path}", clock.Elapsed.TotalSeconds, result.Accuracy, Path.GetFullPath(path));
        return saved;
    }
}
