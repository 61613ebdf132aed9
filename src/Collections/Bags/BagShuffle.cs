namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>
    /// Groups the elements by key with a hash shuffle into <paramref name="partitions"/> partitions (default: as
    /// many as this bag has): each element of the result is a key with its items, in input order. Within a
    /// partition, groups come in order of first appearance. Keys are routed by <see cref="StableHash"/>, so key
    /// types must hash the same in every process for out-of-process schedulers (strings, numbers, tuples do).
    /// </summary>
    public Bag<(TKey Key, List<T> Items)> GroupBy<TKey>(Func<T, TKey> keySelector, int? partitions = null)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        int n = ShufflePartitions(partitions, PartitionCount);
        var token = TokenFor("groupby", n, keySelector);
        var splits = PerPartition(Name + "-split", token, new ShuffleSplit<T, TKey>(Producer, keySelector, n).Run);
        var gather = LayerStep.Gather<ShuffleGroupTask, List<(TKey Key, T Item)>, List<(TKey Key, List<T> Items)>>("groupby", ShuffleGroup<T, TKey>.Run, new ShuffleGroupTask());
        var outputs = HashShuffle.Gather(splits, n, token, gather).Select(TaskArg.Of).ToArray();
        return new Bag<(TKey Key, List<T> Items)>("groupby", token, outputs, new ListSource<(TKey Key, List<T> Items)>(), inputsAreLists: true);
    }

    /// <summary>
    /// Inner join with <paramref name="other"/> on equal keys, by a hash shuffle of both bags into
    /// <paramref name="partitions"/> partitions (default: the larger partition count). For each element of this
    /// bag, one <paramref name="result"/> per matching element of <paramref name="other"/>, in their orders
    /// within a partition; null keys match nothing.
    /// </summary>
    public Bag<TResult> Join<TOther, TKey, TResult>(Bag<TOther> other, Func<T, TKey> key, Func<TOther, TKey> otherKey,
        Func<T, TOther, TResult> result, int? partitions = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(otherKey);
        ArgumentNullException.ThrowIfNull(result);
        int n = ShufflePartitions(partitions, Math.Max(PartitionCount, other.PartitionCount));
        var token = TokenFor("join", n, key, result, other.TokenFor("join-right", otherKey));
        var left = PerPartition(Name + "-split", token, new ShuffleSplit<T, TKey>(Producer, key, n).Run);
        var right = other.PerPartition(other.Name + "-split", other.TokenFor("join-right-split", n, otherKey), new ShuffleSplit<TOther, TKey>(other.Producer, otherKey, n).Run);
        var gather = LayerStep.Gather<ShuffleJoinTask<T, TOther, TResult>, List<(TKey Key, T Item)>, List<(TKey Key, TOther Item)>, List<TResult>>(
            "join", ShuffleJoin<T, TOther, TKey, TResult>.Run, new ShuffleJoinTask<T, TOther, TResult>(result));
        var outputs = HashShuffle.Join(left, right, n, token, gather).Select(TaskArg.Of).ToArray();
        return new Bag<TResult>("join", token, outputs, new ListSource<TResult>(), inputsAreLists: true);
    }

    private static int ShufflePartitions(int? requested, int fallback)
    {
        if (requested is { } r && r <= 0) throw new ArgumentOutOfRangeException(nameof(requested), r, "A shuffle needs at least one output partition.");
        return Math.Max(1, requested ?? fallback);
    }
}
