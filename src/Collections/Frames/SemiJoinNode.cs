namespace TaskGraph.Frames;

/// <summary>
/// A semi join (the left rows that have a match on the right) or an anti join (the left rows that have none):
/// the output has the left frame's columns and rows, in order, each at most once, however many right rows match
/// (pandas writes these as <c>left[left.key.isin(right.key)]</c> and its negation; Dask's merge has
/// <c>how="leftsemi"</c>). Keys match like <see cref="Frame.Merge"/>'s (missing matches missing, as in pandas' merge).
/// A right side of at most <c>broadcastMaxPartitions</c> partitions is indexed once and every left partition probes
/// it (no shuffle, output partitions = left partitions); otherwise both sides are hash-shuffled by key into
/// <c>partitions</c> buckets and bucket j filters the j-th left pieces against the j-th right pieces.
/// </summary>
internal sealed class SemiJoinNode : PlanNode
{
    /// <summary>Creates the node; key columns and types are checked now.</summary>
    public SemiJoinNode(Frame left, Frame right, string[] leftKeys, string[] rightKeys, bool anti, int broadcastMaxPartitions, int? partitions)
    {
        if (leftKeys.Length == 0 || leftKeys.Length != rightKeys.Length) throw new ArgumentException("Give the same number (at least one) of left and right key columns.");
        for (int k = 0; k < leftKeys.Length; k++)
        {
            var lt = left.Schema[leftKeys[k]].Type;
            var rt = right.Schema[rightKeys[k]].Type;
            if (lt != rt) throw new InvalidOperationException($"{(anti ? "Anti" : "Semi")} join key types differ: left '{leftKeys[k]}' is {lt}, right '{rightKeys[k]}' is {rt}.");
        }
        if (partitions is < 1) throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "At least one output partition.");
        Left = left;
        Right = right;
        LeftKeys = leftKeys;
        RightKeys = rightKeys;
        Anti = anti;
        Broadcast = right.NPartitions <= broadcastMaxPartitions;
        Buckets = partitions ?? Math.Max(left.NPartitions, right.NPartitions);
    }

    /// <summary>The frame whose rows are kept or dropped.</summary>
    public Frame Left { get; }
    /// <summary>The frame whose keys decide.</summary>
    public Frame Right { get; }
    /// <summary>Left key columns.</summary>
    public string[] LeftKeys { get; }
    /// <summary>Right key columns.</summary>
    public string[] RightKeys { get; }
    /// <summary>Keep the rows without a match (anti join) instead of those with one.</summary>
    public bool Anti { get; }
    /// <summary>The right side is indexed once and broadcast to every left partition.</summary>
    public bool Broadcast { get; }
    /// <summary>Output partitions of a shuffled join.</summary>
    public int Buckets { get; }

    /// <inheritdoc />
    public override Schema Schema => Left.Schema;

    /// <inheritdoc />
    public override int NPartitions => Broadcast ? Left.NPartitions : Buckets;

    /// <summary>The rows of <paramref name="left"/> with (or, for an anti join, without) a match in <paramref name="index"/>.</summary>
    internal static Table Filter(Table left, string[] leftKeys, JoinIndex index, bool anti)
    {
        var (probe, build, count) = index.Match(left, leftKeys, keepProbeUnmatched: true, keepBuildUnmatched: false);
        // pairs come in probe order, an unmatched row once as (row, -1): keep each row once
        var rows = new int[left.RowCount];
        int kept = 0, last = -1;
        for (int i = 0; i < count; i++)
        {
            int r = probe[i];
            if (r == last) continue;
            last = r;
            if ((build[i] < 0) == anti) rows[kept++] = r;
        }
        return kept == left.RowCount ? left : left.Take(rows, kept);
    }

    private static JoinIndex Index(JoinIndexTask p, Table[] parts) => new(Table.Concat(parts, p.Schema), p.Keys);

    private static readonly TaskFunction ProbeFn = TaskFunction.Create(
        (Func<Table, JoinIndex, SemiJoinTask, Table>)Probe, TaskInvokers.Call3<Table, JoinIndex, SemiJoinTask, Table>, "semi-join-broadcast");

    private static Table Probe(Table part, JoinIndex index, SemiJoinTask p) => Pipeline.Run(Filter(part, p.LeftKeys, index, p.Anti), p.Ops);

    private static Table FilterBucket(SemiJoinTask p, Table[] left, Table[] right)
        => Pipeline.Run(Filter(Table.Concat(left, p.LeftSchema), p.LeftKeys, new JoinIndex(Table.Concat(right, p.RightSchema), p.RightKeys), p.Anti), p.Ops);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var leftCols = needed.Concat(LeftKeys).ToHashSet();
        var lSchema = new Schema(Left.Schema.Fields.Where(f => leftCols.Contains(f.Name)));
        var rSchema = new Schema(Right.Schema.Fields.Where(f => RightKeys.Contains(f.Name)));
        var p = new SemiJoinTask(LeftKeys, RightKeys, Anti, Restrict(lSchema, needed, ops), lSchema, rSchema);
        var lParts = Left.LowerPartitions(leftCols);
        var rParts = Right.LowerPartitions(RightKeys);
        if (Broadcast)
        {
            var index = LayerStep.Many<JoinIndexTask, Table, JoinIndex>("semi-join-index", Index, new JoinIndexTask(RightKeys, rSchema))
                .Call(LayerToken.Key("semi-join-index", layer, 0), rParts);
            var probes = LayerToken.Stage(layer, "semi-join-broadcast");
            return lParts.Select((part, i) => TaskSpec.Call(probes[i], ProbeFn, TaskArg.Of(part), TaskArg.Of(index), TaskArg.Value(p))).ToArray();
        }
        int n = Buckets;
        var ls = HashShuffle.Split(lParts, layer, new TableSplit(LeftKeys, n).Step("shuffle-split-left"));
        var rs = HashShuffle.Split(rParts, layer, new TableSplit(RightKeys, n).Step("shuffle-split-right"));
        return HashShuffle.Join(ls, rs, n, layer, LayerStep.Gather<SemiJoinTask, Table, Table, Table>("semi-join-bucket", FilterBucket, p));
    }
}

/// <summary>The parameters of a semi or anti join's output tasks: keys, which rows to keep, the steps after it, both sides' schemas.</summary>
internal sealed record SemiJoinTask(string[] LeftKeys, string[] RightKeys, bool Anti, PartitionOp[] Ops, Schema LeftSchema, Schema RightSchema);
