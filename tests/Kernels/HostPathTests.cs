using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Tests.Kernels;

/// <summary>
/// CI reruns the kernel, layer and optimizer tests with <c>DOTNET_EnableAVX512=0</c> and with <c>DOTNET_EnableAVX2=0</c>
/// to check the narrower paths. This proves those reruns really take them: if the runtime ignored the setting (as .NET 10
/// ignores the older <c>DOTNET_EnableAVX512F</c>), the reruns would silently test the 512-bit path again.
/// </summary>
public class HostPathTests
{
    [Fact]
    public void Disabling_an_instruction_set_takes_the_narrower_kernel_paths()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Avx512F.IsSupported, "DOTNET_EnableAVX512=0 but Avx512F.IsSupported");
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX512=0 but Vector512 is accelerated");
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Avx2.IsSupported, "DOTNET_EnableAVX2=0 but Avx2.IsSupported");
            Assert.False(Avx512F.IsSupported, "DOTNET_EnableAVX2=0 but Avx512F.IsSupported");
            Assert.True(Vector<float>.Count <= 4, $"DOTNET_EnableAVX2=0 but Vector<float> has {Vector<float>.Count} lanes");
        }
    }
}
