using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetGen.Tuning;

/// <summary>
/// The trials of one search stage written down before any runs, so that a scheduler can run them as separate jobs:
/// a Kubernetes Indexed Job or a Slurm job array starts one process per index, each runs
/// <see cref="HyperparameterSearch.RunTrial"/> for its trial (<see cref="TrialIndex.Resolve"/> finds the index) and
/// writes its own result file (<see cref="TrialResultFiles.Write"/>), and <see cref="TrialResultFiles.Merge"/> builds the
/// same <see cref="SearchResults"/> an in-process <see cref="HyperparameterSearch.Run(TrialManifest, IProgress{TrialResult}?, System.Threading.CancellationToken)"/>
/// would. The CSV form is <c>trial,{hyperparameters…}</c>, one row per trial, numbers in round-trip invariant format.
/// </summary>
public sealed class TrialManifest : IReadOnlyList<TrialParameters>
{
    private readonly List<TrialParameters> _trials;

    /// <summary>Creates a manifest; trial indices must be unique and every trial must have exactly <paramref name="parameterNames"/>.</summary>
    /// <param name="parameterNames">The hyperparameter names, in column order.</param>
    /// <param name="trials">The trials.</param>
    public TrialManifest(IReadOnlyList<string> parameterNames, IEnumerable<TrialParameters> trials)
    {
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(trials);
        ParameterNames = [.. parameterNames];
        _trials = [.. trials];
        var seen = new HashSet<int>();
        foreach (TrialParameters trial in _trials)
        {
            if (!trial.Names.SequenceEqualOrdinal(ParameterNames))
            {
                throw new ArgumentException($"Trial {trial.Index} has the hyperparameters ({string.Join(", ", trial.Names)}) but the manifest has ({string.Join(", ", ParameterNames)}).", nameof(trials));
            }

            if (!seen.Add(trial.Index))
            {
                throw new ArgumentException($"Trial index {trial.Index} appears twice.", nameof(trials));
            }
        }
    }

    /// <summary>The manifest of a random search: <paramref name="trials"/> draws of <see cref="SearchSpace.Sample"/> (the trials <see cref="HyperparameterSearch.Random"/> runs).</summary>
    /// <param name="space">The hyperparameters.</param>
    /// <param name="trials">The number of trials.</param>
    /// <param name="seed">The seed of the draws.</param>
    /// <param name="firstIndex">The index of the first trial.</param>
    public static TrialManifest Random(SearchSpace space, int trials, long seed, int firstIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(space);
        return new TrialManifest(space.Names, space.Sample(trials, seed, firstIndex));
    }

    /// <summary>The manifest of a grid search (the trials <see cref="HyperparameterSearch.Grid"/> runs).</summary>
    /// <param name="space">The hyperparameters.</param>
    /// <param name="pointsPerRange">How many values each continuous range contributes.</param>
    public static TrialManifest Grid(SearchSpace space, int pointsPerRange = 3)
    {
        ArgumentNullException.ThrowIfNull(space);
        return new TrialManifest(space.Names, space.Grid(pointsPerRange));
    }

    /// <summary>The hyperparameter names, in column order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The number of trials (the size of the job array).</summary>
    public int Count => _trials.Count;

    /// <summary>The trial at position <paramref name="position"/> (0-based, the scheduler's index; equal to the trial's index in manifests made here).</summary>
    /// <param name="position">The position.</param>
    public TrialParameters this[int position] => _trials[position];

    /// <summary>The trial at the scheduler's <paramref name="position"/>, with a clear message when it is out of range.</summary>
    /// <param name="position">The job index, in [0, <see cref="Count"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the manifest.</exception>
    public TrialParameters ForJobIndex(int position)
    {
        if ((uint)position >= (uint)_trials.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The manifest has {_trials.Count} trials, so the job index must be in [0, {_trials.Count - 1}]; size the job array to the manifest.");
        }

        return _trials[position];
    }

    /// <summary>The manifest as CSV: <c>trial,{hyperparameters…}</c> and one row per trial.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("trial");
        foreach (string name in ParameterNames)
        {
            sb.Append(',').Append(name);
        }

