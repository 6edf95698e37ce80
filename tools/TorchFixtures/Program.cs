// Trains the Fashion-MNIST MLP and the CNN with batch norm in libtorch (TorchSharp) and writes their weights with
// TorchSharp.PyBridge's safetensors writer — deliberately not NetGen's — as fixtures for tests/Interop/PyTorchWeightsTests.
// Usage: dotnet run -c Release --project tools/TorchFixtures -- <repository root>   (scripts/regenerate-interop-fixtures.sh)
//
// The MLP's modules are named like NetGen's layers (dense0, dense2, dense4); the CNN uses PyTorch's usual
// features/classifier Sequential names, so loading it into NetGen exercises the name map.
using System.IO.Compression;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

string root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
string data = Path.Combine(root, "data", "fashion-mnist");
string output = Path.Combine(root, "tests", "Interop", "Fixtures");
Directory.CreateDirectory(output);
torch.manual_seed(1);
torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));

(float[] images, long[] labels) = Load(data, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");

// The MLP 784-256-128-10, trained in float32 (dense layers do not go through oneDNN's convolution).
var mlp = Sequential(
    ("dense0", Linear(784, 256)), ("relu1", ReLU()),
    ("dense2", Linear(256, 128)), ("relu3", ReLU()),
    ("dense4", Linear(128, 10)));
Train(mlp, images, labels, steps: 600, ScalarType.Float32, flat: true);
mlp.save_safetensors(Path.Combine(output, "fashion-mlp.torch.safetensors"));

// The sample's CNN: conv(32) bn relu pool, conv(64) bn relu pool, dense(128) relu dropout, dense(10). Trained in float64
// because libtorch's float32 convolution (oneDNN) is wrong on the Zen 5 host this was written on; saved as float32.
var cnn = Sequential(
    ("features", Sequential(
        Conv2d(1, 32, 3, padding: 1, bias: false), BatchNorm2d(32), ReLU(), MaxPool2d(2),
        Conv2d(32, 64, 3, padding: 1, bias: false), BatchNorm2d(64), ReLU(), MaxPool2d(2))),
    ("classifier", Sequential(
        Flatten(), Linear(64 * 7 * 7, 128), ReLU(), Dropout(0.3), Linear(128, 10))));
Train(cnn, images, labels, steps: 300, ScalarType.Float64, flat: false);
cnn.to(ScalarType.Float32);
cnn.save_safetensors(Path.Combine(output, "fashion-cnn.torch.safetensors"));
Console.WriteLine($"wrote the fixtures to {output}");

static void Train(Module<Tensor, Tensor> model, float[] images, long[] labels, int steps, ScalarType type, bool flat)
{
    model.to(type);
    model.train();
    var optimizer = optim.Adam(model.parameters(), 1e-3);
    var rng = new Random(1);
    const int batch = 64;
    int count = labels.Length;
    for (int step = 0; step < steps; step++)
    {
        using var scope = torch.NewDisposeScope();
        var x = new float[batch * 784];
        var y = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            int i = rng.Next(count);
            Array.Copy(images, i * 784, x, b * 784, 784);
            y[b] = labels[i];
        }

        Tensor input = torch.tensor(x, flat ? new long[] { batch, 784 } : new long[] { batch, 1, 28, 28 }).to(type);
        Tensor loss = functional.cross_entropy(model.forward(input), torch.tensor(y));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        if (step % 100 == 0 || step == steps - 1)
        {
            Console.WriteLine($"{type} step {step}: loss {loss.ToDouble():F4}");
        }
    }

    model.eval();
}

static (float[] Images, long[] Labels) Load(string directory, string imagesFile, string labelsFile)
{
    byte[] images = Gunzip(Path.Combine(directory, imagesFile));
    byte[] labels = Gunzip(Path.Combine(directory, labelsFile));
    int count = labels.Length - 8;
    var x = new float[count * 784];
    for (int i = 0; i < x.Length; i++)
    {
        x[i] = images[16 + i] / 255f;
    }

    var y = new long[count];
    for (int i = 0; i < count; i++)
    {
        y[i] = labels[8 + i];
    }

    return (x, y);
}

static byte[] Gunzip(string path)
{
    using var file = File.OpenRead(path);
    using var gzip = new GZipStream(file, CompressionMode.Decompress);
    using var memory = new MemoryStream();
    gzip.CopyTo(memory);
    return memory.ToArray();
}
