using System.Diagnostics;
using System.Globalization;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// Training seconds to a test accuracy (0.88 for the MLP, 0.92 for the sample's CNN) in NetGen and in TorchSharp-cpu
/// with the Fashion-MNIST sample's recipe, over several seeds:
/// <c>dotnet bench/bin/Release/net10.0/NetGen.Benchmarks.dll --time-to-accuracy mlp|cnn [seeds] [maxEpochs] [threads]</c>.
/// </summary>
/// <remarks>
/// <para>
/// The recipe is <c>samples/FashionMnist</c>'s defaults: 5,000 training images held out as the sample does
/// (<c>Dataset.Split(5000, seed)</c>, so both sides train on the same 55,000), global standardization with the training
/// part's mean and standard deviation, batch 64 with a last partial batch, AdamW (learning rate 1e-3, betas 0.9 and
/// 0.999, epsilon 1e-8, decoupled weight decay 1e-4 on every parameter), and a cosine decay from 1e-3 to 0 over
/// <c>maxEpochs</c> epochs, set before every step from NetGen's <see cref="CosineSchedule"/> on both sides (the sample
/// anneals over its <c>--epochs</c>, 10 by default). No augmentation: the sample uses none.
/// </para>
/// <para>
/// Per seed: the NetGen network (<see cref="FashionMlp"/> or <see cref="FashionCnn"/>, declared like the sample's) is
/// created with the seed, and its initial weights (and batch-norm statistics) are copied into the TorchSharp twin
/// (<see cref="TorchFashionMlp"/>, <see cref="TorchFashionCnn"/>). Each epoch's order is drawn once, as the sample's
/// trainer draws it (<see cref="Trainer.ShuffleStream"/>), and both sides visit the samples in it. A step is the
/// trainer's: forward, loss, zero gradients, backward, optimizer step; the trainer's extras (running accuracy, the
/// finite-gradient check, progress) are left out. Gathering a batch (NetGen: a copy into a reused buffer; TorchSharp:
/// <c>index_select</c> on the whole training tensor) counts as training time; evaluating the test set after each epoch
/// does not. The first epoch includes each library's warm-up (JIT, first allocations): that is part of a real run.
/// </para>
/// <para>
/// Where the two sides differ: dropout masks come from different generators (NetGen's <see cref="Rng"/>, libtorch's),
/// so the CNN's runs diverge after the first step even from equal weights; TorchSharp's convolutions run libtorch's
/// default float32 path (oneDNN), which on AMD Zen 5 has given wrong results for some shapes
/// (<c>docs/torchsharp-on-debian.md</c>) — so before the CNN runs, its float32 convolutions on the sample's two shapes
/// are compared with float64 and the run stops if they disagree; its per-epoch accuracies are printed too. Both sides use
/// <c>threads</c> threads (2 by default): <see cref="Compute.ThreadCount"/> and <c>torch.set_num_threads</c>.
/// </para>
/// <para>
/// libtorch's OpenMP threads spin while they wait. On a host busy with other processes, its 2-thread runs collapse (the
/// MLP's epoch took 52–66 s instead of 3.4 s on 2 loaded vCPUs; <c>OMP_WAIT_POLICY=PASSIVE</c> restored it): measure on a
/// quiet host, and say so when the environment variable was set.
/// </para>
/// </remarks>
public static class TimeToAccuracy
{
    private const int BatchSize = 64;
    private const int ValidationCount = 5000;
    private const float LearningRate = 1e-3f;
    private const float WeightDecay = 1e-4f;

