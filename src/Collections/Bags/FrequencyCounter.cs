namespace TaskGraph.Bags;

/// <summary>
/// Counts occurrences of values in order of first appearance. Keys are wrapped in a one-element
/// <see cref="ValueTuple{T1}"/> so that null is a countable value (a dictionary refuses null keys). It lives only
/// inside a task: what leaves the task is the plain list of (item, count).
/// </summary>
internal sealed class FrequencyCounter<T> : ElementSink<T>
{
    private readonly Dictionary<ValueTuple<T>, int> _index = new();
    private readonly List<(T Item, long Count)> _counts = new();

    /// <summary>Adds <paramref name="count"/> occurrences of <paramref name="item"/>.</summary>
    public void Add(T item, long count = 1)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_index, new ValueTuple<T>(item), out bool exists);
        if (!exists)
        {
            slot = _counts.Count;
            _counts.Add((item, count));
        }
        else
        {
            var (it, c) = _counts[slot];
            _counts[slot] = (it, c + count);
        }
    }

    /// <summary>Counts one occurrence.</summary>
    public override void Push(T item) => Add(item);

    /// <summary>The (item, count) pairs in order of first appearance.</summary>
    public List<(T, long)> ToList() => [.. _counts];

    /// <summary>Merges partial counts, keeping the order of first appearance across the inputs in order.</summary>
    public static List<(T, long)> Merge(IReadOnlyList<List<(T, long)>> parts)
    {
        var all = new FrequencyCounter<T>();
        foreach (var part in parts)
            foreach (var (item, count) in part) all.Add(item, count);
        return [.. all._counts];
    }
}

/// <summary>Counts the values of one partition (the per-partition task of <c>Frequencies</c>).</summary>
internal sealed class PartitionFrequencies<T>(PartitionProducer<T> producer)
{
    private readonly PartitionProducer<T> _producer = producer;

    /// <summary>The partition's (item, count) pairs, in order of first appearance.</summary>
    public List<(T, long)> Run(object? input, int partition)
    {
        var counter = new FrequencyCounter<T>();
        _producer.Produce(input, partition, counter);
        return counter.ToList();
    }
}
