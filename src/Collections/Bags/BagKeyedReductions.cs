using System.Runtime.InteropServices;

namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>
    /// Dask's <c>foldby</c>: a per-key fold WITHOUT a shuffle. Every partition folds its elements into one accumulator
    /// per key (<paramref name="add"/> from <paramref name="seed"/>, in the partition's own task), then the partial
    /// dictionaries are merged as a tree, accumulators of one key joined with <paramref name="combine"/>. The result is
    /// a one-partition bag of (key, value) in order of first appearance of the key. Cheaper than
    /// <see cref="GroupBy{TKey}"/> followed by a reduction whenever the number of keys is small next to the number of
    /// elements (word counts, per-category sums). <paramref name="seed"/> starts every key in every partition, so it must be
    /// neutral for <paramref name="combine"/> and must not be mutated. Null keys are allowed.
    /// <code>
    /// var counts = words.FoldBy(w => w, 0L, (n, _) => n + 1, (a, b) => a + b);   // like Frequencies()
    /// </code>
    /// </summary>
    public Bag<(TKey Key, TAcc Value)> FoldBy<TKey, TAcc>(Func<T, TKey> key, TAcc seed, Func<TAcc, T, TAcc> add, Func<TAcc, TAcc, TAcc> combine, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(combine);
        TreeReduction.CheckSplitEvery(splitEvery);
        var token = TokenFor("foldby", key, seed, add, combine, splitEvery);
        var parts = PerPartition(Name + "-foldby", token, new PartitionFoldBy<T, TKey, TAcc>(Producer, key, seed, add).Run);
        var root = Tree<List<(TKey, TAcc)>>(parts, new FoldByMerge<TKey, TAcc>(combine).Run, "foldby-combine", token, splitEvery);
        return new Bag<(TKey Key, TAcc Value)>("foldby", token, [root.AsArg()], new ListSource<(TKey Key, TAcc Value)>(), inputsAreLists: true);
    }

    /// <summary>
    /// Dask's <c>foldby(key, binop)</c> with one function: per key, the elements reduced with <paramref name="reduce"/>
    /// (within partitions and across them, so it must be associative), as a one-partition bag of (key, value) in order
    /// of first appearance of the key. See <see cref="FoldBy{TKey, TAcc}(Func{T, TKey}, TAcc, Func{TAcc, T, TAcc}, Func{TAcc, TAcc, TAcc}, int)"/>.
    /// </summary>
    public Bag<(TKey Key, T Value)> FoldBy<TKey>(Func<T, TKey> key, Func<T, T, T> reduce, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(reduce);
        var steps = new FirstThenReduce<T>(reduce);
        return FoldBy(key, default((bool, T)), steps.Add, steps.Combine, splitEvery).Map<(TKey Key, T Value)>(FirstThenReduce<T>.Value<TKey>);
    }

    /// <summary>
    /// Dask's <c>topk</c>: the <paramref name="k"/> largest elements by <see cref="Comparer{T}.Default"/>, largest first
    /// (equal elements in order of appearance), as a one-partition bag. Each partition keeps its own top k, then the
    /// partial lists are merged as a tree, so no task holds more than <c>k × splitEvery</c> elements.
    /// </summary>
    public Bag<T> TopK(int k, int splitEvery = DefaultSplitEvery) => TopK(k, BagFunctions<T>.Identity, splitEvery);

    /// <summary>
    /// Dask's <c>topk(k, key)</c>: the <paramref name="k"/> elements with the largest <paramref name="key"/>, largest first
    /// (equal keys in order of appearance), as a one-partition bag. Use a negated key for the smallest.
    /// </summary>
    public Bag<T> TopK<TKey>(int k, Func<T, TKey> key, int splitEvery = DefaultSplitEvery)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentNullException.ThrowIfNull(key);
        TreeReduction.CheckSplitEvery(splitEvery);
        var selector = new TopKSelector<T, TKey>(k, key);
        var token = TokenFor("topk", k, key, splitEvery);
        var parts = PerPartition(Name + "-topk", token, new PartitionAggregate<T, List<T>>(Producer, selector.Of).Run);
        var root = Tree<List<T>>(parts, selector.Merge, "topk-combine", token, splitEvery);
        return new Bag<T>("topk", token, [root.AsArg()], new ListSource<T>(), inputsAreLists: true);
    }

    /// <summary>
    /// Dask's <c>distinct(key)</c> under LINQ's name: the first element of each distinct <paramref name="key"/> (by
    /// <see cref="EqualityComparer{T}.Default"/> of the key), in order of first appearance, as a one-partition bag.
    /// </summary>
    public Bag<T> DistinctBy<TKey>(Func<T, TKey> key, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(key);
        TreeReduction.CheckSplitEvery(splitEvery);
        var distinct = new DistinctByKey<T, TKey>(key);
        var token = TokenFor("distinct-by", key, splitEvery);
        var parts = PerPartition(Name + "-distinct-by", token, new PartitionAggregate<T, List<T>>(Producer, distinct.Of).Run);
        var root = Tree<List<T>>(parts, distinct.Merge, "distinct-by-combine", token, splitEvery);
        return new Bag<T>("distinct-by", token, [root.AsArg()], new ListSource<T>(), inputsAreLists: true);
    }

    /// <summary>Whether <paramref name="predicate"/> holds for some element (false for an empty bag); Dask's <c>any()</c> is <c>Any(x =&gt; x)</c>.</summary>
    public Delayed<bool> Any(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Fold(false, new Quantifier<T>(predicate).Some, BagFunctions<T>.Or);
    }

    /// <summary>Whether <paramref name="predicate"/> holds for every element (true for an empty bag); Dask's <c>all()</c> is <c>All(x =&gt; x)</c>.</summary>
    public Delayed<bool> All(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Fold(true, new Quantifier<T>(predicate).Every, BagFunctions<T>.And);
    }
}

