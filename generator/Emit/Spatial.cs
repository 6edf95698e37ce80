using NetGen.Generator.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Constants for layers over [channels, height, width].</summary>
internal static class Spatial
{
    /// <summary>The input's (and a spatial output's) channels, height and width as named constants.</summary>
    public static string Constants(LayerModel l)
    {
        string s = $"{Names.P(l, "InC")} = {l.InputShape.Dims[0]}, {Names.P(l, "InH")} = {l.InputShape.Dims[1]}, {Names.P(l, "InW")} = {l.InputShape.Dims[2]}";
        return l.OutputShape.Rank == 3
            ? s + $", {Names.P(l, "OutC")} = {l.OutputShape.Dims[0]}, {Names.P(l, "OutH")} = {l.OutputShape.Dims[1]}, {Names.P(l, "OutW")} = {l.OutputShape.Dims[2]}"
            : s;
    }

    /// <summary>The leading dimension arguments of a pooling kernel call: batch and the input's C, H, W.</summary>
    public static string Dims(LayerModel l)
        => $"batch: batch, channels: {Names.P(l, "InC")}, height: {Names.P(l, "InH")}, width: {Names.P(l, "InW")}";
}
