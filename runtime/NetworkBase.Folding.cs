using System;
using System.Threading;

namespace NetGen;

/// <summary>
/// Batch norm folded into the layer before it for inference: where a <c>[BatchNorm]</c> directly follows a
/// <c>[Dense]</c> or <c>[Conv2D]</c>, the generated inference forward runs that layer once with folded weights and skips
/// the batch norm. The folded weights live in their own buffer (not in <see cref="Parameters"/>, so checkpoints, export
/// and gradients never see them) and are recomputed whenever the parameters or buffers may have changed.
/// </summary>
public abstract partial class NetworkBase
{
    private readonly StateVersion _stateVersion = new();
    private long _foldedVersion = -1;
    private AlignedBuffer _folded;
    private bool _lastForwardFolded;

    /// <summary>
    /// Whether an inference-mode forward pass folds each batch norm into the dense or convolution layer right before it
    /// (<c>W' = W·γ/√(var + ε)</c>, <c>b' = (b − μ)·γ/√(var + ε) + β</c>), which saves the batch norm's pass over the
    /// activations. On by default; the result equals the unfolded path up to rounding (about 1e-6 relative). Training
    /// mode never folds.
    /// </summary>
    public bool FoldBatchNormForInference { get; set; } = true;

    /// <summary>
    /// The number of floats the folded weights and biases take (0 when no batch norm can be folded); a generated network
    /// derives it from its layout's folds.
    /// </summary>
    protected virtual int FoldedFloats => _layout?.FoldedFloats ?? 0;

    /// <summary>The folded weights and biases, laid out by the generated constants; valid after <see cref="UseFoldedBatchNorm"/> returned true.</summary>
    protected Span<float> FoldedParameters => _folded.Span;

    /// <summary>
    /// Called by a generated forward pass right after <see cref="BeginForward(ReadOnlySpan{float}, int, int)"/>: true when this pass runs the folded
    /// layers (inference mode with <see cref="FoldBatchNormForInference"/> on), in which case the folded weights are
    /// first recomputed if the parameters or buffers may have changed since the last fold.
    /// </summary>
    /// <returns>Whether to run the folded layers.</returns>
    protected bool UseFoldedBatchNorm()
    {
        _lastForwardFolded = false;
        if (TrainingForward || !FoldBatchNormForInference)
        {
            return false;
        }

        if (_folded.Length != FoldedFloats)
        {
            _folded = new AlignedBuffer(FoldedFloats);
            _foldedVersion = -1;
        }

        long version = Volatile.Read(ref _stateVersion.Value);
        if (version != _foldedVersion)
        {
            FoldBatchNorm(_folded.Span);
            _foldedVersion = version;
        }

        _lastForwardFolded = true;
        return true;
    }

    /// <summary>
    /// Writes the folded weights and biases of every foldable layer pair of the layout: <c>W' = W·γ/√(var + ε)</c> per
    /// output channel, <c>b' = (b − μ)·γ/√(var + ε) + β</c>.
    /// </summary>
    /// <param name="folded">The buffer of <see cref="FoldedFloats"/> floats to fill.</param>
    protected virtual void FoldBatchNorm(Span<float> folded)
    {
        if (_layout is null)
        {
            return;
        }

        Span<float> p = _parameters.Span;
        Span<float> b = _buffers.Span;
        foreach (NetworkLayout.Fold f in _layout.Folds)
        {
            int count = f.Channels * f.FanIn;
            Kernels.BatchNormFold.Forward(f.Channels, f.FanIn, f.Epsilon,
                weights: p.Slice(f.Weights, count),
                bias: f.Bias < 0 ? default : p.Slice(f.Bias, f.Channels),
                gamma: p.Slice(f.Gamma, f.Channels),
                beta: p.Slice(f.Beta, f.Channels),
                runningMean: b.Slice(f.RunningMean, f.Channels),
                runningVar: b.Slice(f.RunningVar, f.Channels),
                foldedWeights: folded.Slice(f.FoldedWeights, count),
                foldedBias: folded.Slice(f.FoldedBias, f.Channels));
        }
    }

    /// <summary>
    /// Whether layer <paramref name="index"/> is a dense or convolution layer whose output the folded inference pass
    /// skips: it writes the following batch norm's output directly (a fold of the layout).
    /// </summary>
    /// <param name="index">The layer's position.</param>
    /// <returns>True for a layer folded away.</returns>
    protected virtual bool IsFoldedAway(int index)
    {
        foreach (NetworkLayout.Fold f in _layout is null ? default : _layout.Folds)
        {
            if (f.Layer == index)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Marks the parameters and buffers as possibly changed, so the next folded inference pass refolds (and the next
    /// inference pass repacks its cached dense weights, see <see cref="CachePackedWeightsForInference"/>). Every read of
    /// <see cref="Parameters"/> or <see cref="Buffers"/> from outside a call and every training-mode forward pass does
    /// this already; call it only after writing through a span obtained before an inference forward pass.
    /// </summary>
    public void InvalidateFoldedWeights() => _stateVersion.Bump();

    /// <summary>Counts the handing out of the parameter or buffer memory from outside a call on this instance (a writer may follow).</summary>
    private void NoteStateAccess()
    {
        if (_owner != Environment.CurrentManagedThreadId)
        {
            _stateVersion.Bump();
        }
    }

    /// <summary>Before <see cref="LayerOutput"/> reads a layer the last folded pass skipped, computes that layer's own output from its input.</summary>
    /// <param name="index">The layer's position.</param>
    private void RestoreFoldedAwayOutput(int index)
    {
        if (_lastForwardFolded && IsFoldedAway(index))
        {
            ForwardLayer(index, _lastBatch);
        }
    }

    /// <summary>
    /// A counter shared by a network and its inference clones (they share the parameter and buffer memory): it changes
    /// whenever that memory may have been written, and each instance refolds when it differs from the value it folded at.
    /// </summary>
    private sealed class StateVersion
    {
        /// <summary>The current version; read it with <c>Volatile.Read</c>.</summary>
        public long Value;

        /// <summary>
        /// Moves to a new version. Atomic: a network and its clones may bump it from different threads, and two bumps
        /// that raced must not land on the same value (a clone that folded in between would miss the second writer).
        /// </summary>
        public void Bump() => Interlocked.Increment(ref Value);
    }
}
