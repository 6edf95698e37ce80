using System;
using System.Collections;
using System.Collections.Generic;

namespace NetGen;

/// <summary>
/// An immutable array compared by its elements, for state records that hold weights: two records with the same
/// values are equal, which a plain <c>float[]</c> (compared by reference) would not give.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ValueArray<T> : IEquatable<ValueArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[] _items;

    /// <summary>Creates the array from a copy of <paramref name="items"/>.</summary>
    /// <param name="items">The elements.</param>
    public ValueArray(ReadOnlySpan<T> items)
        : this(items.ToArray())
    {
    }

    private ValueArray(T[] items) => _items = items;

    /// <summary>The elements.</summary>
    public ReadOnlySpan<T> Span => _items;

    /// <summary>The number of elements.</summary>
    public int Count => _items.Length;

    /// <summary>The element at <paramref name="index"/>.</summary>
    /// <param name="index">The position, from 0.</param>
    public T this[int index] => _items[index];

    /// <summary>Whether both arrays hold equal elements in the same order.</summary>
    /// <param name="other">The other array.</param>
    /// <returns>True when the lengths and all elements are equal.</returns>
    public bool Equals(ValueArray<T>? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ValueArray<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_items.Length);
        foreach (T item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>Wraps an array nobody else holds, without copying it.</summary>
    internal static ValueArray<T> Own(T[] items) => new(items);
}
