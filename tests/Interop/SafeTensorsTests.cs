using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetGen.Serialization;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Interop;

/// <summary>
/// safetensors both ways: the bytes NetGen writes (checked by an independent parse), round trips through a fresh
/// network, the name map, and every refusal — each naming the tensor at fault and leaving the network untouched.
/// </summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "netgen-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A network with every parameterized layer kind (conv, batch/group/layer norm, PReLU, dense, residual blocks) and non-default running statistics.</summary>
    private static KitchenSinkNet TrainedKitchenSink(int seed)
    {
        var net = new KitchenSinkNet(seed);
        var rng = new Rng(seed + 100);
        var x = new float[4 * net.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextGaussian();
        }

        int[] labels = [0, 1, 2, 1];
        var optimizer = new NetGen.Optimizers.Adam(1e-2f);
        for (int step = 0; step < 3; step++)
        {
            net.Forward(x, 4);
            net.ZeroGradients();
            net.Backward(labels);
            optimizer.Step(net.Parameters, net.Gradients);
        }

        return net;
    }

    [Fact]
    public void Round_trip_restores_every_parameter_and_buffer_and_the_outputs()
    {
        KitchenSinkNet saved = TrainedKitchenSink(seed: 1);
        string path = PathOf("sink.safetensors");
        SafeTensors.Save(saved, path);

        var loaded = new KitchenSinkNet(seed: 2);
        Assert.NotEqual(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.NotEqual(saved.Buffers.ToArray(), loaded.Buffers.ToArray());
        SafeTensorsLoadResult result = SafeTensors.Load(loaded, path);

        Assert.Equal(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(saved.Buffers.ToArray(), loaded.Buffers.ToArray());
        Assert.Empty(result.Missing);
        Assert.Equal(saved.ParameterTensors.Count + saved.BufferTensors.Count, result.Loaded.Count);
        Assert.All(result.Skipped, name => Assert.EndsWith(".num_batches_tracked", name));
        Assert.Equal(saved.BufferTensors.Count / 2, result.Skipped.Count); // one num_batches_tracked per batch norm

        saved.Mode = loaded.Mode = NetworkMode.Inference;
        var x = new float[3 * saved.InputSize];
        new Rng(9).NextGaussians(x);
        Assert.Equal(saved.Forward(x, 3).ToArray(), loaded.Forward(x, 3).ToArray());
    }

    [Fact]
    public void The_file_is_a_safetensors_file_with_pytorch_names_shapes_and_exact_data()
    {
        KitchenSinkNet net = TrainedKitchenSink(seed: 3);
        string path = PathOf("sink.safetensors");
        SafeTensors.Save(net, path, new SafeTensorsSaveOptions { Metadata = new Dictionary<string, string> { ["epoch"] = "3" } });

        // An independent parse: header length, JSON with System.Text.Json's DOM, data read at the offsets.
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        string headerText = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{", headerText);
        Assert.Matches(@"}\s*$", headerText);
        JsonObject header = JsonNode.Parse(headerText)!.AsObject();
        JsonObject metadata = header["__metadata__"]!.AsObject();
        Assert.Equal("pt", (string?)metadata["format"]);
        Assert.Equal("3", (string?)metadata["epoch"]);

        var expected = net.ParameterTensors.Select(t => (t, net.Parameters.ToArray()))
            .Concat(net.BufferTensors.Select(t => (t, net.Buffers.ToArray())))
            .ToList();
        var batchNorms = net.BufferTensors.Where(t => t.Name.EndsWith(".running_mean")).Select(t => t.Name[..^".running_mean".Length]).ToList();
        Assert.Equal(expected.Count + batchNorms.Count + 1, header.Count);
        Assert.Contains("res0.conv3.weight", header.Select(p => p.Key)); // residual blocks: block name, then layer name

        long dataStart = 8 + headerLength, end = 0;
        foreach ((ParameterTensor tensor, float[] source) in expected)
        {
            JsonObject entry = header[tensor.Name]!.AsObject();
            Assert.Equal("F32", (string?)entry["dtype"]);
            Assert.Equal(tensor.Shape.ToArray(), entry["shape"]!.AsArray().Select(d => (int)d!).ToArray());
            long[] offsets = entry["data_offsets"]!.AsArray().Select(d => (long)d!).ToArray();
            Assert.Equal(4L * tensor.Length, offsets[1] - offsets[0]);
            var values = new float[tensor.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + offsets[0] + 4 * i)));
            }

            Assert.Equal(source.AsSpan(tensor.Offset, tensor.Length).ToArray(), values);
            end = Math.Max(end, offsets[1]);
        }

        foreach (string bn in batchNorms)
        {
            JsonObject entry = header[bn + ".num_batches_tracked"]!.AsObject();
            Assert.Equal("I64", (string?)entry["dtype"]);
            Assert.Empty(entry["shape"]!.AsArray());
            long[] offsets = entry["data_offsets"]!.AsArray().Select(d => (long)d!).ToArray();
            Assert.Equal(8, offsets[1] - offsets[0]);
            end = Math.Max(end, offsets[1]);
        }

        Assert.Equal(bytes.Length - dataStart, end);

        // PyTorch's state_dict order: weight, bias, running_mean, running_var, num_batches_tracked per module.
        var names = header.Select(p => p.Key).Where(k => k.StartsWith("bn", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked" }, names);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp")); // the atomic write left no temporary file
    }

    [Fact]
    public void A_name_map_saves_and_loads_under_other_module_names()
    {
        var net = new TestCnn(seed: 1);
        new Rng(5).NextGaussians(net.Buffers);
        var toTorch = new Dictionary<string, string>
        {
            ["conv0"] = "features.0", ["bn1"] = "features.1", ["conv4"] = "features.4", ["bn5"] = "features.5",
            ["dense9"] = "classifier.1", ["dense12"] = "classifier.4",
        };
        var fromTorch = toTorch.ToDictionary(p => p.Value, p => p.Key);
        static string Rename(string name, Dictionary<string, string> map)
        {
            int dot = name.LastIndexOf('.');
            return map[name[..dot]] + name[dot..];
        }

        string path = PathOf("cnn.safetensors");
        SafeTensors.Save(net, path, new SafeTensorsSaveOptions { NameMap = n => Rename(n, toTorch) });
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Contains(file.Tensors, t => t.Name == "features.0.weight" && t.Shape.SequenceEqual([32, 1, 3, 3]));
        Assert.Contains(file.Tensors, t => t.Name == "classifier.1.weight" && t.Shape.SequenceEqual([128, 3136]));
        Assert.Contains(file.Tensors, t => t.Name == "features.5.num_batches_tracked");
        Assert.DoesNotContain(file.Tensors, t => t.Name.StartsWith("conv", StringComparison.Ordinal));

        var other = new TestCnn(seed: 2);
        Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(other, path)); // without the map nothing matches
        SafeTensors.Load(other, path, new SafeTensorsLoadOptions { NameMap = n => Rename(n, fromTorch) });
        Assert.Equal(net.Parameters.ToArray(), other.Parameters.ToArray());
        Assert.Equal(net.Buffers.ToArray(), other.Buffers.ToArray());
    }

    [Fact]
    public void Non_strict_loading_lists_unexpected_and_missing_tensors_and_a_null_map_skips()
    {
        var net = new FashionMlp(seed: 1);
        var writer = new SafeTensorsWriter();
        var source = new FashionMlp(seed: 7);
        ParameterTensor w0 = source.ParameterTensors.Single(t => t.Name == "dense0.weight");
        writer.AddFloat32("dense0.weight", source.Parameters.Slice(w0.Offset, w0.Length), w0.Shape);
        writer.AddFloat32("head.extra", [1f, 2f], [2]);
        writer.AddFloat32("optimizer.step", [1f], [1]);
        string path = PathOf("partial.safetensors");
        writer.Save(path);

        float[] before = net.Parameters.ToArray();
        SafeTensorsLoadResult result = SafeTensors.Load(net, path, new SafeTensorsLoadOptions
        {
            Strict = false,
            NameMap = n => n.StartsWith("optimizer.", StringComparison.Ordinal) ? null : n,
        });

        Assert.Equal(new[] { "dense0.weight" }, result.Loaded);
        Assert.Equal(new[] { "head.extra", "optimizer.step" }, result.Skipped.Order());
        Assert.Equal(5, result.Missing.Count);
        Assert.Equal(source.Parameters.Slice(w0.Offset, w0.Length).ToArray(), net.Parameters.Slice(w0.Offset, w0.Length).ToArray());
        Assert.Equal(before.AsSpan(w0.Length).ToArray(), net.Parameters.Slice(w0.Length).ToArray());
    }

    [Fact]
    public void Other_float_types_load_only_when_conversion_is_asked_for()
    {
        var net = new RegressionNet(seed: 1); // dense0 [8, 4] + bias [8], dense2 [3, 8] without bias
        // Values exact in every format: F64 k/4, F16 0x3E00 = 1.5, BF16 0x3FC0 = 1.5, 0xC000 = -2.
        var dense0 = Enumerable.Range(0, 32).Select(k => k / 4.0).ToArray();
        byte[] f64 = dense0.SelectMany(BitConverter.GetBytes).ToArray();
        byte[] f16 = Enumerable.Repeat(new byte[] { 0x00, 0x3E }, 8).SelectMany(b => b).ToArray();
        byte[] bf16 = Enumerable.Range(0, 24).SelectMany(i => i % 2 == 0 ? new byte[] { 0xC0, 0x3F } : new byte[] { 0x00, 0xC0 }).ToArray();
        string path = PathOf("mixed.safetensors");
        File.WriteAllBytes(path, RawFile(
            ("dense0.weight", "F64", [8, 4], f64), ("dense0.bias", "F16", [8], f16), ("dense2.weight", "BF16", [3, 8], bf16)));

        float[] before = net.Parameters.ToArray();
        var refused = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(net, path));
        Assert.Equal("dense0.bias", refused.TensorName);
        Assert.Contains("F16", refused.Message);
        Assert.Contains("ConvertFloatTypes", refused.Message);
        Assert.Equal(before, net.Parameters.ToArray());

        SafeTensors.Load(net, path, new SafeTensorsLoadOptions { ConvertFloatTypes = true });
        float[] Tensor(string name)
        {
            ParameterTensor t = net.ParameterTensors.Single(p => p.Name == name);
            return net.Parameters.Slice(t.Offset, t.Length).ToArray();
        }

        Assert.Equal(dense0.Select(v => (float)v).ToArray(), Tensor("dense0.weight"));
        Assert.Equal(Enumerable.Repeat(1.5f, 8).ToArray(), Tensor("dense0.bias"));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i % 2 == 0 ? 1.5f : -2f).ToArray(), Tensor("dense2.weight"));
    }

    public static TheoryData<string> Corruptions() =>
    [
        "unexpected name", "missing tensor", "wrong shape", "wrong dtype (I64)", "wrong dtype (F64)", "truncated data",
        "truncated header", "corrupt header JSON", "overlapping offsets", "hole between tensors", "duplicate name",
        "size disagrees with shape", "num_batches_tracked not an integer", "two names map to one tensor",
    ];

    /// <summary>Each corruption is refused with a <see cref="SafeTensorsException"/> naming the tensor, and the network keeps every value.</summary>
    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_or_mismatched_file_is_refused_naming_the_tensor_and_the_network_is_untouched(string corruption)
    {
        TestCnn original = new(seed: 11);
        new Rng(3).NextGaussians(original.Buffers);
        byte[] valid = SafeTensors.ToWriter(original).ToArray();
        (byte[] bytes, string? tensor, Func<string, string?>? map) = Corrupt(valid, corruption);
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, bytes);

        var net = new TestCnn(seed: 12);
        new Rng(4).NextGaussians(net.Buffers);
        float[] parameters = net.Parameters.ToArray(), buffers = net.Buffers.ToArray();
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(net, path, new SafeTensorsLoadOptions { NameMap = map }));

        Assert.Equal(tensor, e.TensorName);
        if (tensor is not null)
        {
            Assert.Contains($"'{tensor}'", e.Message);
        }

        Assert.Contains("bad.safetensors", e.Message);
        Assert.Equal(parameters, net.Parameters.ToArray());
        Assert.Equal(buffers, net.Buffers.ToArray());
    }

    private static (byte[] Bytes, string? Tensor, Func<string, string?>? Map) Corrupt(byte[] valid, string corruption)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        JsonObject header = JsonNode.Parse(Encoding.UTF8.GetString(valid, 8, headerLength))!.AsObject();
        byte[] data = valid[(8 + headerLength)..];
        byte[] With(JsonObject h, byte[]? d = null) => Assemble(h.ToJsonString(), d ?? data);
        void Offsets(string name, long begin, long end) => header[name]!["data_offsets"] = new JsonArray(begin, end);
        long Begin(string name) => (long)header[name]!["data_offsets"]![0]!;
        long End(string name) => (long)header[name]!["data_offsets"]![1]!;

        switch (corruption)
        {
            case "unexpected name":
            {
                var renamed = new JsonObject();
                foreach (var (key, value) in header.ToList())
                {
                    header.Remove(key);
                    renamed[key == "dense9.bias" ? "dense9.bais" : key] = value;
                }

                return (With(renamed), "dense9.bais", null);
            }

            case "missing tensor":
                // Drop bn5.running_var's entry and bytes; later tensors move down.
                return (Rebuild(header, data, drop: "bn5.running_var"), "bn5.running_var", null);
            case "wrong shape":
                header["dense9.weight"]!["shape"] = new JsonArray(3136, 128); // transposed: same size, wrong layout
                return (With(header), "dense9.weight", null);
            case "wrong dtype (I64)":
            {
                // dense12.bias (10 floats, 40 bytes) re-declared as I64 [5]: consistent bytes, wrong type.
                header["dense12.bias"]!["dtype"] = "I64";
                header["dense12.bias"]!["shape"] = new JsonArray(5);
                return (With(header), "dense12.bias", null);
            }

            case "wrong dtype (F64)":
                header["bn1.weight"]!["dtype"] = "F64";
                header["bn1.weight"]!["shape"] = new JsonArray(16); // 32 floats = 16 doubles
                return (With(header), "bn1.weight", null);
            case "truncated data":
            {
                string last = header.Where(p => p.Key != "__metadata__").MaxBy(p => End(p.Key)).Key;
                return (valid[..^5], last, null);
            }

            case "truncated header":
                return (valid[..(headerLength / 2)], null, null);
            case "corrupt header JSON":
            {
                string text = header.ToJsonString();
                int at = text.IndexOf("\"conv4.weight\"", StringComparison.Ordinal);
                int shape = text.IndexOf("\"shape\":[", at, StringComparison.Ordinal);
                text = text[..shape] + "\"shape\":[32,1,3,,3" + text[(shape + "\"shape\":[".Length)..]; // a double comma
                return (Assemble(text, data), "conv4.weight", null);
            }

            case "overlapping offsets":
                // dense12.weight starts 4 bytes early (inside the previous tensor) and ends 4 bytes early.
                Offsets("dense12.weight", Begin("dense12.weight") - 4, End("dense12.weight") - 4);
                return (With(header), "dense12.weight", null);
            case "hole between tensors":
                Offsets("dense12.weight", Begin("dense12.weight") + 4, End("dense12.weight") + 4);
                return (With(header), "dense12.weight", null);
            case "duplicate name":
            {
                string text = header.ToJsonString();
                string entry = header["bn5.bias"]!.ToJsonString();
                text = text[..^1] + ",\"bn5.bias\":" + entry + "}";
                return (Assemble(text, data), "bn5.bias", null);
            }

            case "size disagrees with shape":
                header["conv0.weight"]!["shape"] = new JsonArray(32, 1, 3, 2);
                return (With(header), "conv0.weight", null);
            case "num_batches_tracked not an integer":
            {
                // PyTorch's counter as a float: 8 bytes = F64 scalar is a float, not a counter.
                header["bn1.num_batches_tracked"]!["dtype"] = "F64";
                return (With(header), "bn1.num_batches_tracked", null);
            }

            case "two names map to one tensor":
                return (valid, "dense9.weight", n => n == "dense9.weight" || n == "conv0.weight" ? "conv0.weight" : n);
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption, null);
        }
    }

    /// <summary>A file from a header whose offsets are recomputed after dropping one tensor.</summary>
    private static byte[] Rebuild(JsonObject header, byte[] data, string drop)
    {
        var entries = header.Where(p => p.Key != "__metadata__" && p.Key != drop)
            .Select(p => (p.Key, Dtype: (string)p.Value!["dtype"]!, Shape: p.Value!["shape"]!.AsArray().Select(d => (int)d!).ToArray(),
                Bytes: data[(int)(long)p.Value!["data_offsets"]![0]!..(int)(long)p.Value!["data_offsets"]![1]!]))
            .ToArray();
        return RawFile(entries);
    }

    /// <summary>A safetensors file built by hand (not by NetGen's writer) from (name, dtype, shape, bytes) in data order.</summary>
    internal static byte[] RawFile(params (string Name, string Dtype, int[] Shape, byte[] Bytes)[] tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.Dtype,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Bytes.Length),
            };
            offset += t.Bytes.Length;
        }

        return Assemble(header.ToJsonString(), tensors.SelectMany(t => t.Bytes).ToArray());
    }

    private static byte[] Assemble(string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}

internal static class RngFillExtensions
{
    public static void NextGaussians(this Rng rng, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextGaussian();
        }
    }
}
