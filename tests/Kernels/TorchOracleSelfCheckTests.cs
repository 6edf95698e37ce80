using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The oracle proves itself before the tests trust it: libtorch's float32 convolution must agree with its float64
/// convolution in the test process (it does not on AMD Zen 5 with oneDNN's default kernels), and the check must name
/// the cause when it does not.
/// </summary>
public class TorchOracleSelfCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void Libtorch_float32_convolution_agrees_with_float64_in_the_test_process()
    {
        // Fails loudly, naming oneDNN, the CPU and the fix, when libtorch's float32 convolution is wrong here.
        string report = TorchOracle.RunSelfCheck();
        output.WriteLine(report);
        Assert.Contains("largest relative difference", report);
    }

    [Fact]
    public void Self_check_fails_naming_the_cause_when_float32_results_are_wrong()
    {
        // Corrupt one weight gradient of the float32 side the way oneDNN did on Zen 5 (an error of order 1).
        var e = Assert.Throws<InvalidOperationException>(() => TorchOracle.RunSelfCheck(dw => dw[dw.Length / 2] += 10 * (1 + Math.Abs(dw[dw.Length / 2]))));
        output.WriteLine(e.Message);
        Assert.Contains("oneDNN", e.Message);
        Assert.Contains("ONEDNN_MAX_CPU_ISA", e.Message);
        Assert.Contains("dW of conv2d", e.Message);
    }

    [Fact]
    public void The_test_process_caps_onednn_before_libtorch_loads()
    {
        // The module initializer ran when the test assembly loaded, before any libtorch call.
        output.WriteLine(TorchOracle.IsaCapSource);
        Assert.StartsWith("ONEDNN_MAX_CPU_ISA=", TorchOracle.IsaCapSource);
    }
}
