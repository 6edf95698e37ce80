using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace NetGen;

/// <summary>
/// The immutable shape of a tensor, e.g. [256, 784], with value equality: two shapes are equal when their dimensions
/// are. Networks hand out their shapes as this type, so no caller can change the shape every other instance sees.
/// </summary>
[CollectionBuilder(typeof(TensorShape), nameof(Create))]
public readonly struct TensorShape : IReadOnlyList<int>, IEquatable<TensorShape>
{
    private readonly int[]? _dimensions;

    /// <summary>Creates a shape from its dimensions (copied).</summary>
    /// <param name="dimensions">The size of each dimension, outermost first.</param>
    public TensorShape(params ReadOnlySpan<int> dimensions) => _dimensions = dimensions.ToArray();

    /// <summary>Creates a shape from its dimensions (copied); lets a collection expression such as <c>[256, 784]</c> be a shape.</summary>
    /// <param name="dimensions">The size of each dimension, outermost first.</param>
    /// <returns>The shape.</returns>
    public static TensorShape Create(ReadOnlySpan<int> dimensions) => new(dimensions);

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dimensions?.Length ?? 0;

    /// <summary>The number of dimensions (the same as <see cref="Rank"/>).</summary>
    public int Count => Rank;

    /// <summary>The product of the dimensions: how many values a tensor of this shape holds (1 for a rank-0 shape).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in AsSpan())
            {
                n *= d;
            }

            return n;
        }
    }

    /// <summary>The size of dimension <paramref name="index"/>.</summary>
    /// <param name="index">The dimension, 0 for the outermost.</param>
    public int this[int index] => AsSpan()[index];

    /// <summary>The dimensions as a read-only span.</summary>
    public ReadOnlySpan<int> AsSpan() => _dimensions;

    /// <summary>The dimensions as a new array the caller owns.</summary>
    public int[] ToArray() => AsSpan().ToArray();

    /// <summary>Converts an array of dimensions to a shape (the array is copied, so later changes to it do not show).</summary>
    /// <param name="dimensions">The dimensions.</param>
    public static implicit operator TensorShape(int[] dimensions) => new(dimensions);

    /// <summary>The dimensions as a read-only span, so a shape can be passed wherever a span of ints is taken.</summary>
    /// <param name="shape">The shape.</param>
    public static implicit operator ReadOnlySpan<int>(TensorShape shape) => shape.AsSpan();

    /// <summary>Whether two shapes have the same dimensions.</summary>
    public static bool operator ==(TensorShape left, TensorShape right) => left.Equals(right);

    /// <summary>Whether two shapes differ in rank or in a dimension.</summary>
    public static bool operator !=(TensorShape left, TensorShape right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(TensorShape other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (int d in AsSpan())
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>The dimensions in brackets, e.g. <c>[256, 784]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _dimensions ?? []) + "]";

    /// <inheritdoc />
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_dimensions ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
