using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Infrastructure;

/// <summary>
/// How the tests use libtorch (TorchSharp) as an oracle, made independent of the CPU's fast paths.
/// </summary>
/// <remarks>
/// <para>
/// libtorch 2.10 computes float32 convolutions with oneDNN, whose kernels give wrong outputs and gradients on AMD Zen 5
/// (errors of 0.4–1.75 relative, a different set of shapes on each run; capping oneDNN at AVX2 still leaves the weight
/// gradient wrong, SSE4.1 is correct). Three measures keep the oracle trustworthy on any x86-64 host:
/// </para>
/// <list type="number">
/// <item>Every oracle that involves a convolution computes its reference in float64 (<see cref="Float64"/>): libtorch
/// has no oneDNN path for float64, so the reference goes through its plain reference loops.</item>
/// <item>Before libtorch loads, the test process caps oneDNN at SSE4.1 (<c>ONEDNN_MAX_CPU_ISA</c>, unless the caller set
/// it), so float32 oracles (dense layers, norms, optimizers) do not run through the faulty kernels either.</item>
/// <item><see cref="EnsureFloat32ConvolutionAgreesWithFloat64"/>, called by every convolution oracle and by its own
/// test, compares libtorch's float32 convolution (forward, input and weight gradients) with its float64 one on the
/// shapes that failed and throws, naming the cause and the fix, when they disagree.</item>
/// </list>
/// </remarks>
internal static class TorchOracle
{
    /// <summary>The oneDNN instruction-set cap the tests set; see the remarks on <see cref="TorchOracle"/>.</summary>
    public const string OneDnnIsaCap = "SSE41";

