namespace TaskGraph.Bags;

/// <summary>
/// What one partition task of a bag runs, as plain data: a source that reads the task's input (an upstream
/// partition, a slice of a sequence, a block of a text file) followed by the bag's fused per-element operators.
/// <see cref="Bag{T}.Map{TOut}"/>, <see cref="Bag{T}.Filter"/> and friends wrap the producer in one more operator
/// instead of adding a task, so consecutive element operations run as ONE task per partition. A producer holds
/// only the user's delegates and plain values (no streams, locks or pools), so the process pool can ship it.
/// </summary>
internal abstract class PartitionProducer<T>
{
    /// <summary>Pushes the elements of partition <paramref name="partition"/>, read from <paramref name="input"/>, into <paramref name="sink"/>.</summary>
    public abstract void Produce(object? input, int partition, ElementSink<T> sink);

    /// <summary>The partition's elements as a list (the body of a materialized partition task).</summary>
    public List<T> ToList(object? input, int partition)
    {
        var sink = new ListSink<T>();
        Produce(input, partition, sink);
        return sink.Items;
    }
}

/// <summary>The source of in-memory partitions: the input is a <c>T[]</c>, a <c>List&lt;T&gt;</c> or any sequence of <typeparamref name="T"/>.</summary>
internal sealed class ListSource<T> : PartitionProducer<T>
{
    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<T> sink)
    {
        long i = 0;
        try
        {
            switch (input)
            {
                case null:
                    return;
                case T[] array:
                    for (; i < array.Length; i++) sink.Push(array[i]);
                    return;
                case List<T> list:
                    for (; i < list.Count; i++) sink.Push(list[(int)i]);
                    return;
                case IEnumerable<T> items:
                    foreach (var item in items) { sink.Push(item); i++; }
                    return;
                default:
                    throw new InvalidCastException($"Partition {partition} is a {input.GetType().Name}, not a sequence of {typeof(T).Name}.");
            }
        }
        catch (Exception e) when (e is not BagElementException and not InvalidCastException)
        {
            throw new BagElementException(partition, i, null, e);
        }
    }
}
