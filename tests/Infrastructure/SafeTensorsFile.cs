namespace NetGen.Tests.Infrastructure;

/// <summary>Moves a network's tensors into another through a real safetensors file in the temp folder (deleted afterwards).</summary>
internal static class SafeTensorsFile
{
    /// <summary>Saves <paramref name="from"/> to a temporary file and loads it into <paramref name="to"/>.</summary>
    public static void Copy(NetworkBase from, NetworkBase to)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            NetGen.Serialization.SafeTensors.Save(from, path);
            NetGen.Serialization.SafeTensors.Load(to, path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