    private const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    private static readonly Lazy<string> SelfCheck = new(() => RunSelfCheck(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What the process's oneDNN cap was set from: "set by the tests", or the caller's own value.</summary>
    public static string IsaCapSource { get; private set; } = "not set";

    /// <summary>Caps oneDNN before any test touches libtorch (oneDNN reads the variable once, when first used).</summary>
    [ModuleInitializer]
    internal static void CapOneDnnBeforeLibtorchLoads()
    {
        // .NET's Environment.SetEnvironmentVariable changes only the managed copy on Unix; oneDNN reads the C
        // environment, so this goes through libc.
        string? existing = Environment.GetEnvironmentVariable(OneDnnIsaVariable);
        if (!string.IsNullOrEmpty(existing))
        {
            IsaCapSource = $"{OneDnnIsaVariable}={existing} (from the caller's environment)";
            return;
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            if (SetEnv(OneDnnIsaVariable, OneDnnIsaCap, 0) == 0)
            {
                Environment.SetEnvironmentVariable(OneDnnIsaVariable, OneDnnIsaCap);
                IsaCapSource = $"{OneDnnIsaVariable}={OneDnnIsaCap} (set by the tests)";
            }
        }
        else
        {
            Environment.SetEnvironmentVariable(OneDnnIsaVariable, OneDnnIsaCap); // Windows: the CRT reads the process block
            IsaCapSource = $"{OneDnnIsaVariable}={OneDnnIsaCap} (set by the tests)";
        }
    }

    /// <summary>A float64 leaf tensor holding <paramref name="values"/> widened exactly from float32.</summary>
    public static Tensor Float64(float[] values, long[] shape, bool requiresGrad = false)
    {
        double[] wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }

        return torch.tensor(wide, shape, requires_grad: requiresGrad);
    }

    /// <summary>The values of a float64 (or float32) tensor as doubles.</summary>
    public static double[] Doubles(Tensor t) =>
        t.dtype == ScalarType.Float64 ? t.data<double>().ToArray() : t.to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>
    /// Throws, naming the cause, when libtorch's float32 convolution disagrees with its float64 convolution in this
    /// process (the check runs once; later calls repeat its verdict).
    /// </summary>
    /// <returns>A one-line report of the largest relative differences seen.</returns>
    public static string EnsureFloat32ConvolutionAgreesWithFloat64() => SelfCheck.Value;

    /// <summary>Compares float32 with float64 convolutions on the shapes that failed on Zen 5; throws on disagreement.</summary>
    /// <param name="corruptFloat32">For the check's own test: alters the float32 results before they are compared.</param>
    internal static string RunSelfCheck(Action<double[]>? corruptFloat32 = null)
    {
        // batch, inC, H, W, outC, kernel, stride, padding: the configurations that failed on Zen 5, and the sample's.
        int[][] configs =
        [
            [4, 1, 7, 7, 32, 7, 1, 0],
            [3, 3, 6, 5, 8, 3, 3, 2],
            [2, 3, 9, 10, 8, 5, 1, 2],
            [4, 16, 13, 11, 8, 3, 1, 1],
            [4, 2, 6, 6, 4, 3, 1, 1],
            [8, 32, 14, 14, 64, 3, 1, 1],
        ];

        double worst = 0;
        string worstWhere = "";
        var failures = new List<string>();
        var rng = new Rng(20261202);
        foreach (int[] c in configs)
        {
            (int n, int inC, int h, int w, int outC, int k, int s, int p) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
            int outH = (h + 2 * p - k) / s + 1, outW = (w + 2 * p - k) / s + 1;
            float[] x = Gaussian(rng, n * inC * h * w), wt = Gaussian(rng, outC * inC * k * k), dy = Gaussian(rng, n * outC * outH * outW);
            long[] xs = [n, inC, h, w], ws = [outC, inC, k, k], ys = [n, outC, outH, outW];

            (double[] y, double[] dx, double[] dw) Run(ScalarType type)
            {
                using var scope = torch.NewDisposeScope();
                Tensor tx = Float64(x, xs).to_type(type).requires_grad_(true);
                Tensor tw = Float64(wt, ws).to_type(type).requires_grad_(true);
                Tensor ty = nn.functional.conv2d(tx, tw, null, strides: [s, s], padding: [p, p]);
                (ty * Float64(dy, ys).to_type(type)).sum().backward();
                return (Doubles(ty), Doubles(tx.grad!), Doubles(tw.grad!));
            }

            var single = Run(ScalarType.Float32);
            corruptFloat32?.Invoke(single.dw);
            var wide = Run(ScalarType.Float64);
            foreach ((string name, double[] a, double[] b) in new[] { ("y", single.y, wide.y), ("dx", single.dx, wide.dx), ("dW", single.dw, wide.dw) })
            {
                double error = RelativeMaxError(a, b);
                string where = $"{name} of conv2d(batch {n}, {inC}->{outC} channels, {h}x{w}, kernel {k}, stride {s}, padding {p})";
                if (!(error <= worst))
                {
                    worst = error;
                    worstWhere = where;
                }

                if (!(error <= 1e-4))
                {
                    failures.Add($"{where}: relative error {error:E2}");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException(
                "The TorchSharp oracle cannot be trusted on this machine: libtorch's float32 convolution disagrees with its " +
                "float64 convolution (" + string.Join("; ", failures) + "). The cause is libtorch's oneDNN float32 " +
                "convolution kernels on this CPU (" + CpuDescription() + "), not NetGen. The tests cap oneDNN with " +
                $"{OneDnnIsaVariable} before libtorch loads ({IsaCapSource}); set {OneDnnIsaVariable}=SSE41 in the " +
                "environment if the cap did not take effect, and compute convolution references in float64 " +
                "(TorchOracle.Float64).");
        }

        return $"libtorch float32 vs float64 convolution: largest relative difference {worst:E2} ({worstWhere}); {IsaCapSource}";
    }

    private static double RelativeMaxError(double[] a, double[] b)
    {
        double max = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs(b[i]));
        }

        return double.IsFinite(max) ? max / Math.Max(scale, 1e-30) : double.PositiveInfinity;
    }

    private static string CpuDescription()
    {
        try
        {
            string? model = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            string name = model is null ? RuntimeInformation.ProcessArchitecture.ToString() : model[(model.IndexOf(':') + 1)..].Trim();
            return $"{name}, AVX-512 {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "yes" : "no")}";
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static float[] Gaussian(Rng rng, int count)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++)
        {
            a[i] = rng.NextGaussian();
        }

        return a;
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
