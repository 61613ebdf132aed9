namespace TaskGraph.Bags;

/// <summary>
/// Combines per-partition results as a tree (Dask's <c>split_every</c>): groups of up to <c>splitEvery</c>
/// results are combined by one task each, level after level, down to one. 100 partitions with splitEvery 8
/// take 13 + 2 + 1 combine tasks instead of one task holding all 100 inputs at once.
/// <code>
///   p0 p1 .. p7   p8 .. p15  ...
///    \  |   /      \   /
///     agg[0]       agg[1]   ...     level 0
///          \        /
///           agg[0]                  level 1 (the result)
/// </code>
/// </summary>
internal static class TreeReduction
{
    /// <summary>The tree over <paramref name="parts"/>; with no parts, <paramref name="combine"/> of an empty list.</summary>
    public static Delayed<TAcc> Reduce<TAcc>(TaskSpec[] parts, Func<IReadOnlyList<TAcc>, TAcc> combine, string name, Token token, int splitEvery)
    {
        if (splitEvery < 2) throw new ArgumentOutOfRangeException(nameof(splitEvery), splitEvery, "A tree reduction combines at least 2 results per task.");
        var fn = TaskFunction.Create(new Func<object?[], TAcc>(new GroupCombiner<TAcc>(combine).Run), TaskInvokers.CallArgs<TAcc>, name);
        if (parts.Length == 0) return Delayed.FromSpec<TAcc>(TaskSpec.Call(TaskKey.ForPartition(name, Bag<TAcc>.LayerToken(token, name), 0), fn));
        var level = parts;
        for (int depth = 0; level.Length > 1; depth++)
        {
            // The operation's token covers split_every already (it shapes every level); the level and name tell layers apart.
            var b = new TokenBuilder("tree-level");
            b.Add(token);
            b.Add((ulong)depth);
            b.Add((ulong)splitEvery);
            b.Add(name);
            var levelToken = b.Finish();
            var next = new TaskSpec[(level.Length + splitEvery - 1) / splitEvery];
            for (int g = 0; g < next.Length; g++)
            {
                int lo = g * splitEvery, hi = Math.Min(level.Length, lo + splitEvery);
                var args = new TaskArg[hi - lo];
                for (int i = lo; i < hi; i++) args[i - lo] = TaskArg.Of(level[i]);
                next[g] = TaskSpec.Call(TaskKey.ForPartition(name, levelToken, g), fn, args);
            }
            level = next;
        }
        return Delayed.FromSpec<TAcc>(level[0]);
    }
}

/// <summary>Adapts a typed list combiner to the untyped argument array of a task (plain data: holds only the user's delegate).</summary>
internal sealed class GroupCombiner<TAcc>(Func<IReadOnlyList<TAcc>, TAcc> combine)
{
    private readonly Func<IReadOnlyList<TAcc>, TAcc> _combine = combine;

    /// <summary>Combines the task's inputs, in order.</summary>
    public TAcc Run(object?[] args)
    {
        var items = new TAcc[args.Length];
        for (int i = 0; i < args.Length; i++) items[i] = (TAcc)args[i]!;
        return _combine(items);
    }
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
