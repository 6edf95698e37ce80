using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench -- --filter '*'</c> runs every benchmark.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by the command-line filter with <see cref="BenchConfig"/>.</summary>
    /// <param name="args">BenchmarkDotNet's command-line arguments, e.g. <c>--filter '*'</c>.</param>
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
}
