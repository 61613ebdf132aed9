namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>The default number of partial results one combine task takes (Dask's <c>split_every</c>).</summary>
    public const int DefaultSplitEvery = TreeReduction.DefaultSplitEvery;

    /// <summary>
    /// Folds every partition with <paramref name="add"/>, starting from <paramref name="seed"/>, in the same task
    /// as the partition's fused operations; then combines the partial results with <paramref name="combine"/> as
    /// a tree. <paramref name="seed"/> starts every partition, so it must be neutral for <paramref name="combine"/>
    /// and must not be mutated (use a value type or an immutable object). The combine order is the partition
    /// order, so a combine that is associative but not commutative gives the sequential result.
    /// </summary>
    public Delayed<TAcc> Fold<TAcc>(TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> combine, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(combine);
        var token = TokenFor("fold", seed, add, combine, splitEvery);
        var parts = PerPartition(Name + "-fold", token, new PartitionFold<T, TAcc>(Producer, seed, add).Run);
        return Tree<TAcc>(parts, new PairwiseCombiner<TAcc>(seed, combine).Run, "fold-combine", token, splitEvery);
    }

    /// <summary>
    /// Dask's <c>reduction</c>: <paramref name="perPartition"/> on every partition's elements, then
    /// <paramref name="combine"/> on lists of partial results, as a tree, until one is left (with no partitions:
    /// <paramref name="combine"/> of an empty list).
    /// </summary>
    public Delayed<TAcc> Aggregate<TAcc>(Func<IReadOnlyList<T>, TAcc> perPartition, Func<IReadOnlyList<TAcc>, TAcc> combine, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(perPartition);
        ArgumentNullException.ThrowIfNull(combine);
        var token = TokenFor("aggregate", perPartition, combine, splitEvery);
        var parts = PerPartition(Name + "-aggregate", token, new PartitionAggregate<T, TAcc>(Producer, perPartition).Run);
        return Tree(parts, combine, "aggregate-combine", token, splitEvery);
    }

    /// <summary>The number of elements.</summary>
    public Delayed<long> Count() => Fold(0L, BagFunctions<T>.CountOne, BagFunctions<T>.AddCounts);

    /// <summary>The smallest element by <see cref="Comparer{T}.Default"/>; computing it fails on an empty bag.</summary>
    public Delayed<T> Min() => Fold(default((bool, T)), BagFunctions<T>.KeepMin, BagFunctions<T>.CombineMin)
        .Then(BagFunctions<T>.MinOrThrow, "min");

    /// <summary>The largest element by <see cref="Comparer{T}.Default"/>; computing it fails on an empty bag.</summary>
    public Delayed<T> Max() => Fold(default((bool, T)), BagFunctions<T>.KeepMax, BagFunctions<T>.CombineMax)
        .Then(BagFunctions<T>.MaxOrThrow, "max");

    /// <summary>The distinct elements (by <see cref="EqualityComparer{T}.Default"/>), in order of first appearance, as a one-partition bag.</summary>
    public Bag<T> Distinct(int splitEvery = DefaultSplitEvery)
    {
        var token = TokenFor("distinct", splitEvery);
        var parts = PerPartition(Name + "-distinct", token, new PartitionAggregate<T, List<T>>(Producer, BagFunctions<T>.DistinctOf).Run);
        var root = Tree<List<T>>(parts, BagFunctions<T>.MergeDistinct, "distinct-combine", token, splitEvery);
        return new Bag<T>("distinct", token, [root.AsArg()], new ListSource<T>(), inputsAreLists: true);
    }

    /// <summary>
    /// How often each distinct element occurs, as a one-partition bag of (item, count) in order of first
    /// appearance, or by descending count (ties in order of first appearance) when <paramref name="sort"/>.
    /// </summary>
    public Bag<(T Item, long Count)> Frequencies(bool sort = false, int splitEvery = DefaultSplitEvery)
    {
        var token = TokenFor("frequencies", sort, splitEvery);
        var parts = PerPartition(Name + "-frequencies", token, new PartitionFrequencies<T>(Producer).Run);
        var root = Tree<List<(T, long)>>(parts, FrequencyCounter<T>.Merge, "frequencies-combine", token, splitEvery);
        var bag = new Bag<(T Item, long Count)>("frequencies", token, [root.AsArg()], new ListSource<(T Item, long Count)>(), inputsAreLists: true);
        return sort ? bag.MapPartitions<(T Item, long Count)>(BagFunctions<T>.SortByCount) : bag;
    }

    /// <summary>
    /// The partials combined by the collections' one <see cref="TreeReduction"/>, <paramref name="combine"/> on lists
    /// of at most <paramref name="splitEvery"/> partials down to one (with no partials: combine of an empty list).
    /// </summary>
    private static Delayed<TAcc> Tree<TAcc>(TaskSpec[] parts, Func<IReadOnlyList<TAcc>, TAcc> combine, string name, Token token, int splitEvery)
        => Delayed.FromSpec<TAcc>(TreeReduction.Reduce(parts, splitEvery, token,
            LayerStep.Many<BagCombine<TAcc>, TAcc, TAcc>(name, BagCombine<TAcc>.Run, new BagCombine<TAcc>(combine)), aggregate: null));
}

/// <summary>The parameters of a bag's combine tasks: the user's list combiner.</summary>
internal sealed record BagCombine<TAcc>(Func<IReadOnlyList<TAcc>, TAcc> Combine)
{
    /// <summary>Combines the task's inputs, in order.</summary>
    public static TAcc Run(BagCombine<TAcc> p, TAcc[] items) => p.Combine(items);
}

/// <summary>Turns a binary combine into a list combine: a left fold of the items, <c>seed</c> for none.</summary>
internal sealed class PairwiseCombiner<TAcc>(TAcc seed, Func<TAcc, TAcc, TAcc> combine)
{
    private readonly TAcc _seed = seed;
    private readonly Func<TAcc, TAcc, TAcc> _combine = combine;

    /// <summary>Folds the items from the left.</summary>
    public TAcc Run(IReadOnlyList<TAcc> items)
    {
        if (items.Count == 0) return _seed;
        var acc = items[0];
        for (int i = 1; i < items.Count; i++) acc = _combine(acc, items[i]);
        return acc;
    }
}
