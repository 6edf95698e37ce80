using NetGen.Kernels;
using NetGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The identities between the normalizations: GroupNorm with one group per channel is InstanceNorm, and GroupNorm with
/// one group is LayerNorm whose element-wise gamma and beta repeat the per-channel values over the spatial positions.
/// </summary>
public class NormIdentityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, 4, 30)]
    [InlineData(2, 5, 49)]
    public void GroupNorm_with_a_group_per_channel_is_InstanceNorm(int batch, int channels, int spatial)
    {
        int size = batch * channels * spatial;
        var rng = new Rng(size);
        float[] x = NormTestData.Gaussian(rng, size, 0.3f, 2f), dy = NormTestData.Gaussian(rng, size, 0f, 1f);
        float[] gamma = NormTestData.Gaussian(rng, channels, 1f, 0.5f), beta = NormTestData.Gaussian(rng, channels, 0f, 0.5f);

        var group = new Outputs(size, channels, batch * channels);
        GroupNorm.Forward(batch, channels, spatial, channels, 1e-5f, x, gamma, beta, group.Y, group.Mean, group.InvStd);
        GroupNorm.Backward(batch, channels, spatial, channels, x, gamma, group.Mean, group.InvStd, dy, group.Dx, group.DGamma, group.DBeta);

        var instance = new Outputs(size, channels, batch * channels);
        InstanceNorm.Forward(batch, channels, spatial, 1e-5f, x, gamma, beta, instance.Y, instance.Mean, instance.InvStd);
        InstanceNorm.Backward(batch, channels, spatial, x, gamma, instance.Mean, instance.InvStd, dy, instance.Dx, instance.DGamma, instance.DBeta);

        Assert.Equal(group.Y, instance.Y);
        Assert.Equal(group.Mean, instance.Mean);
        Assert.Equal(group.InvStd, instance.InvStd);
        Assert.Equal(group.Dx, instance.Dx);
        Assert.Equal(group.DGamma, instance.DGamma);
        Assert.Equal(group.DBeta, instance.DBeta);
        output.WriteLine("GroupNorm(groups = channels) and InstanceNorm: outputs, statistics and gradients bit-identical.");
    }

    /// <summary>
    /// Same statistics (both reduce the same contiguous run of floats in the same order) and the same element-wise
    /// arithmetic, so outputs and saved statistics are bit-identical; dx differs only by the order in which the two
    /// backward sums are gathered (per channel vs. over the whole sample), i.e. by float rounding. dGamma and dBeta
    /// agree after summing LayerNorm's over the spatial positions of each channel.
    /// </summary>
    [Theory]
    [InlineData(3, 4, 30)]
    [InlineData(2, 16, 49)]
    [InlineData(5, 20, 1)]
    public void GroupNorm_with_one_group_is_LayerNorm_with_broadcast_gamma_and_beta(int batch, int channels, int spatial)
    {
        int features = channels * spatial, size = batch * features;
        var rng = new Rng(size + 7);
        float[] x = NormTestData.Gaussian(rng, size, -0.4f, 1.7f), dy = NormTestData.Gaussian(rng, size, 0f, 1f);
        float[] gamma = NormTestData.Gaussian(rng, channels, 1f, 0.5f), beta = NormTestData.Gaussian(rng, channels, 0f, 0.5f);
        var gammaWide = new float[features];
        var betaWide = new float[features];
        for (int c = 0; c < channels; c++)
        {
            gammaWide.AsSpan(c * spatial, spatial).Fill(gamma[c]);
            betaWide.AsSpan(c * spatial, spatial).Fill(beta[c]);
        }

        var group = new Outputs(size, channels, batch);
        GroupNorm.Forward(batch, channels, spatial, 1, 1e-5f, x, gamma, beta, group.Y, group.Mean, group.InvStd);
        GroupNorm.Backward(batch, channels, spatial, 1, x, gamma, group.Mean, group.InvStd, dy, group.Dx, group.DGamma, group.DBeta);

        var layer = new Outputs(size, features, batch);
        LayerNorm.Forward(batch, features, 1e-5f, x, gammaWide, betaWide, layer.Y, layer.Mean, layer.InvStd);
        LayerNorm.Backward(batch, features, x, gammaWide, layer.Mean, layer.InvStd, dy, layer.Dx, layer.DGamma, layer.DBeta);

        var dGammaSummed = new float[channels];
        var dBetaSummed = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            for (int s = 0; s < spatial; s++)
            {
                dGammaSummed[c] += layer.DGamma[(c * spatial) + s];
                dBetaSummed[c] += layer.DBeta[(c * spatial) + s];
            }
        }

        double dxDiff = TensorAssert.MaxAbsDiff(group.Dx, layer.Dx) / NormTestData.MaxAbs(layer.Dx);
        double dGammaDiff = TensorAssert.MaxAbsDiff(group.DGamma, dGammaSummed) / NormTestData.MaxAbs(dGammaSummed);
        double dBetaDiff = TensorAssert.MaxAbsDiff(group.DBeta, dBetaSummed) / NormTestData.MaxAbs(dBetaSummed);
        output.WriteLine($"y max |diff| {TensorAssert.MaxAbsDiff(group.Y, layer.Y):E2}; relative dx {dxDiff:E2}, dGamma {dGammaDiff:E2}, dBeta {dBetaDiff:E2}");

        Assert.Equal(layer.Mean, group.Mean);
        Assert.Equal(layer.InvStd, group.InvStd);
        Assert.Equal(layer.Y, group.Y);
        Assert.True(dxDiff <= 1e-6, $"dx differs by {dxDiff:E3} of its scale");
        Assert.True(dGammaDiff <= 1e-6, $"dGamma differs by {dGammaDiff:E3} of its scale");
        Assert.True(dBetaDiff <= 1e-6, $"dBeta differs by {dBetaDiff:E3} of its scale");
    }

    private sealed class Outputs(int size, int parameters, int statistics)
    {
        public float[] Y { get; } = new float[size];

        public float[] Dx { get; } = new float[size];

        public float[] Mean { get; } = new float[statistics];

        public float[] InvStd { get; } = new float[statistics];

        public float[] DGamma { get; } = new float[parameters];

        public float[] DBeta { get; } = new float[parameters];
    }
}
