using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>Copies a NetGen network's weights into its TorchSharp twin, whose modules carry the same names.</summary>
public static class TorchTwin
{
    /// <summary>
    /// Overwrites every parameter and buffer of <paramref name="module"/> with the NetGen tensor of the same name
    /// (<c>dense0.weight</c>, <c>bn1.running_mean</c>, …); torch buffers NetGen does not have (<c>num_batches_tracked</c>)
    /// are left alone, and a torch parameter NetGen does not have is an error.
    /// </summary>
    /// <param name="module">The twin, with its components registered.</param>
    /// <param name="source">The NetGen network.</param>
    public static void CopyWeights(nn.Module module, NetworkBase source)
    {
        var parameters = source.ParameterTensors.ToDictionary(t => t.Name);
        var buffers = source.BufferTensors.ToDictionary(t => t.Name);
        using var noGrad = torch.no_grad();
        foreach ((string name, Parameter parameter) in module.named_parameters())
        {
            Copy(parameter, source.Parameters, parameters.TryGetValue(name, out ParameterTensor? t)
                ? t
                : throw new InvalidOperationException($"{source.GetType().Name} has no parameter tensor '{name}'."));
        }

        foreach ((string name, Tensor buffer) in module.named_buffers())
        {
            if (buffers.TryGetValue(name, out ParameterTensor? t))
            {
                Copy(buffer, source.Buffers, t);
            }
        }
    }

    private static void Copy(Tensor target, ReadOnlySpan<float> flat, ParameterTensor tensor)
    {
        using Tensor copy = torch.tensor(flat.Slice(tensor.Offset, tensor.Length).ToArray(), target.shape);
        target.copy_(copy);
    }
}