    /// <summary>Runs both sides for every seed and prints the per-epoch accuracies, then a markdown table.</summary>
    /// <param name="model"><c>mlp</c> (threshold 0.88) or <c>cnn</c> (threshold 0.92).</param>
    /// <param name="seeds">The seeds 1 … <paramref name="seeds"/>.</param>
    /// <param name="maxEpochs">Epochs per run; the cosine schedule spans them.</param>
    /// <param name="threads">Threads for both libraries.</param>
    public static void Run(string model, int seeds, int maxEpochs, int threads)
    {
        double threshold = model switch
        {
            "mlp" => 0.88,
            "cnn" => 0.92,
            _ => throw new ArgumentException($"Unknown model '{model}' (mlp or cnn).", nameof(model)),
        };
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Compute.ThreadCount = threads;
        torch.set_num_threads(threads);

        string directory = FashionMnist.FindDirectory();
        (Dataset fullTrain, Dataset test) = FashionMnist.Load(directory);
        Console.WriteLine($"time to {threshold:F2} test accuracy, {model}, seeds 1..{seeds}, {maxEpochs} epochs (cosine over them), {threads} thread(s), {Environment.ProcessorCount} logical CPUs");

        if (model == "cnn")
        {
            Console.WriteLine(CheckTorchConvolutions());
        }

        var results = new List<RunResult>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            (Dataset train, _) = fullTrain.Split(ValidationCount, seed);
            Dataset testCopy = test.Subset(Enumerable.Range(0, test.Count).ToArray());
            Standardizer standardizer = Standardizer.Fit(train, StandardizerKind.Global);
            standardizer.Apply(train);
            standardizer.Apply(testCopy);

            int[][] orders = EpochOrders(train.Count, seed, maxEpochs);
            NetworkBase network = model == "mlp" ? new FashionMlp(seed) : new FashionCnn(seed);
            using nn.Module<Tensor, Tensor> twin = model == "mlp" ? new TorchFashionMlp(network) : new TorchFashionCnn((FashionCnn)network);

            results.Add(Train(new NetGenSide(network, train, testCopy), "NetGen", seed, train, orders, threshold));
            using var torchSide = new TorchSide(twin, train, testCopy, model == "cnn");
            results.Add(Train(torchSide, "TorchSharp", seed, train, orders, threshold));
        }

