using System.Diagnostics;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// The NetGen package as a user gets it: pack the runtime (with the generator under analyzers/dotnet/cs) into a local
/// folder, create fresh projects that reference only that package, build and run them.
/// </summary>
[Collection(RepositoryBuildCollection.Name)]
public class PackageTests(ITestOutputHelper output, PackageTests.PackedFeed feed) : IClassFixture<PackageTests.PackedFeed>
{
    private const string ValidProgram = """
        using System;
        using NetGen;
        using NetGen.Optimizers;

        var net = new Xor(seed: 3);
        var optimizer = new Adam(0.05f);
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        int[] y = { 0, 1, 1, 0 };
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            net.Forward(x, 4);
            last = net.Loss(y);
            if (step == 0) first = last;
            net.ZeroGradients();
            net.Backward(y);
            optimizer.Step(net.Parameters, net.Gradients);
        }

        net.Forward(x, 4);
        Span<int> predicted = stackalloc int[4];
        net.ArgMax(predicted);
        Console.WriteLine($"parameters {Xor.TotalParameters}");
        Console.WriteLine($"loss {(last < first / 10 ? "fell" : "stuck")}");
        Console.WriteLine($"predictions {predicted[0]}{predicted[1]}{predicted[2]}{predicted[3]}");

        [Network]
        [Input(2)]
        [Dense(8)] [Tanh]
        [Dense(2)] [SoftmaxCrossEntropy]
        public partial class Xor { }

        // Advice (a bias before batch norm) suppressed the normal way; the project treats warnings as errors.
        #pragma warning disable NG0101
        [Network]
        [Input(1, 6, 6)]
        [Conv2D(2, 3)] [BatchNorm] [ReLU]
        [Dense(2)] [SoftmaxCrossEntropy]
        public partial class SuppressedAdvice { }
        #pragma warning restore NG0101
        """;

    private const string InvalidProgram = """
        using NetGen;

        System.Console.WriteLine(typeof(Broken));

        [Network]
        [Input(4)]
        [Dense(0)] [ReLU]
        [Dense(2)] [SoftmaxCrossEntropy]
        public partial class Broken { }

        [Network]
        [Input(1, 6, 6)]
        [Conv2D(2, 3)] [BatchNorm] [ReLU]
        [Dense(2)] [SoftmaxCrossEntropy]
        public partial class Advised { }
        """;

    [Fact]
    public void A_fresh_project_referencing_only_the_package_builds_and_trains()
    {
        string app = feed.CreateProject("valid", ValidProgram);
        (int code, string text) = Run("dotnet", $"run -c Release --project \"{app}\"", app);
        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Contains("parameters 42", text); // 2·8 + 8 + 8·2 + 2
        Assert.Contains("loss fell", text);
        Assert.Contains("predictions 0110", text);
    }

    [Fact]
    public void A_fresh_project_with_an_invalid_network_fails_to_build_with_the_NG_id()
    {
        string app = feed.CreateProject("invalid", InvalidProgram);
        (int code, string text) = Run("dotnet", $"build -c Release \"{app}\"", app);
        output.WriteLine(text);
        Assert.NotEqual(0, code);
        Assert.Contains("error NG0005", text);
        Assert.Contains("Program.cs(7,2)", text); // on the [Dense(0)] attribute
        Assert.Contains("NG0101", text); // unsuppressed advice is reported (as an error under TreatWarningsAsErrors)
        Assert.Contains("Program.cs(13,2)", text);
    }

    internal static (int Code, string Output) Run(string file, string arguments, string directory)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDNOINPROCNODE"] = "1";
        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out\n" + stdout.Result + stderr.Result);
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Packs NetGen once into a temporary feed with a unique version, so no cached package can stand in for it.</summary>
    public sealed class PackedFeed : IDisposable
    {
        public PackedFeed()
        {
            Root = Path.Combine(Path.GetTempPath(), "netgen-e2e-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Root);
            Version = "0.1.0-e2e" + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            string repo = Repository.Root();
            (int code, string text) = Run("dotnet", $"pack \"{Path.Combine(repo, "runtime", "NetGen.csproj")}\" -c Release -o \"{Feed}\" -p:PackageVersion={Version}", repo);
            if (code != 0)
            {
                throw new InvalidOperationException("dotnet pack failed:\n" + text);
            }
        }

        public string Root { get; }

        public string Feed => Path.Combine(Root, "feed");

        /// <summary>
        /// Where the package's own dependencies (System.Numerics.Tensors) come from: this machine's NuGet package folder,
        /// a stand-in for nuget.org that works offline and holds what building the repository restored.
        /// </summary>
        public static string DependencyFeed => Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        public string Version { get; }

        public string CreateProject(string name, string program)
        {
            string dir = Path.Combine(Root, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{Path.Combine(Root, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="NetGen" Version="{Version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{Feed}" />
                    <add key="dependencies" value="{DependencyFeed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
            return dir;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
