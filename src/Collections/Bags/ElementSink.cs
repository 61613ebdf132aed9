namespace TaskGraph.Bags;

/// <summary>
/// Receives the elements of one partition, one at a time, inside a task. Fused per-element operators are
/// chains of sinks built when the task runs (never stored in the task), so a map-filter-map pipeline streams each
/// element through every operator without intermediate lists.
/// </summary>
internal abstract class ElementSink<T>
{
    /// <summary>Takes one element.</summary>
    public abstract void Push(T item);
}

/// <summary>Collects the elements into the partition's list (the materialized result of a partition task).</summary>
internal sealed class ListSink<T> : ElementSink<T>
{
    /// <summary>The elements pushed so far, in order.</summary>
    public List<T> Items { get; } = new();

    /// <inheritdoc />
    public override void Push(T item) => Items.Add(item);
}

/// <summary>Folds the elements into an accumulator with the user's function.</summary>
internal sealed class FoldSink<T, TAcc>(TAcc seed, Func<TAcc, T, TAcc> add) : ElementSink<T>
{
    /// <summary>The accumulator after the elements pushed so far.</summary>
    public TAcc Value = seed;

    /// <inheritdoc />
    public override void Push(T item) => Value = add(Value, item);
}
