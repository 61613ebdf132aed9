namespace TaskGraph.Bags;

/// <summary>
/// Dask's <c>pluck</c>: one field of every element of a bag of dictionaries, arrays or lists (fused into the partition
/// task like <see cref="Bag{T}.Map{TOut}"/>). A missing key or index fails with the element named, unless a default is given.
/// </summary>
public static class BagPluck
{
    /// <summary>The value under <paramref name="key"/> of every dictionary; a missing key fails naming the key.</summary>
    public static Bag<V> Pluck<K, V>(this Bag<Dictionary<K, V>> bag, K key) where K : notnull
        => Checked(bag).Map(new DictionaryPlucker<K, V>(key, false, default!).Get);

    /// <summary>The value under <paramref name="key"/> of every dictionary, or <paramref name="defaultValue"/> where it is missing.</summary>
    public static Bag<V> Pluck<K, V>(this Bag<Dictionary<K, V>> bag, K key, V defaultValue) where K : notnull
        => Checked(bag).Map(new DictionaryPlucker<K, V>(key, true, defaultValue).Get);

    /// <summary>The value under <paramref name="key"/> of every read-only dictionary; a missing key fails naming the key.</summary>
    public static Bag<V> Pluck<K, V>(this Bag<IReadOnlyDictionary<K, V>> bag, K key) where K : notnull
        => Checked(bag).Map(new DictionaryPlucker<K, V>(key, false, default!).Get);

    /// <summary>Element <paramref name="index"/> of every array; an index out of range fails naming the index.</summary>
    public static Bag<V> Pluck<V>(this Bag<V[]> bag, int index)
        => Checked(bag).Map(new ListPlucker<V>(Index(index), false, default!).Get);

    /// <summary>Element <paramref name="index"/> of every array, or <paramref name="defaultValue"/> where the array is shorter.</summary>
    public static Bag<V> Pluck<V>(this Bag<V[]> bag, int index, V defaultValue)
        => Checked(bag).Map(new ListPlucker<V>(Index(index), true, defaultValue).Get);

    /// <summary>Element <paramref name="index"/> of every list; an index out of range fails naming the index.</summary>
    public static Bag<V> Pluck<V>(this Bag<List<V>> bag, int index)
        => Checked(bag).Map(new ListPlucker<V>(Index(index), false, default!).Get);

    private static Bag<T> Checked<T>(Bag<T> bag) => bag ?? throw new ArgumentNullException(nameof(bag));

    private static int Index(int index) => index >= 0 ? index : throw new ArgumentOutOfRangeException(nameof(index), index, "Pluck: the index must not be negative.");
}

/// <summary>Reads one key of a dictionary (key, default and whether there is one: all in the key of the map).</summary>
internal sealed record DictionaryPlucker<K, V>(K Key, bool HasDefault, V Default) where K : notnull
{
    /// <summary>The value under the key.</summary>
    public V Get(IReadOnlyDictionary<K, V> d)
        => d.TryGetValue(Key, out var v) ? v : HasDefault ? Default : throw new KeyNotFoundException($"Pluck: the element has no key '{Key}'.");

    /// <summary>The value under the key of a dictionary.</summary>
    public V Get(Dictionary<K, V> d) => Get((IReadOnlyDictionary<K, V>)d);
}

/// <summary>Reads one index of an array or list.</summary>
internal sealed record ListPlucker<V>(int Index, bool HasDefault, V Default)
{
    /// <summary>The element at the index.</summary>
    public V Get(IReadOnlyList<V> items)
        => Index < items.Count ? items[Index] : HasDefault ? Default : throw new IndexOutOfRangeException($"Pluck: index {Index} is out of range for an element of {items.Count} items.");

    /// <summary>The element at the index of an array.</summary>
    public V Get(V[] items) => Get((IReadOnlyList<V>)items);

    /// <summary>The element at the index of a list.</summary>
    public V Get(List<V> items) => Get((IReadOnlyList<V>)items);
}
