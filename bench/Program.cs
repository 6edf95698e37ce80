using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench -- --filter '*'</c> runs every benchmark;
/// <c>-- --profile</c> prints the per-kernel breakdown of <see cref="KernelProfile"/> instead.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by the command-line filter with <see cref="BenchConfig"/>, or the profile.</summary>
    /// <param name="args">BenchmarkDotNet's command-line arguments, e.g. <c>--filter '*'</c>, or <c>--profile</c>.</param>
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--profile")
        {
            KernelProfile.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
    }
}
