using System.Globalization;
using System.Runtime.Intrinsics.X86;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.EndToEnd;

/// <summary>
/// A program with generated networks published with NativeAOT (trimming and AOT analyzers on, warnings as errors) runs
/// and computes what the JIT computes: bit for bit when the AOT code may use the same instruction set (AVX-512 here),
/// and to within rounding with NativeAOT's default x64 target, whose 128-bit vectors take every kernel's fallback
/// path — the only place those paths run on this AVX-512 machine.
/// </summary>
[Collection(RepositoryBuildCollection.Name)]
public class NativeAotTests(ITestOutputHelper output, NativeAotTests.Published fixture) : IClassFixture<NativeAotTests.Published>
{
    /// <summary>Batch-1 and batch-3 inference of the Fashion-MNIST MLP on 1 and 2 threads, then 6 Adam steps of a small CNN.</summary>
    internal const string Program = """
        using System;
        using System.Globalization;
        using NetGen;
        using NetGen.Optimizers;

        var inv = CultureInfo.InvariantCulture;
        var rng = new Rng(42);
        float[] x = new float[3 * 784];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
        foreach (int threads in new[] { 1, 2 })
        {
            Compute.ThreadCount = threads;
            var mlp = new Mlp(seed: 1) { Mode = NetworkMode.Inference };
            foreach (int batch in new[] { 1, 3 })
            {
                ReadOnlySpan<float> p = mlp.Forward(x.AsSpan(0, batch * 784), batch);
                Console.WriteLine($"mlp threads={threads} batch={batch}: " + string.Join(" ", p.ToArray().Select(v => v.ToString("R", inv))));
            }
        }

        Compute.ThreadCount = 2;
        var cnn = new SmallCnn(seed: 2);
        var adam = new Adam(0.01f);
        float[] images = new float[8 * 144];
        for (int i = 0; i < images.Length; i++) images[i] = rng.NextGaussian();
        int[] labels = new int[8];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextInt(5);
        for (int step = 0; step < 6; step++)
        {
            cnn.Forward(images, 8);
            float loss = cnn.Loss(labels);
            cnn.ZeroGradients();
            cnn.Backward(labels);
            adam.Step(cnn.Parameters, cnn.Gradients);
            Console.WriteLine($"cnn step {step}: loss " + loss.ToString("R", inv));
        }

        double sum = 0;
        foreach (float v in cnn.Parameters) sum += v;
        Console.WriteLine("cnn parameter sum " + sum.ToString("R", inv));

        [Network]
        [Input(784)]
        [Dense(256)] [ReLU]
        [Dense(128)] [ReLU]
        [Dense(10)] [SoftmaxCrossEntropy]
        public partial class Mlp { }

        [Network]
        [Input(1, 12, 12)]
        [Conv2D(4, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
        [Dense(16)] [ELU] [Dropout(0.25f)]
        [Dense(5)] [SoftmaxCrossEntropy]
        public partial class SmallCnn { }
        """;

    [Fact]
    public void Aot_with_the_machine_s_instruction_set_computes_exactly_what_the_jit_computes()
    {
        Published p = fixture;
        output.WriteLine($"JIT:\n{p.Jit}\nAOT ({p.NativeInstructionSet}):\n{p.AotNative}");
        Assert.Contains("cnn parameter sum", p.Jit);
        Assert.Equal(p.Jit, p.AotNative);
    }

    [Fact]
    public void Aot_with_the_default_128_bit_target_agrees_with_the_jit_to_rounding()
    {
        Published p = fixture;
        output.WriteLine($"JIT:\n{p.Jit}\nAOT (default target):\n{p.AotDefault}");
        string[] jit = Lines(p.Jit), aot = Lines(p.AotDefault);
        Assert.Equal(jit.Length, aot.Length);
        for (int i = 0; i < jit.Length; i++)
        {
            (string label, double[] expected) = Numbers(jit[i]);
            (string label2, double[] actual) = Numbers(aot[i]);
            Assert.Equal(label, label2);
            Assert.Equal(expected.Length, actual.Length);
            for (int k = 0; k < expected.Length; k++)
            {
                double tolerance = 2e-4 * Math.Max(1, Math.Abs(expected[k]));
                Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance, $"{label}: value {k} is {actual[k]} with AOT, {expected[k]} with the JIT");
            }
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static (string Label, double[] Values) Numbers(string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        string label = colon < 0 ? line[..line.LastIndexOf(' ')] : line[..colon];
        string rest = colon < 0 ? line[line.LastIndexOf(' ')..] : line[(colon + 1)..];
        double[] values = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture))
            .ToArray();
        return (label, values);
    }

    /// <summary>Builds the program once for the JIT and publishes it twice with NativeAOT; holds the three outputs.</summary>
    public sealed class Published
    {
        public Published()
        {
            if (!File.Exists("/usr/bin/gcc") && !File.Exists("/usr/bin/clang"))
            {
                throw new InvalidOperationException("NativeAOT needs a C toolchain to link: install gcc (or clang) and zlib1g-dev, e.g. apt-get install gcc zlib1g-dev.");
            }

            string repo = Repository.Root();
            string root = Path.Combine(Path.GetTempPath(), "netgen-aot-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            try
            {
                NativeInstructionSet = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported
                    ? "x86-64-v4"
                    : Avx2.IsSupported && Fma.IsSupported ? "x86-64-v3" : "x86-64-v2";
                string project = CreateProject(root, repo);
                Jit = RunOrThrow("dotnet", $"run -c Release --project \"{project}\"", root);
                AotNative = Publish(project, root, "native", $"-p:IlcInstructionSet={NativeInstructionSet}");
                AotDefault = Publish(project, root, "default", "");
            }
            finally
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        public string NativeInstructionSet { get; }

        public string Jit { get; }

        public string AotNative { get; }

        public string AotDefault { get; }

        private static string Publish(string project, string root, string name, string extra)
        {
            string output = Path.Combine(root, "out-" + name);
            RunOrThrow("dotnet", $"publish \"{project}\" -c Release -r linux-x64 -o \"{output}\" {extra}", root);
            return RunOrThrow(Path.Combine(output, "aotcheck"), "", root);
        }

        private static string CreateProject(string root, string repo)
        {
            string dir = Path.Combine(root, "aotcheck");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "aotcheck.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <IsAotCompatible>true</IsAotCompatible>
                    <PublishAot>true</PublishAot>
                    <CppCompilerAndLinker Condition="!Exists('/usr/bin/clang')">gcc</CppCompilerAndLinker>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{Path.Combine(repo, "runtime", "NetGen.csproj")}" />
                    <ProjectReference Include="{Path.Combine(repo, "generator", "NetGen.Generator.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
            return dir;
        }

        private static string RunOrThrow(string file, string arguments, string directory)
        {
            (int code, string text) = PackageTests.Run(file, arguments, directory);
            if (code != 0)
            {
                throw new InvalidOperationException($"'{file} {arguments}' exited with {code}:\n{text}");
            }

            return text.Replace("\r", "", StringComparison.Ordinal).Trim();
        }
    }
}