        PrintTable(results, threshold, maxEpochs, model, threads);
    }

    // libtorch's float32 convolution (oneDNN) against its float64 one (no oneDNN path) on the sample CNN's two shapes at
    // batch 64: output, input gradient and weight gradient. Rounding of sums of at most 288 float32 products stays near
    // 1e-6 of the largest entry; the Zen 5 failures were 0.1–1.75, so 1e-4 separates them. Throws on disagreement.
    private static string CheckTorchConvolutions()
    {
        using var scope = torch.NewDisposeScope();
        torch.random.manual_seed(20261203);
        double worst = 0;
        foreach ((int inC, int size, int outC) in new[] { (1, 28, 32), (32, 14, 64) })
        {
            Tensor x = torch.randn(new long[] { BatchSize, inC, size, size }, ScalarType.Float64);
            Tensor w = torch.randn(new long[] { outC, inC, 3, 3 }, ScalarType.Float64);
            Tensor dy = torch.randn(new long[] { BatchSize, outC, size, size }, ScalarType.Float64);
            Tensor[] Run(ScalarType type)
            {
                Tensor tx = x.to_type(type).requires_grad_(true);
                Tensor tw = w.to_type(type).requires_grad_(true);
                Tensor y = nn.functional.conv2d(tx, tw, padding: new long[] { 1, 1 });
                (y * dy.to_type(type)).sum().backward();
                return [y.to_type(ScalarType.Float64), tx.grad!.to_type(ScalarType.Float64), tw.grad!.to_type(ScalarType.Float64)];
            }

            Tensor[] single = Run(ScalarType.Float32);
            Tensor[] wide = Run(ScalarType.Float64);
            for (int i = 0; i < 3; i++)
            {
                double relative = (single[i] - wide[i]).abs().max().item<double>() / wide[i].abs().max().item<double>();
                worst = Math.Max(worst, relative);
                if (relative > 1e-4)
                {
                    string what = i switch { 0 => "output", 1 => "input gradient", _ => "weight gradient" };
                    throw new InvalidOperationException(FormattableString.Invariant(
                        $"libtorch's float32 convolution ({inC}→{outC}, {size}×{size}) {what} differs from float64 by {relative:E1} of its largest entry: oneDNN is wrong on this CPU (AMD Zen 5, docs/torchsharp-on-debian.md), so the TorchSharp side would not train the network it claims to."));
                }
            }
        }

        return FormattableString.Invariant($"libtorch float32 convolutions of the sample CNN's shapes agree with float64 (largest difference {worst:E1} of the largest entry)");
    }

    // The sample trainer's orders: the identity permuted by one shuffle stream, reset before every epoch.
    private static int[][] EpochOrders(int count, int seed, int epochs)
    {
        var rng = new Rng(seed, Trainer.ShuffleStream);
        var orders = new int[epochs][];
        for (int e = 0; e < epochs; e++)
        {
            int[] order = Enumerable.Range(0, count).ToArray();
            rng.Shuffle(order);
            orders[e] = order;
        }

        return orders;
    }

    private static RunResult Train(ISide side, string name, int seed, Dataset train, int[][] orders, double threshold)
    {
        int batchesPerEpoch = (train.Count + BatchSize - 1) / BatchSize;
        long totalSteps = (long)orders.Length * batchesPerEpoch;
        var schedule = new CosineSchedule();
        double seconds = 0;
        int? epochsToThreshold = null;
        double? secondsToThreshold = null;
        double accuracy = 0;
        long step = 0;
        for (int epoch = 1; epoch <= orders.Length; epoch++)
        {
            int[] order = orders[epoch - 1];
            side.StartEpoch(order);
            long start = Stopwatch.GetTimestamp();
            for (int b = 0; b < batchesPerEpoch; b++)
            {
                int first = b * BatchSize;
                int size = Math.Min(BatchSize, train.Count - first);
                side.Step(first, size, schedule.GetLearningRate(step++, totalSteps, LearningRate));
            }

            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            accuracy = side.TestAccuracy();
            if (epochsToThreshold is null && accuracy >= threshold)
            {
                (epochsToThreshold, secondsToThreshold) = (epoch, seconds);
            }

            Console.WriteLine(FormattableString.Invariant($"  seed {seed} {name,-10} epoch {epoch,2}: test accuracy {accuracy:F4}, training {seconds,7:F2} s"));
        }

        return new RunResult(seed, name, epochsToThreshold, secondsToThreshold, accuracy, seconds / orders.Length);
    }

    private static void PrintTable(List<RunResult> results, double threshold, int maxEpochs, string model, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        string t = threshold.ToString("F2", inv);
        Console.WriteLine();
        Console.WriteLine($"{model}, {threads} thread(s), threshold {t}, {maxEpochs} epochs:");
        Console.WriteLine();
        Console.WriteLine($"| seed | side | epochs to {t} | training s to {t} | s per epoch | test accuracy after {maxEpochs} |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (RunResult r in results)
        {
            Console.WriteLine(string.Create(inv, $"| {r.Seed} | {r.Side} | {Show(r.Epochs)} | {Show(r.Seconds, "F2")} | {r.SecondsPerEpoch:F2} | {r.FinalAccuracy:F4} |"));
        }

        var medians = new Dictionary<string, (double Epochs, double Seconds, double PerEpoch, double Accuracy)>();
        foreach (string side in new[] { "NetGen", "TorchSharp" })
        {
            RunResult[] mine = results.Where(r => r.Side == side).ToArray();
            medians[side] = (
                Stats.Median(mine.Select(r => r.Epochs is int e ? e : double.PositiveInfinity)),
                Stats.Median(mine.Select(r => r.Seconds ?? double.PositiveInfinity)),
                Stats.Median(mine.Select(r => r.SecondsPerEpoch)),
                Stats.Median(mine.Select(r => r.FinalAccuracy)));
            (double epochs, double seconds, double perEpoch, double accuracy) = medians[side];
            Console.WriteLine(string.Create(inv, $"| median | {side} | {ShowMedian(epochs, "F1")} | {ShowMedian(seconds, "F2")} | {perEpoch:F2} | {accuracy:F4} |"));
        }

        (double _, double ngSeconds, double ngPerEpoch, double _) = medians["NetGen"];
        (double _, double tsSeconds, double tsPerEpoch, double _) = medians["TorchSharp"];
        string ratio = double.IsFinite(ngSeconds) && double.IsFinite(tsSeconds) ? (ngSeconds / tsSeconds).ToString("F2", inv) : "n/a";
        Console.WriteLine(string.Create(inv, $"| ratio | NetGen / TorchSharp | | {ratio} | {ngPerEpoch / tsPerEpoch:F2} | |"));
    }

    private static string Show(int? epochs) => epochs is int e ? e.ToString(CultureInfo.InvariantCulture) : "not reached";

    private static string Show(double? seconds, string format) => seconds is double s ? s.ToString(format, CultureInfo.InvariantCulture) : "not reached";

    private static string ShowMedian(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "not reached";

    private sealed record RunResult(int Seed, string Side, int? Epochs, double? Seconds, double FinalAccuracy, double SecondsPerEpoch);

    private interface ISide
    {
        /// <summary>Takes the epoch's visiting order (outside the timed part).</summary>
        void StartEpoch(int[] order);

        /// <summary>One training step on the order's samples [first, first + size) at the given learning rate.</summary>
        void Step(int first, int size, float learningRate);

        /// <summary>The test accuracy in inference mode.</summary>
        double TestAccuracy();
    }

    private sealed class NetGenSide : ISide
    {
        private readonly NetworkBase _network;
        private readonly AdamW _optimizer = new(LearningRate, weightDecay: WeightDecay);
        private readonly Dataset _train;
        private readonly Dataset _test;
        private readonly float[] _features;
        private readonly int[] _labels = new int[BatchSize];
        private int[] _order = [];

        public NetGenSide(NetworkBase network, Dataset train, Dataset test)
        {
            _network = network;
            _train = train;
            _test = test;
            _features = new float[BatchSize * train.FeatureCount];
            network.EnsureBatchCapacity(BatchSize);
        }

        public void StartEpoch(int[] order)
        {
            _order = order;
            _network.Mode = NetworkMode.Training;
        }

        public void Step(int first, int size, float learningRate)
        {
            int f = _train.FeatureCount;
            ReadOnlySpan<float> source = _train.Features;
            ReadOnlySpan<int> labels = _train.Labels;
            for (int j = 0; j < size; j++)
            {
                int index = _order[first + j];
                source.Slice(index * f, f).CopyTo(_features.AsSpan(j * f, f));
                _labels[j] = labels[index];
            }

            ReadOnlySpan<int> batchLabels = _labels.AsSpan(0, size);
            _network.Forward(_features.AsSpan(0, size * f), size);
            _network.Loss(batchLabels);
            _network.ZeroGradients();
            _network.Backward(batchLabels);
            _optimizer.LearningRate = learningRate;
            _optimizer.Step(_network.Parameters, _network.Gradients);
        }

        public double TestAccuracy() => Trainer.Evaluate(_network, _test).Accuracy;
    }

    private sealed class TorchSide : ISide, IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _module;
        private readonly optim.Optimizer _optimizer;
        private readonly Tensor _trainX;
        private readonly Tensor _trainY;
        private readonly Tensor _testX;
        private readonly Tensor _testY;
        private Tensor? _order;

        public TorchSide(nn.Module<Tensor, Tensor> module, Dataset train, Dataset test, bool images)
        {
            _module = module;
            _optimizer = optim.AdamW(module.parameters(), lr: LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: WeightDecay);
            long[] Shape(int n) => images ? [n, 1, 28, 28] : [n, train.FeatureCount];
            _trainX = torch.tensor(train.Features.ToArray(), Shape(train.Count));
            _trainY = torch.tensor(train.Labels.ToArray().Select(l => (long)l).ToArray());
            _testX = torch.tensor(test.Features.ToArray(), Shape(test.Count));
            _testY = torch.tensor(test.Labels.ToArray().Select(l => (long)l).ToArray());
        }

        public void StartEpoch(int[] order)
        {
            _order?.Dispose();
            _order = torch.tensor(order.Select(i => (long)i).ToArray());
            _module.train();
        }

        public void Step(int first, int size, float learningRate)
        {
            using var scope = torch.NewDisposeScope();
            Tensor indices = _order!.narrow(0, first, size);
            Tensor x = _trainX.index_select(0, indices);
            Tensor y = _trainY.index_select(0, indices);
            foreach (var group in _optimizer.ParamGroups)
            {
                group.LearningRate = learningRate;
            }

            Tensor loss = nn.functional.cross_entropy(_module.forward(x), y);
            _optimizer.zero_grad();
            loss.backward();
            _optimizer.step();
        }

        public double TestAccuracy()
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            _module.eval();
            long correct = 0;
            long n = _testX.shape[0];
            for (long first = 0; first < n; first += 1000)
            {
                long size = Math.Min(1000, n - first);
                Tensor predicted = _module.forward(_testX.narrow(0, first, size)).argmax(1);
                correct += predicted.eq(_testY.narrow(0, first, size)).sum().item<long>();
            }

            _module.train();
            return (double)correct / n;
        }

        public void Dispose()
        {
            _order?.Dispose();
            _optimizer.Dispose();
            _trainX.Dispose();
            _trainY.Dispose();
            _testX.Dispose();
            _testY.Dispose();
        }
    }
}
