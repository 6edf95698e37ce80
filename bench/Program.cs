using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NetGen.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench -- --filter '*'</c> runs every benchmark;
/// <c>-- --profile [text]</c> prints the per-kernel breakdown of <see cref="KernelProfile"/> (rows containing text) instead;
/// <c>-- --stability [seconds]</c> prints <see cref="InferenceStability"/>'s time series of batch-1 inference;
/// <c>-- --scaling [rounds] [batch]</c> times the MLP training step on one and two threads interleaved with TorchSharp and the FMA probe (<see cref="ThreadScaling"/>);
/// <c>-- --fold [rounds]</c> compares CNN inference with batch norm folded and unfolded (<see cref="BatchNormFoldComparison"/>);
/// <c>-- --serving [requests] [clients]</c> runs <see cref="ServingLoad"/> against <c>samples/Serving</c>;
/// <c>-- --elementwise [BenchmarkDotNet arguments]</c> times the hand element-wise kernels against TensorPrimitives (<see cref="ElementwiseBenchmarks"/>);
/// <c>-- --time-to-accuracy mlp|cnn [seeds] [maxEpochs] [threads]</c> compares training seconds to a test accuracy with
/// TorchSharp (<see cref="TimeToAccuracy"/>; defaults 3 seeds, 10 epochs, 2 threads).
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by the command-line filter with <see cref="BenchConfig"/>, or the profile.</summary>
    /// <param name="args">BenchmarkDotNet's command-line arguments, e.g. <c>--filter '*'</c>, or <c>--profile [text]</c>.</param>
    public static void Main(string[] args)
    {
        if (args.Length is 1 or 2 && args[0] == "--profile")
        {
            KernelProfile.Run(args.Length == 2 ? args[1] : null);
            return;
        }

        if (args.Length is 1 or 2 && args[0] == "--stability")
        {
            InferenceStability.Run(args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30);
            return;
        }

        if (args.Length is >= 1 and <= 3 && args[0] == "--scaling")
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            ThreadScaling.Run(args.Length >= 2 ? int.Parse(args[1], inv) : 100, args.Length == 3 ? int.Parse(args[2], inv) : TrainingStepBenchmarks.DefaultBatch);
            return;
        }

        if (args.Length is 1 or 2 && args[0] == "--fold")
        {
            BatchNormFoldComparison.Run(args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 41);
            return;
        }

        if (args.Length >= 1 && args[0] == "--serving")
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            ServingLoad.Run(args.Length >= 2 ? int.Parse(args[1], inv) : 2000, args.Length >= 3 ? int.Parse(args[2], inv) : 8);
            return;
        }

        if (args.Length >= 1 && args[0] == "--elementwise")
        {
            // Hand kernels against TensorPrimitives: one short in-process job (the ratios, not the absolute times, matter);
            // further arguments go to BenchmarkDotNet (e.g. --filter '*Add*').
            BenchmarkRunner.Run<ElementwiseBenchmarks>(
                ManualConfig.CreateMinimumViable().AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance)),
                args[1..]);
            return;
        }

        if (args.Length is >= 2 and <= 5 && args[0] == "--time-to-accuracy")
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            TimeToAccuracy.Run(
                args[1],
                args.Length >= 3 ? int.Parse(args[2], inv) : 3,
                args.Length >= 4 ? int.Parse(args[3], inv) : 10,
                args.Length >= 5 ? int.Parse(args[4], inv) : 2);
            return;
        }

        // The fallback peaks of the "% FMA peak" column, for runs without FmaPeakBenchmarks: measured now, before any
        // benchmark has run. Measured when the table is printed, right after the TorchSharp cases, the two-thread
        // probe read ~226 GFLOP/s, the one-thread figure (the second vCPU busy, probably with libtorch's worker threads
        // still spinning), and the two-thread rows' percentages came out twice too high.
        FmaPeak.Measure(1);
        FmaPeak.Measure(2);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
    }
}
