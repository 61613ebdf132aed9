namespace TaskGraph.Collections;

/// <summary>
/// The one tree reduction of the collections (Dask's <c>_tree_reduce</c> inside <c>apply_concat_apply</c>): a
/// collection makes its chunk tasks (one partial per partition or block, usually fused into the partition's own
/// task) and supplies its combine and aggregate steps; this layer draws the tree. Partials are combined
/// <c>splitEvery</c> at a time, level after level, until at most <c>splitEvery</c> are left, and one aggregate task
/// takes those. 26 partials with splitEvery 3:
/// <code>
///   chunk  p0 p1 p2   p3 p4 p5   ...   p24 p25       26 partials (the collection's tasks)
///           \ | /      \ | /             \ /
///   combine   c0         c1     ...       c8          level 0: 9 tasks (a group of 2 at the end)
///              \    |    /          \  |  /
///   combine       c'0       c'1       c'2             level 1: 3 tasks
///                    \       |       /
///   aggregate           aggregate                     the result (at most splitEvery inputs)
/// </code>
/// A group of one partial is not wrapped in a task (it moves up a level as it is). With no aggregate step
/// (<see cref="Reduce"/>'s <c>aggregate</c> null) the combine step also ends the tree, and a single partial is the
/// result itself. With split_out (<see cref="ReduceSplit"/>) every partial is split by key hash into n pieces and
/// output j aggregates the j-th pieces (a <see cref="HashShuffle"/> gather), so no task holds every group:
/// <code>
///   chunk    p0      p1      p2
///   split   s0 ─┐   s1 ─┐   s2 ─┐        each returns n pieces
///            ╲  ╳    ╲  ╳    ╲          output j reads piece j of every split
///   aggregate  out0    out1  ...         n outputs
/// </code>
/// Keys: each combine level and the aggregate are stages of the caller's layer token (<see cref="LayerToken"/>), the
/// tree's <c>output</c> index and the level in their tokens, so levels, outputs and parameters never share a key.
/// </summary>
internal static class TreeReduction
{
    /// <summary>The default number of partials one tree task combines (Dask's <c>split_every</c>).</summary>
    public const int DefaultSplitEvery = 8;

    /// <summary>The one check of split_every, with the one message every collection gives.</summary>
    public static int CheckSplitEvery(int splitEvery, string paramName = "splitEvery")
    {
        if (splitEvery < 2)
            throw new ArgumentOutOfRangeException(paramName, splitEvery, $"split_every must be at least 2 (a tree task combines at least two partials), got {splitEvery}.");
        return splitEvery;
    }

    /// <summary>The one check of split_out.</summary>
    public static int CheckSplitOut(int splitOut, string paramName = "splitOut")
    {
        if (splitOut < 1)
            throw new ArgumentOutOfRangeException(paramName, splitOut, $"split_out must be at least 1, got {splitOut}.");
        return splitOut;
    }

    /// <summary>
    /// The tree over <paramref name="partials"/> (in order: a combine that is associative but not commutative gives
    /// the sequential result): combine levels, then <paramref name="aggregate"/> over the last at most
    /// <paramref name="splitEvery"/>. Without an aggregate step, combine levels run down to one task (a single
    /// partial is returned as it is; with none, one combine task of no inputs). <paramref name="output"/> tells the
    /// trees of one layer apart (an array reduction builds one tree per output block).
    /// </summary>
    public static TaskSpec Reduce(IReadOnlyList<TaskSpec> partials, int splitEvery, Token layer, LayerStep combine, LayerStep? aggregate, int output = 0)
    {
        CheckSplitEvery(splitEvery);
        var level = partials as TaskSpec[] ?? partials.ToArray();
        int stop = aggregate is null ? 1 : splitEvery;
        if (aggregate is null && level.Length == 0) return combine.Call(LayerToken.Stage(layer, combine.Name, Top)[output], []);
        for (int depth = 0; level.Length > stop; depth++)
        {
            var stage = LayerToken.Stage(layer, combine.Name, Level(output, depth));
            var next = new TaskSpec[(level.Length + splitEvery - 1) / splitEvery];
            for (int g = 0; g < next.Length; g++)
            {
                int lo = g * splitEvery, hi = Math.Min(level.Length, lo + splitEvery);
                next[g] = hi - lo == 1 ? level[lo] : combine.Call(stage[g], level.AsSpan(lo, hi - lo));
            }
            level = next;
        }
        return aggregate is null ? level[0] : aggregate.Call(LayerToken.Stage(layer, aggregate.Name, Top)[output], level);
    }

    /// <summary>
    /// split_out: <paramref name="split"/> cuts each partial into <paramref name="splitOut"/> pieces by key hash,
    /// and output j runs <paramref name="aggregate"/> (a <see cref="LayerStep.Gather{TParams, TIn, R}"/> step) on
    /// piece j of every split. With split_out 1 this is <see cref="Reduce"/>.
    /// </summary>
    public static TaskSpec[] ReduceSplit(IReadOnlyList<TaskSpec> partials, int splitEvery, int splitOut, Token layer,
        LayerStep combine, LayerStep aggregate, LayerStep split, LayerStep oneOutput)
    {
        CheckSplitEvery(splitEvery);
        CheckSplitOut(splitOut);
        if (splitOut == 1) return [Reduce(partials, splitEvery, layer, combine, oneOutput)];
        var splits = HashShuffle.Split(partials, layer, split);
        return HashShuffle.Gather(splits, splitOut, layer, aggregate);
    }

    // The aggregate's stage level: apart from every combine level, also when both steps share a name (matmul-sum).
    private const long Top = -1;

    // Distinct stage levels for (output, depth): trees of different outputs and levels never share a stage token.
    private static long Level(int output, int depth) => ((long)output << 20) | (uint)depth;
}