/// <summary>Folds one partition into (key, accumulator) pairs in order of first appearance (the per-partition task of <c>FoldBy</c>).</summary>
internal sealed record PartitionFoldBy<T, TKey, TAcc>(PartitionProducer<T> Producer, Func<T, TKey> Key, TAcc Seed, Func<TAcc, T, TAcc> Add)
{
    /// <summary>The partition's (key, accumulator) pairs.</summary>
    public List<(TKey, TAcc)> Run(object? input, int partition)
    {
        var sink = new KeyedFoldSink<T, TKey, TAcc>(Key, Seed, Add);
        Producer.Produce(input, partition, sink);
        return sink.Pairs;
    }
}

/// <summary>
/// One accumulator per key, in order of first appearance. Keys are wrapped in a <see cref="ValueTuple{T1}"/> so that
/// null is a key like any other (a dictionary refuses null keys).
/// </summary>
internal sealed class KeyedFoldSink<T, TKey, TAcc>(Func<T, TKey> key, TAcc seed, Func<TAcc, T, TAcc> add) : ElementSink<T>
{
    private readonly Dictionary<ValueTuple<TKey>, int> _index = new();

    /// <summary>The (key, accumulator) pairs so far.</summary>
    public List<(TKey, TAcc)> Pairs { get; } = new();

    /// <inheritdoc />
    public override void Push(T item)
    {
        var k = key(item);
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, new ValueTuple<TKey>(k), out bool exists);
        if (!exists)
        {
            slot = Pairs.Count;
            Pairs.Add((k, add(seed, item)));
        }
        else
        {
            ref var pair = ref CollectionsMarshal.AsSpan(Pairs)[slot];
            pair.Item2 = add(pair.Item2, item);
        }
    }
}

