using System.Globalization;
using System.IO.Compression;
using NetGen.Data;

namespace NetGen.Samples.Regression;

/// <summary>Reads <c>data/diamonds/diamonds.csv.gz</c> (see its LICENSE-copyright.txt) into a regression dataset.</summary>
public static class Diamonds
{
    /// <summary>The feature columns, in the order of the dataset's features.</summary>
    public static readonly IReadOnlyList<string> FeatureNames = ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"];

    /// <summary>The target column.</summary>
    public const string TargetName = "price";

    /// <summary>The data file's path in the repository, found from the application's folder upwards.</summary>
    public static string FindFile() => Path.Combine(DataDirectory.Find("data/diamonds", "diamonds.csv.gz"), "diamonds.csv.gz");

    /// <summary>
    /// Reads the diamonds: 9 features (<see cref="FeatureNames"/>) and the price in US dollars as the target. The 23
    /// rows with an impossible size are dropped (x, y or z of 0 mm: 20 rows; or over 20 mm, three typing errors such
    /// as y = 58.9 mm for a 2-carat stone); a linear model, and a ReLU network as well, extrapolates them to absurd prices.
    /// </summary>
    /// <param name="path">The gzip-compressed CSV file, or null for the repository's copy.</param>
    public static Dataset Load(string? path = null)
    {
        path ??= FindFile();
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty.");
        string[] columns = header.Split(',');
        int[] featureColumns = FeatureNames.Select(name => Column(columns, name, path)).ToArray();
        int targetColumn = Column(columns, TargetName, path);

        var features = new List<float>(60_000 * FeatureNames.Count);
        var targets = new List<float>(60_000);
        int line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            string[] cells = text.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new InvalidDataException($"{path}, line {line}: {cells.Length} cells for {columns.Length} columns.");
            }

            if (!PlausibleSize(cells, columns, path, line))
            {
                continue;
            }

            foreach (int c in featureColumns)
            {
                features.Add(Parse(cells[c], path, line));
            }

            targets.Add(Parse(cells[targetColumn], path, line));
        }

        return new Dataset(features.ToArray(), targets.ToArray(), [FeatureNames.Count], targetCount: 1);
    }

    private static bool PlausibleSize(string[] cells, string[] columns, string path, int line)
    {
        foreach (string name in (ReadOnlySpan<string>)["x", "y", "z"])
        {
            float size = Parse(cells[Column(columns, name, path)], path, line);
            if (size <= 0 || size > 20)
            {
                return false;
            }
        }

        return true;
    }

    private static int Column(string[] columns, string name, string path) =>
        Array.IndexOf(columns, name) is int i and >= 0 ? i : throw new InvalidDataException($"{path} has no '{name}' column.");

    private static float Parse(string cell, string path, int line) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw new InvalidDataException($"{path}, line {line}: '{cell}' is not a number.");
}
