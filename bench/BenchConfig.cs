using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NetGen.Benchmarks;

/// <summary>
/// The configuration of every benchmark here: BenchmarkDotNet's defaults plus one short in-process job, the
/// allocation columns and the GFLOP/s column.
/// </summary>
/// <remarks>
/// The job runs in this process (<see cref="InProcessEmitToolchain"/>) rather than in a generated child project, so the
/// libtorch that <c>build/TorchSharpNativeFix.targets</c> patched in this project's output is the one that loads.
/// Three warm-up and fifteen measured iterations per case keep the whole run (8 cases) to a few minutes.
/// </remarks>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithId("InProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new GflopsColumn(), new PeakPercentColumn());
    }
}
