using System;
using System.IO;
using System.IO.Compression;
using NetGen.Data;

namespace NetGen.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dataDir = FashionMnist.FindDirectory();
    private readonly string _temp = Directory.CreateTempSubdirectory("netgen-idx-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string TestImages => Path.Combine(_dataDir, FashionMnist.TestImagesFile);

    private string TestLabels => Path.Combine(_dataDir, FashionMnist.TestLabelsFile);

    private static byte[] Gunzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private string WriteTemp(string name, byte[] bytes)
    {
        string path = Path.Combine(_temp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Real_test_images_have_10000_images_of_28_by_28()
    {
        IdxArray images = IdxReader.ReadImages(TestImages);
        Assert.Equal<TensorShape>([10000, 28, 28], images.Dimensions);
        Assert.Equal(10000 * 28 * 28, images.Data.Length);
    }

    [Fact]
    public void Real_test_labels_hold_each_of_the_10_classes_1000_times()
    {
        byte[] labels = IdxReader.ReadLabels(TestLabels, classCount: 10);
        Assert.Equal(10000, labels.Length);
        var counts = new int[10];
        foreach (byte label in labels)
        {
            counts[label]++;
        }

        Assert.All(counts, c => Assert.Equal(1000, c));
    }

    [Fact]
    public void Raw_uncompressed_files_read_the_same_as_gzipped_ones()
    {
        string raw = WriteTemp("t10k-images-idx3-ubyte", Gunzip(TestImages));
        IdxArray fromRaw = IdxReader.ReadImages(raw);
        IdxArray fromGzip = IdxReader.ReadImages(TestImages);
        Assert.Equal(fromGzip.Dimensions, fromRaw.Dimensions);
        Assert.Equal(fromGzip.Data, fromRaw.Data);
    }

    [Fact]
    public void Truncated_file_names_the_file_and_the_expected_and_actual_byte_counts()
    {
        byte[] labels = Gunzip(TestLabels); // 8-byte header + 10000 labels
        string path = WriteTemp("truncated-labels", labels[..5000]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("10008", e.Message);
        Assert.Contains("5000", e.Message);
    }

    [Fact]
    public void Truncated_gzip_file_is_reported_with_its_name()
    {
        byte[] gz = File.ReadAllBytes(TestImages);
        string path = WriteTemp("truncated-images.gz", gz[..(gz.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        string path = WriteTemp("short-header", [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("header", e.Message);
    }

    [Fact]
    public void Over_long_file_is_reported_with_both_byte_counts()
    {
        byte[] labels = Gunzip(TestLabels);
        string path = WriteTemp("long-labels", [.. labels, 1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("10008", e.Message);
        Assert.Contains("10011", e.Message);
    }

    [Fact]
    public void Wrong_magic_names_the_file_and_both_magic_numbers()
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(TestLabels));
        Assert.Contains(TestLabels, e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void Non_idx_file_is_rejected_by_its_magic()
    {
        string path = WriteTemp("not-idx.txt", "hello, world, this is text"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_stream_gives_a_clear_error()
    {
        byte[] gz = File.ReadAllBytes(TestLabels);
        for (int i = 100; i < 400; i++)
        {
            gz[i] ^= 0x5A;
        }

        string path = WriteTemp("corrupt-labels.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_header_gives_a_clear_error()
    {
        byte[] gz = File.ReadAllBytes(TestLabels);
        gz[2] = 0x07; // compression method: only 8 (deflate) exists
        string path = WriteTemp("bad-method.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Label_out_of_range_names_the_value_and_its_index()
    {
        byte[] labels = Gunzip(TestLabels);
        labels[8 + 42] = 12;
        string path = WriteTemp("bad-label", labels);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains(path, e.Message);
        Assert.Contains("label 12 at index 42", e.Message);
    }

    [Fact]
    public void Zero_sized_dimension_is_rejected()
    {
        string path = WriteTemp("zero-dim", [0, 0, 8, 1, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains("dimension 0 has size 0", e.Message);
    }

    [Fact]
    public void Streams_are_read_gzipped_or_raw()
    {
        byte[] raw = Gunzip(TestLabels);
        IdxArray fromRaw = IdxReader.Read(new MemoryStream(raw), "raw", IdxReader.LabelsMagic);
        IdxArray fromGzip = IdxReader.Read(new MemoryStream(File.ReadAllBytes(TestLabels)), "gz", IdxReader.LabelsMagic);
        Assert.Equal(fromRaw.Data, fromGzip.Data);
        Assert.Equal<TensorShape>([10000], fromGzip.Dimensions);
    }
}
