namespace TaskGraph.Bags;

// The bodies of per-partition terminal tasks: each runs the bag's fused producer straight into its own consumer,
// so a Map(..).Fold(..) partition is one task and builds no intermediate list. Plain data: a producer, the user's
// delegates and values.

/// <summary>Folds a partition into an accumulator.</summary>
internal sealed class PartitionFold<T, TAcc>(PartitionProducer<T> producer, TAcc seed, Func<TAcc, T, TAcc> add)
{
    private readonly PartitionProducer<T> _producer = producer;
    private readonly TAcc _seed = seed;
    private readonly Func<TAcc, T, TAcc> _add = add;

    /// <summary>The partition's accumulator.</summary>
    public TAcc Run(object? input, int partition)
    {
        var sink = new FoldSink<T, TAcc>(_seed, _add);
        _producer.Produce(input, partition, sink);
        return sink.Value;
    }
}

/// <summary>Calls a user function on the whole partition.</summary>
internal sealed class PartitionAggregate<T, TAcc>(PartitionProducer<T> producer, Func<IReadOnlyList<T>, TAcc> perPartition)
{
    private readonly PartitionProducer<T> _producer = producer;
    private readonly Func<IReadOnlyList<T>, TAcc> _perPartition = perPartition;

    /// <summary>The partition's result.</summary>
    public TAcc Run(object? input, int partition)
    {
        var items = _producer.ToList(input, partition);
        try
        {
            return _perPartition(items);
        }
        catch (Exception e) when (e is not BagElementException)
        {
            throw new BagElementException(partition, -1, "in Aggregate's per-partition function", e);
        }
    }
}
