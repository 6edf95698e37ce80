using NetGen.Tests.Networks;

namespace NetGen.Tests.Layers;

/// <summary>The architecture description and fingerprint that checkpoints record.</summary>
public class ArchitectureTests
{
    [Fact]
    public void Fingerprint_is_the_runtime_hash_of_the_generated_description()
    {
        var net = new FashionMlp();
        Assert.Equal(NetworkBase.Fnv1a(net.Architecture), net.ArchitectureFingerprint);
        Assert.Equal(FashionMlp.Fingerprint, net.ArchitectureFingerprint);
        Assert.Contains("dense0 Dense -> 256 (200960 params)", net.Architecture);
    }

    [Fact]
    public void Different_architectures_have_different_fingerprints_and_seeds_do_not_matter()
    {
        Assert.Equal(new FashionMlp(1).ArchitectureFingerprint, new FashionMlp(2).ArchitectureFingerprint);
        ulong[] all = [FashionMlp.Fingerprint, OracleMlp.Fingerprint, AllActivationsNet.Fingerprint, KitchenSinkNet.Fingerprint, ResidualOracleNet.Fingerprint, NormalizationNet.Fingerprint];
        Assert.Equal(all.Length, all.Distinct().Count());
    }
}