        sb.Append('\n');
        foreach (TrialParameters trial in _trials)
        {
            sb.Append(trial.Index.ToString(CultureInfo.InvariantCulture));
            foreach (double value in trial.Values)
            {
                sb.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to a file (its folder is created).</summary>
    /// <param name="path">The file.</param>
    public void WriteCsv(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, ToCsv(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>Parses a manifest written by <see cref="ToCsv"/>.</summary>
    /// <param name="csv">The CSV text.</param>
    /// <exception cref="FormatException">The text is not a manifest; the message names the line.</exception>
    public static TrialManifest ParseCsv(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        string[] lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        string[] header = lines[0].Split(',');
        if (header[0] != "trial")
        {
            throw new FormatException("Line 1 is not a trial manifest header (trial,{hyperparameters…}).");
        }

        string[] names = header[1..];
        var trials = new List<TrialParameters>(lines.Length - 1);
        for (int l = 1; l < lines.Length; l++)
        {
            string[] cells = lines[l].Split(',');
            if (cells.Length != header.Length)
            {
                throw new FormatException($"Line {l + 1} has {cells.Length} cells but the header has {header.Length}.");
            }

            if (!int.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
            {
                throw new FormatException($"Line {l + 1}: '{cells[0]}' is not a trial index.");
            }

            var values = new double[names.Length];
            for (int p = 0; p < values.Length; p++)
            {
                if (!double.TryParse(cells[1 + p], NumberStyles.Float, CultureInfo.InvariantCulture, out values[p]))
                {
                    throw new FormatException($"Line {l + 1}: '{cells[1 + p]}' is not a number.");
                }
            }

            trials.Add(new TrialParameters(index, names, values));
        }

        return new TrialManifest(names, trials);
    }

    /// <summary>Reads a manifest written by <see cref="WriteCsv"/>.</summary>
    /// <param name="path">The file.</param>
    public static TrialManifest ReadCsv(string path)
    {
        try
        {
            return ParseCsv(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public IEnumerator<TrialParameters> GetEnumerator() => _trials.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Finds which trial of a manifest this process runs: an explicit index or the job-array variable of the scheduler.</summary>
public static class TrialIndex
{
    /// <summary>The variable a Kubernetes Indexed Job sets in each pod (0, 1, …, completions − 1).</summary>
    public const string KubernetesVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The variable a Slurm job array (<c>sbatch --array=0-N</c>) sets in each task.</summary>
    public const string SlurmVariable = "SLURM_ARRAY_TASK_ID";

    /// <summary>
    /// The job index: <paramref name="explicitIndex"/> when given (e.g. from <c>--trial-index N</c>), else
    /// <see cref="KubernetesVariable"/>, else <see cref="SlurmVariable"/>; null when none is set.
    /// </summary>
    /// <param name="explicitIndex">An index from the command line, or null.</param>
    /// <param name="environment">Reads a variable; null for <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <exception cref="FormatException">A variable is set but is not a non-negative integer.</exception>
    public static int? Resolve(int? explicitIndex = null, Func<string, string?>? environment = null)
    {
        if (explicitIndex is int given)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(given, nameof(explicitIndex));
            return given;
        }

        environment ??= Environment.GetEnvironmentVariable;
        foreach (string variable in new[] { KubernetesVariable, SlurmVariable })
        {
            string? text = environment(variable);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                ? index
                : throw new FormatException($"{variable}='{text}' is not a non-negative integer job index.");
        }

        return null;
    }
}

/// <summary>One result file per trial (<c>trial-00007.csv</c>, the <see cref="SearchResults"/> CSV format with one row) and their merge.</summary>
public static class TrialResultFiles
{
    /// <summary>The file name of trial <paramref name="index"/>'s result.</summary>
    /// <param name="index">The trial's index.</param>
    public static string FileName(int index) => string.Create(CultureInfo.InvariantCulture, $"trial-{index:D5}.csv");

    /// <summary>Writes one trial's result to <c>folder/trial-NNNNN.csv</c> atomically (temporary file, then move), so a merge never reads half a file.</summary>
    /// <param name="folder">The results folder (created if missing), shared by every job (a volume, a network file system).</param>
    /// <param name="parameterNames">The manifest's hyperparameter names.</param>
    /// <param name="result">The trial's result.</param>
    /// <returns>The file's path.</returns>
    public static string Write(string folder, IReadOnlyList<string> parameterNames, TrialResult result)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName(result.Index));
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        new SearchResults(parameterNames, [result]).WriteCsv(temp);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// Reads the result file of every trial of <paramref name="manifest"/> from <paramref name="folder"/> and returns
    /// them in manifest order: the same table an in-process run of the manifest returns (up to the seconds each trial took).
    /// </summary>
    /// <param name="folder">The results folder.</param>
    /// <param name="manifest">The manifest the jobs ran.</param>
    /// <exception cref="InvalidDataException">Trials are missing (the message lists them), or a file holds another trial or other hyperparameters.</exception>
    public static SearchResults Merge(string folder, TrialManifest manifest)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(manifest);
        var results = new List<TrialResult>(manifest.Count);
        var missing = new List<int>();
        foreach (TrialParameters trial in manifest)
        {
            string path = Path.Combine(folder, FileName(trial.Index));
            if (!File.Exists(path))
            {
                missing.Add(trial.Index);
                continue;
            }

            SearchResults one;
            try
            {
                one = SearchResults.ReadCsv(path);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }

            if (one.Count != 1 || one[0].Index != trial.Index)
            {
                throw new InvalidDataException($"{path} should hold exactly trial {trial.Index} but holds {one.Count} row(s){(one.Count > 0 ? $", the first of trial {one[0].Index}" : "")}.");
            }

            if (!one.ParameterNames.SequenceEqualOrdinal(manifest.ParameterNames) || !SameValues(one[0].Parameters, trial))
            {
                throw new InvalidDataException($"{path} holds trial {trial.Index} with other hyperparameters ({one[0].Parameters}) than the manifest ({trial}); was it written for another manifest?");
            }

            results.Add(one[0]);
        }

        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{missing.Count} of {manifest.Count} trials have no result file in {folder}: {string.Join(", ", missing)}. Re-run those job indices (or wait for them) before merging.");
        }

        return new SearchResults(manifest.ParameterNames, results);
    }

    private static bool SameValues(TrialParameters a, TrialParameters b)
    {
        for (int i = 0; i < a.Values.Count; i++)
        {
            if (a.Values[i].CompareTo(b.Values[i]) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
