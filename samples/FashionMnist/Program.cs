using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Samples.FashionMnist;
using NetGen.Training;

// Trains a NetGen network on Fashion-MNIST and prints its test accuracy.
//   dotnet run -c Release --project samples/FashionMnist -- --model mlp --epochs 10 --seed 1
var options = SampleOptions.Parse(args);
if (options is null)
{
    return 2;
}

Compute.ThreadCount = options.Threads;
string directory = FashionMnist.FindDirectory();
Console.WriteLine($"Loading Fashion-MNIST from {directory}");
(Dataset fullTrain, Dataset test) = FashionMnist.Load(directory);
(Dataset train, Dataset validation) = fullTrain.Split(options.ValidationCount, checked((int)options.Seed));

// Standardize with statistics of the training split only, then apply the same to validation and test.
Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.Global);
standardizer.Apply(train);
standardizer.Apply(validation);
standardizer.Apply(test);
Console.WriteLine($"train {train.Count}, validation {validation.Count}, test {test.Count}; mean {standardizer.Mean:F4}, std {standardizer.StandardDeviation:F4}");

NetworkBase network = options.Model switch
{
    "mlp" => new FashionMlp(checked((int)options.Seed)),
    "cnn" => new FashionCnn(checked((int)options.Seed)),
    _ => throw new InvalidOperationException("unreachable"),
};
if (options.Init != "declared")
{
    Console.WriteLine($"Re-initializing with the '{options.Init}' rule:");
    InitOverride.Apply(network, options.Init, checked((int)options.Seed));
}

Console.WriteLine(network.Summary());

if (options.Profile)
{
    // Where a training step's time goes, layer by layer, on the first batch of the training set.
    int batch = options.BatchSize;
    network.Mode = NetworkMode.Training;
    IReadOnlyList<LayerTiming> timings = network.Profile(train.Features.Slice(0, batch * train.FeatureCount), train.Labels.Slice(0, batch), batch, repetitions: 20);
    double total = timings.Sum(t => t.ForwardMilliseconds + t.BackwardMilliseconds);
    Console.WriteLine($"{"layer",-16}{"kind",-22}{"forward ms",12}{"backward ms",13}{"share",8}");
    foreach (LayerTiming t in timings)
    {
        Console.WriteLine($"{t.Name,-16}{t.Kind,-22}{t.ForwardMilliseconds,12:F3}{t.BackwardMilliseconds,13:F3}{(t.ForwardMilliseconds + t.BackwardMilliseconds) / total,8:P1}");
    }

    Console.WriteLine($"total {total:F2} ms per batch of {batch} (excluding the optimizer step)");
    return 0;
}

var optimizer = new AdamW(learningRate: options.LearningRate, weightDecay: options.WeightDecay);

// --augment: each training image mirrored with probability 1/2 (flip), shifted by up to --shift pixels (shift: torchvision's
// RandomCrop(28, padding=shift)), or both. --ema: an exponential moving average of the weights (and batch-norm statistics), which the
// test accuracy below is measured with.
var image = new ImageShape(1, 28, 28);
IBatchTransform[] augmentation = options.Augment switch
{
    "flip" => [new RandomHorizontalFlip(image)],
    "shift" => [new RandomCrop(image, padding: options.Shift)],
    "both" => [new RandomCrop(image, padding: options.Shift), new RandomHorizontalFlip(image)],
    _ => [],
};
ExponentialMovingAverage? average = options.EmaDecay is float decay ? new ExponentialMovingAverage(decay, includeBuffers: true) : null;
var callbacks = new List<TrainingCallback>();
if (average is not null)
{
    callbacks.Add(average);
}

if (options.TestEachEpoch)
{
    callbacks.Add(new TestEachEpoch(test, average));
}

var trainer = new Trainer(new TrainerOptions
{
    Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed, Schedule = new CosineSchedule(),
    BatchTransforms = augmentation, Callbacks = callbacks,
});
string extras = (options.Augment is null ? "" : $", augmentation: {options.Augment}" + (options.Augment == "flip" ? "" : $" (shift ±{options.Shift} px)")) + (average is null ? "" : $", weight EMA {average.Decay}");
Console.WriteLine($"Training {options.Model} for {options.Epochs} epochs: AdamW lr {options.LearningRate} with cosine decay, weight decay {options.WeightDecay}, batch {options.BatchSize}{extras}, seed {options.Seed}, {Compute.ThreadCount} thread(s)");
var clock = Stopwatch.StartNew();
TrainingHistory history = trainer.Fit(network, optimizer, train, validation, new ConsoleProgress());
clock.Stop();
if (average is not null)
{
    average.CopyTo(network); // the averaged weights are the model from here on (test accuracy, ONNX export)
}

