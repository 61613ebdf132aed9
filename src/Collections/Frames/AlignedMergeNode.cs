namespace TaskGraph.Frames;

/// <summary>
/// A merge of two frames indexed on their join keys with the same divisions (Dask's merge of frames with known
/// divisions): every key's rows are in partition i on both sides, so output partition i joins left partition i
/// with right partition i. No shuffle, no broadcast: n join tasks.
/// <code>
///   left0  left1  left2      both sides split at the same divisions
///     |  \   |  \   |  \
///     |  right0 right1 right2
///   join0   join1   join2    join_i = left_i ⋈ right_i
/// </code>
/// </summary>
internal sealed class AlignedMergeNode(Frame left, Frame right, MergeSpec spec) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => spec.Schema;

    /// <inheritdoc />
    public override int NPartitions => left.NPartitions;

    private static Table JoinPair(JoinBucketTask p, Table[] pair)
        => Pipeline.Run(p.Spec.Join(pair[0], pair[1], null, true), p.Ops);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var keep = spec.Output.Where(c => needed.Contains(c.Name)).ToList();
        var leftCols = spec.LeftKeys.Concat(keep.Where(c => c.Left is not null).Select(c => c.Left!)).ToHashSet();
        var rightCols = spec.RightKeys.Concat(keep.Where(c => c.Right is not null).Select(c => c.Right!)).ToHashSet();
        var narrowed = spec with { Output = keep.ToArray(), Schema = new Schema(keep.Select(c => Schema[c.Name])) };
        var task = new JoinBucketTask(narrowed, Restrict(narrowed.Schema, needed, ops),
            new Schema(left.Schema.Fields.Where(f => leftCols.Contains(f.Name))), new Schema(right.Schema.Fields.Where(f => rightCols.Contains(f.Name))));
        var lParts = left.LowerPartitions(leftCols);
        var rParts = right.LowerPartitions(rightCols);
        var join = LayerStep.Many<JoinBucketTask, Table, Table>("join-aligned", JoinPair, task);
        var stage = LayerToken.Stage(layer, "join-aligned");
        return lParts.Select((l, i) => join.Call(stage[i], [l, rParts[i]])).ToArray();
    }
}
