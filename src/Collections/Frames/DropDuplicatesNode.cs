namespace TaskGraph.Frames;

/// <summary>Drops duplicate rows (by <c>subset</c> columns, keeping the first): rows are hash-shuffled (<see cref="HashShuffle"/>) by those columns so equal rows meet in one bucket.</summary>
internal sealed class DropDuplicatesNode(Frame input, string[] subset) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;
    /// <inheritdoc />
    public override int NPartitions => input.NPartitions;

    /// <summary>The first row of every distinct <paramref name="subset"/> value, in order.</summary>
    public static Table Distinct(Table t, string[] subset)
    {
        var gi = GroupIndex.Build(t, subset, keepMissing: true);
        return t.Take(gi.FirstRow, gi.Count);
    }

    private static Table Bucket(DedupBucketTask p, Table[] pieces) => Pipeline.Run(Distinct(Table.Concat(pieces, p.Schema), p.Subset), p.Ops);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var cols = needed.Concat(subset).Distinct().ToArray();
        var inSchema = new Schema(input.Schema.Fields.Where(f => cols.Contains(f.Name)));
        var parts = input.LowerPartitions(cols);
        var all = Restrict(inSchema, needed, ops);
        int n = parts.Length;
        var splits = HashShuffle.Split(parts, layer, new TableSplit(subset, n).Step("dedup-split"));
        return HashShuffle.Gather(splits, n, layer, LayerStep.Gather<DedupBucketTask, Table, Table>("dedup-bucket", Bucket, new DedupBucketTask(inSchema, subset, all)));
    }
}

/// <summary>The parameters of a drop-duplicates output task: the input schema, the subset columns, the steps after it.</summary>
internal sealed record DedupBucketTask(Schema Schema, string[] Subset, PartitionOp[] Ops);