EvaluationResult result = Trainer.Evaluate(network, test);
Console.WriteLine($"training time: {clock.Elapsed.TotalSeconds:F1} s ({history.Epochs.Average(e => e.Duration.TotalSeconds):F2} s per epoch)");
Console.WriteLine($"test loss: {result.Loss:F4}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {result.Accuracy:F4}"));
if (options.Onnx is not null)
{
    // The inference graph (probabilities out) with the trained weights, for ONNX Runtime and other tools.
    NetGen.Onnx.OnnxExporter.Save(network, options.Onnx);
    Console.WriteLine($"wrote {options.Onnx} (input [batch, {string.Join(", ", network.InputShape)}], output: class probabilities)");
}

return 0;

/// <summary>Command-line options of the sample.</summary>
internal sealed record SampleOptions(string Model, int Epochs, long Seed, int BatchSize, float LearningRate, float WeightDecay, int Threads, int ValidationCount, bool Profile = false, string? Onnx = null, string Init = "declared", bool TestEachEpoch = false, string? Augment = null, float? EmaDecay = null, int Shift = 2)
{
    private const string Usage = """
        usage: FashionMnist [--model mlp|cnn] [--epochs N] [--seed N] [--batch-size N] [--lr X] [--weight-decay X] [--threads N] [--validation N] [--onnx PATH] [--init RULE] [--augment flip|shift|both] [--shift N] [--ema DECAY] [--test-each-epoch] [--profile]
          --model         the network to train: mlp (784-256-128-10) or cnn (2 conv stages) (default mlp)
          --epochs        passes over the training set (default 10)
          --seed          seed for initialization, the validation split and shuffling (default 1)
          --batch-size    mini-batch size (default 64)
          --lr            AdamW learning rate (default 0.001)
          --weight-decay  AdamW decoupled weight decay (default 0.0001)
          --threads       compute threads (default: all cores)
          --validation    training samples held out for validation (default 5000)
          --onnx PATH     after training, export the network to an ONNX model at PATH (e.g. model.onnx)
          --init RULE     re-initialize the weights: declared (the attributes' initialization, default), he (what
                          WeightInit.Auto gives: He for hidden layers, Xavier for the logits, zero biases), torch (WeightInit.TorchDefault for all),
                          torch-conv or torch-dense (TorchDefault for those layers only, he elsewhere)
          --augment KIND  augment the training images: flip (mirror with probability 1/2), shift (by up to
                          --shift pixels each way) or both
          --shift N       the largest shift of --augment shift|both, in pixels (default 2)
          --ema DECAY     keep an exponential moving average of the weights (e.g. 0.999) and test with it
          --test-each-epoch  print the test accuracy after every epoch (docs/initialization.md)
          --profile       print the time each layer's forward and backward pass takes, then exit
        """;

    public static SampleOptions? Parse(string[] args)
    {
        var o = new SampleOptions("mlp", 10, 1, 64, 1e-3f, 1e-4f, Environment.ProcessorCount, 5000);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return null;
            }

            if (name == "--profile")
            {
                o = o with { Profile = true };
                continue;
            }

            if (name == "--test-each-epoch")
            {
                o = o with { TestEachEpoch = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"error: {name} needs a value\n{Usage}");
                return null;
            }

            string value = args[++i];
            try
            {
                var inv = CultureInfo.InvariantCulture;
                o = name switch
                {
                    "--model" when value is "mlp" or "cnn" => o with { Model = value },
                    "--model" => throw new FormatException($"unknown model '{value}' (available: mlp, cnn)"),
                    "--epochs" => o with { Epochs = Positive(int.Parse(value, inv), name) },
                    "--seed" => o with { Seed = long.Parse(value, inv) },
                    "--batch-size" => o with { BatchSize = Positive(int.Parse(value, inv), name) },
                    "--lr" => o with { LearningRate = float.Parse(value, inv) },
                    "--weight-decay" => o with { WeightDecay = float.Parse(value, inv) },
                    "--threads" => o with { Threads = Positive(int.Parse(value, inv), name) },
                    "--validation" => o with { ValidationCount = int.Parse(value, inv) },
                    "--init" when value == "declared" || InitOverride.Rules.Contains(value) => o with { Init = value },
                    "--init" => throw new FormatException($"unknown init rule '{value}' (available: declared, {string.Join(", ", InitOverride.Rules)})"),
                    "--augment" when value is "flip" or "shift" or "both" => o with { Augment = value },
                    "--augment" => throw new FormatException($"unknown augmentation '{value}' (available: flip, shift, both)"),
                    "--shift" => o with { Shift = Positive(int.Parse(value, inv), name) },
                    "--ema" => o with { EmaDecay = Fraction(float.Parse(value, inv), name) },
                    "--onnx" => o with { Onnx = InExistingDirectory(value, name) },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}\n{Usage}");
                return null;
            }
        }

        return o;
    }

    private static string InExistingDirectory(string path, string name)
        => Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))) ? path : throw new FormatException($"{name}: the directory of {path} does not exist");

    private static float Fraction(float value, string name) => value is > 0f and < 1f ? value : throw new FormatException($"{name} must be in (0, 1), not {value}");

    private static int Positive(int value, string name) => value > 0 ? value : throw new FormatException($"{name} must be positive, not {value}");
}
