using System.Collections;

namespace KnowledgeGraph.Text;

/// <summary>A read-only list whose text form is its content, so that output objects survive ConvertTo-Csv and string
/// interpolation: strings are joined with "; " (never <c>System.String[]</c>), other items are counted.</summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    public ValueList(IEnumerable<T>? items) => _items = items?.ToArray() ?? [];

    public static ValueList<T> Empty { get; } = new([]);

    public T this[int index] => _items[index];
    public int Count => _items.Length;
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public override string ToString() => typeof(T) == typeof(string)
        ? string.Join("; ", _items)
        : $"{_items.Length} {typeof(T).Name}{(_items.Length == 1 ? "" : "s")}";

    public bool Equals(ValueList<T>? other) => other is not null && _items.SequenceEqual(other._items);
    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);
    public override int GetHashCode() => _items.Aggregate(0, (h, i) => HashCode.Combine(h, i));
}

public static class ValueList
{
    public static ValueList<T> Of<T>(IEnumerable<T>? items) => items as ValueList<T> ?? new ValueList<T>(items);
}
