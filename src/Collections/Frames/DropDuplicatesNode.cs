namespace TaskGraph.Frames;

/// <summary>Drops duplicate rows (by <c>subset</c> columns, keeping the first): rows are hash-shuffled by those columns so equal rows meet in one bucket.</summary>
internal sealed class DropDuplicatesNode(Frame input, string[] subset) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;
    /// <inheritdoc />
    public override int NPartitions => input.NPartitions;

    private static readonly TaskFunction SplitFn = TaskFunction.Create((Func<Table, string[], int, Table[]>)MergeNode.HashSplit, TaskInvokers.Call3<Table, string[], int, Table[]>, "dedup-split");
    private static readonly TaskFunction BucketFn = TaskFunction.Create((Func<object?[], Table>)Bucket, TaskInvokers.CallArgs<Table>, "dedup-bucket");

    /// <summary>The first row of every distinct <paramref name="subset"/> value, in order.</summary>
    public static Table Distinct(Table t, string[] subset)
    {
        var gi = GroupIndex.Build(t, subset, keepMissing: true);
        return t.Take(gi.FirstRow, gi.Count);
    }

    // args: piece, schema, subset, ops, splits...
    private static Table Bucket(object?[] a)
    {
        int j = (int)a[0]!;
        var t = Table.Concat(a.Skip(4).Select(x => ((Table[])x!)[j]).ToList(), (Schema)a[1]!);
        return Pipeline.Run(Distinct(t, (string[])a[2]!), (PartitionOp[])a[3]!);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var cols = needed.Concat(subset).Distinct().ToArray();
        var inSchema = new Schema(input.Schema.Fields.Where(f => cols.Contains(f.Name)));
        var parts = input.LowerPartitions(cols);
        var all = Restrict(inSchema, needed, ops);
        int n = parts.Length;
        var splits = parts.Select((p, i) => TaskSpec.Call(PartKey("dedup-split", layer, i), SplitFn, TaskArg.Of(p), TaskArg.Value(subset), TaskArg.Value(n))).ToList();
        var result = new TaskSpec[n];
        for (int j = 0; j < n; j++)
        {
            var args = new List<TaskArg> { TaskArg.Value(j), TaskArg.Value(inSchema), TaskArg.Value(subset), TaskArg.Value(all) };
            args.AddRange(splits.Select(TaskArg.Of));
            result[j] = TaskSpec.Call(PartKey("dedup-bucket", layer, j), BucketFn, args.ToArray());
        }
        return result;
    }
}
