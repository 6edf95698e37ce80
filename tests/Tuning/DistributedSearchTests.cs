using System.Diagnostics;
using NetGen.Samples.HyperparameterTuning;
using NetGen.Tests.Infrastructure;
using NetGen.Tuning;
using Xunit.Abstractions;

namespace NetGen.Tests.Tuning;

/// <summary>
/// A search stage run as a job array: the sample writes the manifest, four separate processes each run one trial (by
/// --trial-index, by Kubernetes' JOB_COMPLETION_INDEX, by Slurm's SLURM_ARRAY_TASK_ID), and the merge of their result
/// files is the table the same manifest gives when one process runs the whole search: same trials, same accuracies,
/// same ranking, losses equal to float rounding.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class DistributedSearchTests(ITestOutputHelper output)
{
    private static readonly SearchSettings Settings = new()
    {
        EpochsPerTrial = 1, TrainCount = 600, ValidationCount = 300, CoarseTrials = 4, Seed = 1,
    };

    private static readonly string CommonArguments =
        $"--epochs {Settings.EpochsPerTrial} --train-count {Settings.TrainCount} --validation-count {Settings.ValidationCount} --coarse-trials {Settings.CoarseTrials} --seed {Settings.Seed} --threads 1";

    [Fact]
    public void Four_trials_in_four_processes_merge_into_the_in_process_leaderboard()
    {
        string folder = Directory.CreateTempSubdirectory("netgen-jobs-").FullName;
        try
        {
            string manifestPath = Path.Combine(folder, "manifest.csv");
            string results = Path.Combine(folder, "results");
            Sample($"--write-manifest \"{manifestPath}\" {CommonArguments}");
            TrialManifest manifest = TrialManifest.ReadCsv(manifestPath);
            Assert.Equal(4, manifest.Count);

            // Four jobs at once, each told its index a different way.
            string job = $"--manifest \"{manifestPath}\" --results \"{results}\" {CommonArguments}";
            Process[] jobs =
            [
                Start($"{job} --trial-index 0"),
                Start($"{job} --trial-index 1"),
                Start(job, (TrialIndex.KubernetesVariable, "2")),
                Start(job, (TrialIndex.SlurmVariable, "3")),
            ];
            foreach (Process p in jobs)
            {
                Finish(p);
            }

            Assert.Equal(4, Directory.GetFiles(results, "trial-*.csv").Length);
            string merged = Path.Combine(folder, "merged");
            Sample($"--manifest \"{manifestPath}\" --merge \"{results}\" --out \"{merged}\"");
            SearchResults distributed = SearchResults.ReadCsv(Path.Combine(merged, "trials.csv"));

            // The same manifest run as one in-process search, in a fresh process of its own: vectorized reductions may
            // round differently with the memory alignment of the buffers, which a fresh process reproduces and the
            // test host (its heap shaped by every other test) does not.
            string single = Path.Combine(folder, "in-process");
            Sample($"--manifest \"{manifestPath}\" --in-process --out \"{single}\" {CommonArguments}");
            SearchResults inProcess = SearchResults.ReadCsv(Path.Combine(single, "trials.csv"));
            Assert.Equal(manifest.Select(t => t.Values), SearchStudy.CreateManifest(Settings).Select(t => t.Values));

            output.WriteLine(distributed.Summary(top: 4));
            output.WriteLine(inProcess.Summary(top: 4));
            Assert.Equal(inProcess.ParameterNames, distributed.ParameterNames);
            Assert.Equal(inProcess.Count, distributed.Count);
            for (int i = 0; i < inProcess.Count; i++)
            {
                TrialResult a = inProcess[i], b = distributed[i];
                Assert.Equal(a.Index, b.Index);
                Assert.Equal(a.Parameters.Values, b.Parameters.Values);
                Assert.Equal(a.ValidationAccuracy, b.ValidationAccuracy);

                // Same seeds, same thread count, and kernels whose order of summation does not depend on where the
                // heap put the buffers (docs/reliability.md): the losses agree bit for bit.
                Assert.True(a.ValidationLoss.Equals(b.ValidationLoss), $"trial {a.Index}: val loss {b.ValidationLoss:R} vs {a.ValidationLoss:R}");
                Assert.True(a.TrainLoss.Equals(b.TrainLoss), $"trial {a.Index}: train loss {b.TrainLoss:R} vs {a.TrainLoss:R}");
                Assert.Equal(a.Steps, b.Steps);
                Assert.Equal(a.Diverged, b.Diverged);
            }

            Assert.Equal(inProcess.Best(4).Select(t => t.Index), distributed.Best(4).Select(t => t.Index));
            Assert.True(inProcess.Select(t => t.ValidationLoss).Distinct().Count() > 1, "the trials should differ");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Merge_names_the_missing_trials_and_a_job_index_outside_the_manifest_is_rejected()
    {
        TrialManifest manifest = TrialManifest.Random(SearchStudy.CreateSpace(), trials: 3, seed: 5);
        Assert.Equal(manifest.ToCsv(), TrialManifest.ParseCsv(manifest.ToCsv()).ToCsv());
        string folder = Directory.CreateTempSubdirectory("netgen-merge-").FullName;
        try
        {
            TrialResultFiles.Write(folder, manifest.ParameterNames, new TrialResult(manifest[1], 0.5, 1.2, 1.3, 2.0, 10, false));
            var error = Assert.Throws<InvalidDataException>(() => TrialResultFiles.Merge(folder, manifest));
            Assert.Contains("2 of 3 trials", error.Message);
            Assert.Contains(": 0, 2.", error.Message);

            TrialManifest other = TrialManifest.Random(SearchStudy.CreateSpace(), trials: 3, seed: 6);
            TrialResultFiles.Write(folder, other.ParameterNames, new TrialResult(other[0], 0.5, 1.2, 1.3, 2.0, 10, false));
            TrialResultFiles.Write(folder, manifest.ParameterNames, new TrialResult(manifest[2], 0.5, 1.2, 1.3, 2.0, 10, false));
            Assert.Contains("other hyperparameters", Assert.Throws<InvalidDataException>(() => TrialResultFiles.Merge(folder, manifest)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.Contains("[0, 2]", Assert.Throws<ArgumentOutOfRangeException>(() => manifest.ForJobIndex(3)).Message);
    }

    [Fact]
    public void The_trial_index_comes_from_the_command_line_then_kubernetes_then_slurm()
    {
        var env = new Dictionary<string, string> { [TrialIndex.KubernetesVariable] = "4", [TrialIndex.SlurmVariable] = "9" };
        Assert.Equal(1, TrialIndex.Resolve(1, v => env.GetValueOrDefault(v)));
        Assert.Equal(4, TrialIndex.Resolve(null, v => env.GetValueOrDefault(v)));
        env.Remove(TrialIndex.KubernetesVariable);
        Assert.Equal(9, TrialIndex.Resolve(null, v => env.GetValueOrDefault(v)));
        env.Clear();
        Assert.Null(TrialIndex.Resolve(null, v => env.GetValueOrDefault(v)));
        env[TrialIndex.SlurmVariable] = "-1";
        Assert.Contains("SLURM_ARRAY_TASK_ID='-1'", Assert.Throws<FormatException>(() => TrialIndex.Resolve(null, v => env.GetValueOrDefault(v))).Message);
    }

    /// <summary>The sample's DLL, built with the tests (they reference it) in the same configuration.</summary>
    private static string SampleDll()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // …/bin/Release/net10.0/
        string dll = Path.Combine(Repository.Root(), "samples", "HyperparameterSearch", "bin", configuration, "net10.0", "HyperparameterSearch.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution first.");
        return dll;
    }

    private void Sample(string arguments) => Finish(Start(arguments));

    private static Process Start(string arguments, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{SampleDll()}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.Environment.Remove(TrialIndex.KubernetesVariable);
        psi.Environment.Remove(TrialIndex.SlurmVariable);
        foreach ((string name, string value) in environment)
        {
            psi.Environment[name] = value;
        }

        return Process.Start(psi)!;
    }

    private void Finish(Process process)
    {
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            bool exited = process.WaitForExit(TimeSpan.FromMinutes(5));
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
            }

            string text = stdout.Result + stderr.Result;
            output.WriteLine(text);
            Assert.True(exited && process.ExitCode == 0, $"exit {(exited ? process.ExitCode : -1)}: {text}");
        }
    }
}
