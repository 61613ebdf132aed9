namespace TaskGraph.Bags;

// The fused per-element operators. Each wraps the upstream producer and, when the task runs, inserts its own sink
// in front of the downstream one: Map(f).Filter(p) pushes f(x) into p's sink, which pushes into the next, all in
// one loop of the source. Exceptions thrown here surface in the source's loop, which names the element.

/// <summary><c>Map(f)</c>: pushes <c>f(x)</c> for every element.</summary>
internal sealed class MapOperator<TIn, TOut>(PartitionProducer<TIn> upstream, Func<TIn, TOut> f) : PartitionProducer<TOut>
{
    private readonly PartitionProducer<TIn> _upstream = upstream;
    private readonly Func<TIn, TOut> _f = f;

    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<TOut> sink)
        => _upstream.Produce(input, partition, new Sink(_f, sink));

    private sealed class Sink(Func<TIn, TOut> f, ElementSink<TOut> next) : ElementSink<TIn>
    {
        public override void Push(TIn item) => next.Push(f(item));
    }
}

/// <summary><c>Filter(p)</c>: pushes the elements for which <c>p(x)</c> holds.</summary>
internal sealed class FilterOperator<T>(PartitionProducer<T> upstream, Func<T, bool> predicate) : PartitionProducer<T>
{
    private readonly PartitionProducer<T> _upstream = upstream;
    private readonly Func<T, bool> _predicate = predicate;

    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<T> sink)
        => _upstream.Produce(input, partition, new Sink(_predicate, sink));

    private sealed class Sink(Func<T, bool> predicate, ElementSink<T> next) : ElementSink<T>
    {
        public override void Push(T item)
        {
            if (predicate(item)) next.Push(item);
        }
    }
}

/// <summary><c>FlatMap(f)</c>: pushes every element of <c>f(x)</c>.</summary>
internal sealed class FlatMapOperator<TIn, TOut>(PartitionProducer<TIn> upstream, Func<TIn, IEnumerable<TOut>> f) : PartitionProducer<TOut>
{
    private readonly PartitionProducer<TIn> _upstream = upstream;
    private readonly Func<TIn, IEnumerable<TOut>> _f = f;

    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<TOut> sink)
        => _upstream.Produce(input, partition, new Sink(_f, sink));

    private sealed class Sink(Func<TIn, IEnumerable<TOut>> f, ElementSink<TOut> next) : ElementSink<TIn>
    {
        public override void Push(TIn item)
        {
            switch (f(item))
            {
                case TOut[] array:
                    foreach (var y in array) next.Push(y);
                    break;
                case List<TOut> list:
                    foreach (var y in list) next.Push(y);
                    break;
                case { } items:
                    foreach (var y in items) next.Push(y);
                    break;
            }
        }
    }
}

/// <summary>
/// <c>MapPartitions(f)</c>: collects the upstream elements of the partition, calls <c>f</c> on the whole list and
/// pushes what it returns. Still the same task: the operators before and after it fuse with it.
/// </summary>
internal sealed class MapPartitionsOperator<TIn, TOut>(PartitionProducer<TIn> upstream, Func<IReadOnlyList<TIn>, IEnumerable<TOut>> f) : PartitionProducer<TOut>
{
    private readonly PartitionProducer<TIn> _upstream = upstream;
    private readonly Func<IReadOnlyList<TIn>, IEnumerable<TOut>> _f = f;

    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<TOut> sink)
    {
        var items = _upstream.ToList(input, partition);
        long produced = -1; // -1 while the user's function runs: the failure is the partition's, not an element's
        try
        {
            var result = _f(items);
            produced = 0;
            if (result is null) return;
            foreach (var y in result)
            {
                sink.Push(y);
                produced++;
            }
        }
        catch (Exception e) when (e is not BagElementException)
        {
            throw new BagElementException(partition, produced, produced >= 0 ? "output of MapPartitions" : "in MapPartitions", e);
        }
    }
}
