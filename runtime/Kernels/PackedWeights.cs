using System;
using System.ComponentModel;

namespace NetGen.Kernels;

/// <summary>
/// A dense layer's weights kept packed between calls (Bᵀ in the panels of <see cref="Gemm"/>'s broadcast tiles), so
/// that an inference forward pass at a large batch does not repack the same weights on every call; ONNX Runtime
/// prepacks constant weights the same way. The owner (a network, see <c>NetworkBase.PackedWeightsFor</c>) calls
/// <see cref="Invalidate"/> whenever the weights may have changed.
/// </summary>
/// <remarks>
/// The cache remembers the address, shape and panel width it packed; a call with another matrix (the folded weights of
/// a batch norm instead of the layer's own, say) repacks. It does not see writes to the same memory: that is what
/// <see cref="Invalidate"/> is for. Not thread-safe: one instance serves one caller at a time.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedWeights
{
    private AlignedBuffer _buffer;
    private unsafe float* _source;
    private int _n;
    private int _k;
    private int _width;

    // The second layout, for products with a single row of A (batch-1 inference): see GemmDot.PackInterleavedRows.
    private AlignedBuffer _rows;
    private unsafe float* _rowsSource;
    private int _rowsN;
    private int _rowsK;
    private bool _rowsValid;

    /// <summary>Whether the buffer holds the packed weights of the last call (until <see cref="Invalidate"/>).</summary>
    public bool IsValid { get; private set; }

    /// <summary>The number of floats the packed weights take, in both layouts (0 before the first packing).</summary>
    public int Floats => _buffer.Length + _rows.Length;

    /// <summary>Marks the packed weights as stale (both layouts): the next product that uses them packs them again.</summary>
    public void Invalidate()
    {
        IsValid = false;
        _rowsValid = false;
    }

    /// <summary>
    /// <paramref name="source"/> (n×k) with every four rows interleaved in steps of 16 columns
    /// (<see cref="GemmDot.PackInterleavedRows"/>), packed here when stale: the layout of the single-row product
    /// <see cref="GemmDot.GemvInterleaved"/>. The buffer is pinned, so the pointer stays valid while the cache lives.
    /// </summary>
    internal unsafe float* InterleavedRows(float* source, int n, int k)
    {
        if (!(_rowsValid && _rowsSource == source && _rowsN == n && _rowsK == k))
        {
            long floats = GemmDot.InterleavedRowsFloats(n, k);
            if (_rows.Length < floats)
            {
                _rows = new AlignedBuffer(checked((int)floats));
            }

            fixed (float* target = _rows.Span)
            {
                GemmDot.PackInterleavedRows(source, n, k, target);
            }

            _rowsSource = source;
            (_rowsN, _rowsK, _rowsValid) = (n, k, true);
        }

        fixed (float* target = _rows.Span)
        {
            return target;
        }
    }

    /// <summary>
    /// The buffer for packing <paramref name="source"/> (n×k) into panels of <paramref name="width"/> columns, and whether
    /// it already holds them. The buffer starts on a cache line; it is (re)allocated when the shape grows.
    /// </summary>
    internal unsafe Span<float> Prepare(float* source, int n, int k, int width, out bool ready)
    {
        long floats = (long)k * width * ((n + width - 1) / width);
        ready = IsValid && _source == source && _n == n && _k == k && _width == width;
        if (!ready)
        {
            IsValid = false;
            if (_buffer.Length < floats)
            {
                _buffer = new AlignedBuffer(checked((int)floats));
            }

            _source = source;
            _n = n;
            _k = k;
            _width = width;
        }

        return _buffer.Span;
    }

    /// <summary>Records that the buffer now holds the packing that <see cref="Prepare"/> set up.</summary>
    internal void MarkPacked() => IsValid = true;
}
