using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using NetGen.Data;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Reliability;

/// <summary>
/// Bad input at run time leaves the objects it touches usable: a batch too large for an array does not break the
/// network, a lying IDX header does not allocate what it claims, and shapes handed out cannot be changed by callers.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("netgen-badinput-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void A_batch_too_large_for_an_array_is_refused_and_the_network_still_runs_normal_batches()
    {
        var net = new FashionMlp(seed: 1);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => net.EnsureBatchCapacity(int.MaxValue));
        Assert.Equal("batchSize", ex.ParamName);
        Assert.Contains("2,147,483,647 samples", ex.Message);
        Assert.DoesNotContain("-", ex.Message.Split('(')[0]); // no overflowed, negative sizes in the sentence

        // The failed call changed nothing: a normal batch allocates, runs and gives the same loss as a fresh network.
        var input = new float[3 * 784];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 17) / 17f;
        }

        int[] labels = [1, 4, 9];
        net.Forward(input, batchSize: 3);
        float loss = net.Loss(labels);
        var fresh = new FashionMlp(seed: 1);
        fresh.Forward(input, batchSize: 3);
        Assert.Equal(fresh.Loss(labels), loss);
        Assert.Equal(3, net.Output.Length / net.OutputSize);
    }

    [Fact]
    public void Forward_with_an_impossible_batch_size_names_the_size_without_overflowing()
    {
        var net = new FashionMlp(seed: 1);
        var ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[784], batchSize: int.MaxValue));
        Assert.Contains("needs 1683627179248", ex.Message); // 2,147,483,647 × 784, not -784
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_16_byte_idx_file_claiming_two_billion_values_fails_without_allocating_them(bool gzip)
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 2000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 1000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 1000);
        string path = Path.Combine(_temp, gzip ? "liar.gz" : "liar");
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(header);
        }
        else
        {
            File.WriteAllBytes(path, header);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated", ex.Message);
        Assert.Contains("2000 x 1000 x 1000", ex.Message);
        Assert.Contains("holds only 16 bytes", ex.Message);
        Assert.True(allocated < 4_000_000, $"reading a 16-byte file allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_truncated_gzip_idx_file_larger_than_one_chunk_reports_its_real_length()
    {
        // 3 MB of a declared 4 MB payload: the growing buffer reads past its first chunk and still names both sizes.
        byte[] raw = new byte[16 + (3 << 20)];
        BinaryPrimitives.WriteInt32BigEndian(raw, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), 4);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(8), 1024);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(12), 1024);
        string path = Path.Combine(_temp, "short.gz");
        using (var file = File.Create(path))
        using (var z = new GZipStream(file, CompressionLevel.Fastest))
        {
            z.Write(raw);
        }

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains($"needs {16 + (4 << 20)} bytes (after gzip decompression), but it holds only {raw.Length} bytes", ex.Message);
    }

    [Fact]
    public void Shapes_handed_out_are_immutable_values_shared_safely_between_instances()
    {
        var a = new FashionMlp(seed: 1);
        var b = new FashionMlp(seed: 2);

        // A caller's copy is its own: changing it changes nothing another instance reports.
        int[] copy = a.InputShape.ToArray();
        copy[0] = 1;
        Assert.Equal(784, b.InputShape[0]);
        int[] layerCopy = a.Layers[0].OutputShape.ToArray();
        layerCopy[0] = 1;
        Assert.Equal(256, b.Layers[0].OutputShape[0]);
        Assert.Equal(new TensorShape(256, 784), b.ParameterTensors[0].Shape);

        // Value equality, so records holding shapes compare by content, not by array reference.
        Assert.Equal(a.Layers, b.Layers);
        Assert.Equal(a.ParameterTensors, b.ParameterTensors);
        Assert.Equal(new LayerInfo(0, "d", "Dense", [2, 3], 6), new LayerInfo(0, "d", "Dense", new[] { 2, 3 }, 6));
        Assert.NotEqual(new TensorShape(2, 3), new TensorShape(3, 2));
        Assert.Equal("[256, 784]", b.ParameterTensors[0].Shape.ToString());

        // An array passed in is copied.
        int[] dims = [4, 5];
        TensorShape shape = dims;
        dims[0] = 9;
        Assert.Equal(4, shape[0]);
    }
}
