using System;

namespace NetGen;

/// <summary>
/// A float buffer that starts on a 64-byte boundary and never moves: a pinned array (allocated on the pinned object
/// heap, so the garbage collector does not relocate it) viewed from its first aligned element.
/// </summary>
/// <remarks>
/// Some kernels choose their first vector step by the address of an operand (to keep loads within cache lines), which
/// decides how the sums are grouped and so the last bits of the result. With every buffer aligned the same way, the
/// same network gives bit-identical results in every instance (a pooled clone and its prototype) and after every
/// garbage collection.
/// </remarks>
internal readonly struct AlignedBuffer
{
    private const int AlignFloats = 64 / sizeof(float);

    private readonly float[] _array;
    private readonly int _start;

    /// <summary>Allocates <paramref name="length"/> zeroed floats starting on a 64-byte boundary.</summary>
    /// <param name="length">The number of floats; 0 gives an empty buffer without allocating.</param>
    public unsafe AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        if (length == 0)
        {
            _array = Array.Empty<float>();
            return;
        }

        _array = GC.AllocateArray<float>(checked(length + AlignFloats - 1), pinned: true);
        fixed (float* p = _array)
        {
            _start = (int)((nuint)(-(nint)p) & 63) / sizeof(float);
        }
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The whole buffer.</summary>
    public Span<float> Span => _array is null ? Span<float>.Empty : _array.AsSpan(_start, Length);

    /// <summary>Whether two buffers are the same memory.</summary>
    /// <param name="other">The other buffer.</param>
    public bool SameMemory(AlignedBuffer other) => ReferenceEquals(_array, other._array);

    /// <summary>Floats <c>[offset, offset + length)</c>.</summary>
    /// <param name="offset">The first float.</param>
    /// <param name="length">The number of floats.</param>
    public Span<float> Slice(int offset, int length) => Span.Slice(offset, length);
}
