namespace TaskGraph.Bags;

// The bodies of the bags' hash shuffles (the layer is HashShuffle, shared with frames): every input partition task
// splits its elements into N buckets by a process-independent hash of the key (StableHash), and output task j
// gathers bucket j of every split. Inputs and outputs are plain lists, so a split's buckets can travel between processes.
//
//   in0   in1   in2          (the bag's fused partition pipelines)
//    |     |     |
//  split split split         each returns List<(key, item)>[N]
//    | \ / | \ / |
//    |  X  |  X  |
//  group0 group1 group2      group j reads bucket j of every split

/// <summary>Splits one partition into buckets by key hash: bucket <c>b</c> holds the (key, item) pairs whose key hashes to <c>b</c>, in input order.</summary>
internal sealed class ShuffleSplit<T, TKey>(PartitionProducer<T> producer, Func<T, TKey> keySelector, int buckets)
{
    private readonly PartitionProducer<T> _producer = producer;
    private readonly Func<T, TKey> _keySelector = keySelector;
    private readonly int _buckets = buckets;

    /// <summary>The buckets of one partition.</summary>
    public List<(TKey Key, T Item)>[] Run(object? input, int partition)
    {
        var sink = new Sink(_keySelector, _buckets);
        _producer.Produce(input, partition, sink);
        return sink.Buckets;
    }

    private sealed class Sink : ElementSink<T>
    {
        private readonly Func<T, TKey> _key;

        public Sink(Func<T, TKey> key, int buckets)
        {
            _key = key;
            Buckets = new List<(TKey, T)>[buckets];
            for (int b = 0; b < buckets; b++) Buckets[b] = new();
        }

        public List<(TKey Key, T Item)>[] Buckets { get; }

        public override void Push(T item)
        {
            var k = _key(item);
            Buckets[StableHash.Bucket(k, Buckets.Length)].Add((k, item));
        }
    }
}

/// <summary>Groups bucket <c>j</c> of every split: groups in order of first appearance (splits in partition order), items in input order.</summary>
internal static class ShuffleGroup<T, TKey>
{
    /// <summary>The groups of one output partition, from bucket j of every split.</summary>
    public static List<(TKey Key, List<T> Items)> Run(ShuffleGroupTask _, List<(TKey Key, T Item)>[] pieces)
    {
        var index = new Dictionary<ValueTuple<TKey>, int>();
        var groups = new List<(TKey Key, List<T> Items)>();
        foreach (var piece in pieces)
        {
            foreach (var (key, item) in piece)
            {
                ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(index, new ValueTuple<TKey>(key), out bool exists);
                if (!exists)
                {
                    slot = groups.Count;
                    groups.Add((key, new List<T>()));
                }
                groups[slot].Items.Add(item);
            }
        }
        return groups;
    }
}

/// <summary>The parameters of a bag group-by's output tasks: none (the types are the body's type arguments).</summary>
internal sealed record ShuffleGroupTask;

/// <summary>The parameters of a bag join's output tasks: the user's result selector.</summary>
internal sealed record ShuffleJoinTask<TLeft, TRight, TResult>(Func<TLeft, TRight, TResult> Result);

/// <summary>
/// Inner hash join of bucket <c>j</c> of the left side's splits and of the right side's. Output: for each left
/// element in order, one result per matching right element in order. Null keys match nothing (as in LINQ's Join).
/// </summary>
internal static class ShuffleJoin<TLeft, TRight, TKey, TResult>
{
    /// <summary>The joined pairs of one output partition.</summary>
    public static List<TResult> Run(ShuffleJoinTask<TLeft, TRight, TResult> p, List<(TKey Key, TLeft Item)>[] leftPieces, List<(TKey Key, TRight Item)>[] rightPieces)
    {
        var right = new Dictionary<ValueTuple<TKey>, List<TRight>>();
        foreach (var piece in rightPieces)
            foreach (var (key, item) in piece)
            {
                if (key is null) continue;
                ref var list = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(right, new ValueTuple<TKey>(key), out _);
                (list ??= new()).Add(item);
            }
        var output = new List<TResult>();
        foreach (var piece in leftPieces)
            foreach (var (key, item) in piece)
                if (key is not null && right.TryGetValue(new ValueTuple<TKey>(key), out var matches))
                    foreach (var m in matches) output.Add(p.Result(item, m));
        return output;
    }
}
