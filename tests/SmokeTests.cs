namespace NetGen.Tests;

public class SmokeTests
{
    [Fact]
    public void Torch_loads()
    {
        using var t = TorchSharp.torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
