namespace TaskGraph.Frames;

/// <summary>A frame grouped by key columns, waiting for its aggregations.</summary>
public sealed class GroupedFrame
{
    private readonly Frame _frame;
    private readonly string[] _keys;
    private readonly bool _dropNa;
    private int _splitEvery = 8;
    private int _splitOut = 1;

    internal GroupedFrame(Frame frame, string[] keys, bool dropNa)
    {
        foreach (var k in keys) frame.Schema.IndexOf(k);
        _frame = frame;
        _keys = keys;
        _dropNa = dropNa;
    }

    /// <summary>Partials combined per node of the reduction tree (Dask's <c>split_every</c>, default 8).</summary>
    public GroupedFrame SplitEvery(int n) { _splitEvery = n; return this; }

    /// <summary>Output partitions, hash-partitioned by key (Dask's <c>split_out</c>, default 1); use it for many groups.</summary>
    public GroupedFrame SplitOut(int n) { _splitOut = n; return this; }

    /// <summary>The aggregated frame: key columns, then one column per aggregation; rows sorted by key within each partition.</summary>
    public Frame Agg(params Aggregation[] aggs) => new(new GroupByNode(_frame, _keys, aggs, _splitEvery, _splitOut, _dropNa));

    /// <summary>Row count per group (column <c>count</c>).</summary>
    public Frame Count() => Agg(Frames.Agg.Count());
}
