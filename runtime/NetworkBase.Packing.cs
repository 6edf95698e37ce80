using System;
using System.Threading;
using NetGen.Kernels;

namespace NetGen;

/// <summary>
/// Dense weights kept packed between inference calls: at large batches a dense layer's product runs on a packed copy
/// of Wᵀ, and an inference forward pass takes that copy from a per-layer cache instead of repacking the weights on
/// every call (ONNX Runtime prepacks constant weights the same way). The caches follow the same state version as the
/// folded batch norms, so every change to the parameters that refolds also repacks.
/// </summary>
public abstract partial class NetworkBase
{
    private PackedWeights?[] _packedWeights = [];
    private long _packedVersion = -1;

    /// <summary>
    /// Whether an inference-mode forward pass keeps each dense layer's packed weights between calls (on by default).
    /// This costs one packed copy of each dense layer that runs on the packed path at the batch sizes used (batches of
    /// 64 and more on hosts with AVX2, about the size of its weights: 0.94 MB for the 784-256-128-10 MLP) per network
    /// instance, and saves repacking them on every call (~80 µs of ~1.6 ms for that MLP at batch 256 on one Zen 3
    /// core). Training-mode passes never use the caches.
    /// </summary>
    public bool CachePackedWeightsForInference { get; set; } = true;

    /// <summary>The number of bytes the packed-weight caches hold now (0 before the first large-batch inference pass).</summary>
    public long PackedWeightBytes
    {
        get
        {
            long floats = 0;
            foreach (PackedWeights? p in _packedWeights)
            {
                floats += p?.Floats ?? 0;
            }

            return floats * sizeof(float);
        }
    }

    /// <summary>
    /// Called by a generated inference forward pass for a dense layer: the layer's cache of packed weights, or null in a
    /// training-mode pass (or with <see cref="CachePackedWeightsForInference"/> off). All caches are first marked stale if
    /// the parameters or buffers may have changed since the last call (see <see cref="InvalidateFoldedWeights"/>).
    /// </summary>
    /// <param name="layer">The dense layer's position.</param>
    /// <returns>The cache to pass to the dense kernel, or null.</returns>
    protected PackedWeights? PackedWeightsFor(int layer)
    {
        if (TrainingForward || !CachePackedWeightsForInference)
        {
            return null;
        }

        long version = Volatile.Read(ref _stateVersion.Value);
        if (version != _packedVersion)
        {
            foreach (PackedWeights? p in _packedWeights)
            {
                p?.Invalidate();
            }

            _packedVersion = version;
        }

        if (layer >= _packedWeights.Length)
        {
            Array.Resize(ref _packedWeights, layer + 1);
        }

        return _packedWeights[layer] ??= new PackedWeights();
    }
}