/// <summary>Merges partial (key, accumulator) lists in order, joining the accumulators of a key with the user's combine.</summary>
internal sealed record FoldByMerge<TKey, TAcc>(Func<TAcc, TAcc, TAcc> Combine)
{
    /// <summary>The merged pairs, keys in order of first appearance across the inputs.</summary>
    public List<(TKey, TAcc)> Run(IReadOnlyList<List<(TKey, TAcc)>> parts)
    {
        var index = new Dictionary<ValueTuple<TKey>, int>();
        var merged = new List<(TKey, TAcc)>();
        foreach (var part in parts)
            foreach (var (k, acc) in part)
            {
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(index, new ValueTuple<TKey>(k), out bool exists);
                if (!exists)
                {
                    slot = merged.Count;
                    merged.Add((k, acc));
                }
                else
                {
                    ref var pair = ref CollectionsMarshal.AsSpan(merged)[slot];
                    pair.Item2 = Combine(pair.Item2, acc);
                }
            }
        return merged;
    }
}

/// <summary>The one-function <c>FoldBy</c>: the first element of a key starts its value, later ones are reduced into it.</summary>
internal sealed record FirstThenReduce<T>(Func<T, T, T> Reduce)
{
    /// <summary>Adds an element to a key's (started, value).</summary>
    public (bool, T) Add((bool Has, T Value) acc, T item) => acc.Has ? (true, Reduce(acc.Value, item)) : (true, item);

    /// <summary>Joins two partial values of one key.</summary>
    public (bool, T) Combine((bool Has, T Value) a, (bool Has, T Value) b) => !a.Has ? b : !b.Has ? a : (true, Reduce(a.Value, b.Value));

    /// <summary>The key's value (every key in the result has seen at least one element).</summary>
    public static (TKey Key, T Value) Value<TKey>((TKey Key, (bool, T Value) Acc) pair) => (pair.Key, pair.Acc.Value);
}

/// <summary>The k largest by key, largest first, equal keys in order (a stable sort).</summary>
internal sealed record TopKSelector<T, TKey>(int K, Func<T, TKey> Key)
{
    /// <summary>The top k of one partition.</summary>
    public List<T> Of(IReadOnlyList<T> items) => [.. items.OrderByDescending(Key, Comparer<TKey>.Default).Take(K)];

    /// <summary>The top k of partial top-k lists, in partition order.</summary>
    public List<T> Merge(IReadOnlyList<List<T>> parts) => Of(parts.SelectMany(p => p).ToList());
}

/// <summary>The first element of each key, in order of first appearance (null keys included).</summary>
internal sealed record DistinctByKey<T, TKey>(Func<T, TKey> Key)
{
    /// <summary>The distinct-by-key elements of one partition.</summary>
    public List<T> Of(IReadOnlyList<T> items) => Merge([items]);

    /// <summary>Merges per-partition results, keeping the first element of a key across the inputs in order.</summary>
    public List<T> Merge(IReadOnlyList<IReadOnlyList<T>> parts)
    {
        var seen = new HashSet<ValueTuple<TKey>>();
        var result = new List<T>();
        foreach (var part in parts)
            foreach (var x in part)
                if (seen.Add(new ValueTuple<TKey>(Key(x)))) result.Add(x);
        return result;
    }

    /// <summary>Merges per-partition lists (the combine step of the tree).</summary>
    public List<T> Merge(IReadOnlyList<List<T>> parts) => Merge(parts.Cast<IReadOnlyList<T>>().ToList());
}

/// <summary>The fold steps of <c>Any</c> and <c>All</c>.</summary>
internal sealed record Quantifier<T>(Func<T, bool> Predicate)
{
    /// <summary>Fold step of <c>Any</c> (the predicate is not called once an element matched).</summary>
    public bool Some(bool found, T item) => found || Predicate(item);

    /// <summary>Fold step of <c>All</c> (the predicate is not called once an element failed).</summary>
    public bool Every(bool all, T item) => all && Predicate(item);
}
