using NetGen.Data;
using NetGen.Serialization;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NetGen.Tests.Interop;

/// <summary>
/// Weights trained in libtorch run in NetGen: the fixtures in <c>Fixtures/</c> were trained with TorchSharp and written
/// by TorchSharp.PyBridge's safetensors writer (<c>scripts/regenerate-interop-fixtures.sh</c>). Each test loads the file
/// into the NetGen network and, independently, into the same architecture in TorchSharp (read by PyBridge, evaluated in
/// float64), and compares the logits and predictions on the whole Fashion-MNIST test set.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class PyTorchWeightsTests(ITestOutputHelper output)
{
    private const double LogitTolerance = 1e-5;
    private const int Chunk = 500;

    private static readonly Lazy<Dataset> s_test = new(() => FashionMnist.LoadTest(FashionMnist.FindDirectory()));

    private static string Fixture(string name) => Path.Combine(Repository.Root(), "tests", "Interop", "Fixtures", name);

    [Fact]
    public void Mlp_trained_in_libtorch_predicts_the_fashion_test_set_like_torch()
    {
        string path = Fixture("fashion-mlp.torch.safetensors");
        var net = new FashionMlp(seed: 1) { Mode = NetworkMode.Inference };
        SafeTensors.Load(net, path); // the torch module names are NetGen's: dense0, dense2, dense4

        using var scope = torch.NewDisposeScope();
        var torchNet = Sequential(
            ("dense0", Linear(784, 256)), ("relu1", ReLU()),
            ("dense2", Linear(256, 128)), ("relu3", ReLU()),
            ("dense4", Linear(128, 10)));
        torchNet.load_safetensors(path);
        Compare(net, logitsLayer: 4, torchNet, flat: true);
    }

    [Fact]
    public void Cnn_with_batch_norm_trained_in_libtorch_predicts_the_fashion_test_set_like_torch()
    {
        string path = Fixture("fashion-cnn.torch.safetensors");
        var net = new TestCnn(seed: 1) { Mode = NetworkMode.Inference };
        // PyTorch's Sequential names → NetGen's layer names (the layer index is the same in both here).
        var modules = new Dictionary<string, string>
        {
            ["features.0"] = "conv0", ["features.1"] = "bn1", ["features.4"] = "conv4", ["features.5"] = "bn5",
            ["classifier.1"] = "dense9", ["classifier.4"] = "dense12",
        };
        SafeTensorsLoadResult result = SafeTensors.Load(net, path, new SafeTensorsLoadOptions
        {
            NameMap = name => modules[name[..name.LastIndexOf('.')]] + name[name.LastIndexOf('.')..],
        });
        Assert.Equal(net.ParameterTensors.Count + net.BufferTensors.Count, result.Loaded.Count);

        using var scope = torch.NewDisposeScope();
        var torchNet = Sequential(
            ("features", Sequential(
                Conv2d(1, 32, 3, padding: 1, bias: false), BatchNorm2d(32), ReLU(), MaxPool2d(2),
                Conv2d(32, 64, 3, padding: 1, bias: false), BatchNorm2d(64), ReLU(), MaxPool2d(2))),
            ("classifier", Sequential(
                Flatten(), Linear(64 * 7 * 7, 128), ReLU(), Dropout(0.3), Linear(128, 10))));
        torchNet.load_safetensors(path);
        Compare(net, logitsLayer: 12, torchNet, flat: false);
    }

    /// <summary>
    /// The other way: a NetGen network saved by NetGen (the CNN under PyTorch's Sequential names through a name map)
    /// loads into the torch module with PyBridge's strict loader and computes the same logits.
    /// </summary>
    [Fact]
    public void Weights_saved_by_netgen_load_strictly_into_torch_modules_and_give_the_same_logits()
    {
        string dir = Path.Combine(Path.GetTempPath(), "netgen-to-torch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // Train a few steps so the batch-norm running statistics are not their defaults.
            var cnn = new TestCnn(seed: 5);
            Dataset train = s_test.Value.Slice(0, 64);
            var optimizer = new NetGen.Optimizers.Adam(1e-3f);
            for (int step = 0; step < 3; step++)
            {
                cnn.Forward(train.Features, 64);
                cnn.ZeroGradients();
                cnn.Backward(train.Labels);
                optimizer.Step(cnn.Parameters, cnn.Gradients);
            }

            cnn.Mode = NetworkMode.Inference;
            var toTorch = new Dictionary<string, string>
            {
                ["conv0"] = "features.0", ["bn1"] = "features.1", ["conv4"] = "features.4", ["bn5"] = "features.5",
                ["dense9"] = "classifier.1", ["dense12"] = "classifier.4",
            };
            string cnnPath = Path.Combine(dir, "cnn.safetensors");
            SafeTensors.Save(cnn, cnnPath, new SafeTensorsSaveOptions
            {
                NameMap = name => toTorch[name[..name.LastIndexOf('.')]] + name[name.LastIndexOf('.')..],
            });

            var mlp = new FashionMlp(seed: 6) { Mode = NetworkMode.Inference };
            string mlpPath = Path.Combine(dir, "mlp.safetensors");
            SafeTensors.Save(mlp, mlpPath);

            using var scope = torch.NewDisposeScope();
            var torchCnn = Sequential(
                ("features", Sequential(
                    Conv2d(1, 32, 3, padding: 1, bias: false), BatchNorm2d(32), ReLU(), MaxPool2d(2),
                    Conv2d(32, 64, 3, padding: 1, bias: false), BatchNorm2d(64), ReLU(), MaxPool2d(2))),
                ("classifier", Sequential(
                    Flatten(), Linear(64 * 7 * 7, 128), ReLU(), Dropout(0.3), Linear(128, 10))));
            torchCnn.load_safetensors(cnnPath, strict: true);
            var torchMlp = Sequential(
                ("dense0", Linear(784, 256)), ("relu1", ReLU()),
                ("dense2", Linear(256, 128)), ("relu3", ReLU()),
                ("dense4", Linear(128, 10)));
            torchMlp.load_safetensors(mlpPath, strict: true);

            Compare(cnn, logitsLayer: 12, torchCnn, flat: false, count: 500, minimumAccuracy: 0);
            Compare(mlp, logitsLayer: 4, torchMlp, flat: true, count: 500, minimumAccuracy: 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs both networks on the whole test set (torch in float64, so no oneDNN float32 convolution) and compares.</summary>
    private void Compare(NetworkBase net, int logitsLayer, Module<Tensor, Tensor> torchNet, bool flat, int count = 10_000, double minimumAccuracy = 0.8)
    {
        Dataset test = s_test.Value;
        torchNet.to(ScalarType.Float64);
        torchNet.eval();
        using var noGrad = torch.no_grad();
        int n = Math.Min(count, test.Count), features = test.FeatureCount;
        double maxDiff = 0;
        int oursCorrect = 0, theirsCorrect = 0, disagreements = 0;
        var predictions = new int[Chunk];
        for (int start = 0; start < n; start += Chunk)
        {
            using var scope = torch.NewDisposeScope();
            int batch = Math.Min(Chunk, n - start);
            float[] x = test.Features.Slice(start * features, batch * features).ToArray();
            net.Forward(x, batch);
            float[] ours = net.LayerOutput(logitsLayer).ToArray();
            long[] shape = flat ? [batch, features] : [batch, 1, 28, 28];
            double[] theirs = torchNet.forward(torch.tensor(x, shape).to(ScalarType.Float64)).data<double>().ToArray();
            for (int b = 0; b < batch; b++)
            {
                int label = test.Labels[start + b];
                int mine = ArgMax<float>(ours.AsSpan(b * 10, 10)), torchs = ArgMax<double>(theirs.AsSpan(b * 10, 10));
                oursCorrect += mine == label ? 1 : 0;
                theirsCorrect += torchs == label ? 1 : 0;
                disagreements += mine == torchs ? 0 : 1;
                for (int k = 0; k < 10; k++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(ours[b * 10 + k] - theirs[b * 10 + k]));
                }
            }
        }

        output.WriteLine($"{net.GetType().Name}: max |logit diff| {maxDiff:E2} over {n} images; accuracy NetGen {oursCorrect / (double)n:F4}, torch {theirsCorrect / (double)n:F4}; {disagreements} different predictions");
        Assert.True(theirsCorrect >= minimumAccuracy * n, $"torch's accuracy {theirsCorrect / (double)n} is too low for a trained network; is the fixture right?");
        Assert.True(maxDiff <= LogitTolerance, $"logits differ by up to {maxDiff:E2}");
        Assert.Equal(0, disagreements);
        Assert.Equal(theirsCorrect, oursCorrect);
    }

    private static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : IComparable<T>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i].CompareTo(values[best]) > 0 ? i : best;
        }

        return best;
    }
}
