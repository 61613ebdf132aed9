namespace TaskGraph.Frames;

/// <summary>
/// The cross join (Cartesian product, pandas' <c>merge(how="cross")</c>) of a frame with a small one: the small
/// frame is concatenated into one table once and broadcast; every partition of the large frame pairs each of its
/// rows with every small row (left rows in order, for each the right rows in order). Output partitions = the large
/// frame's partitions, each <c>rows × small rows</c> long. Names both sides share get the suffixes.
/// </summary>
internal sealed class CrossJoinNode : PlanNode
{
    /// <summary>Creates the node and its output columns.</summary>
    public CrossJoinNode(Frame left, Frame right, (string Left, string Right) suffixes)
    {
        Left = left;
        Right = right;
        var leftNames = left.Schema.Names.ToHashSet();
        var rightNames = right.Schema.Names.ToHashSet();
        var cols = new List<MergeColumn>();
        foreach (var f in left.Schema.Fields)
            cols.Add(new MergeColumn(rightNames.Contains(f.Name) ? f.Name + suffixes.Left : f.Name, 0, f.Name, null));
        foreach (var f in right.Schema.Fields)
            cols.Add(new MergeColumn(leftNames.Contains(f.Name) ? f.Name + suffixes.Right : f.Name, 1, null, f.Name));
        Output = cols.ToArray();
        Schema = new Schema(cols.Select(c => c.Side == 0 ? left.Schema[c.Left!] with { Name = c.Name } : right.Schema[c.Right!] with { Name = c.Name }));
    }

    /// <summary>The large side (its partitions are the output's).</summary>
    public Frame Left { get; }
    /// <summary>The small side (broadcast whole).</summary>
    public Frame Right { get; }
    /// <summary>Where each output column comes from.</summary>
    public MergeColumn[] Output { get; }

    /// <inheritdoc />
    public override Schema Schema { get; }

    /// <inheritdoc />
    public override int NPartitions => Left.NPartitions;

    private static Table ConcatRight(CrossRightTask p, Table[] parts) => Table.Concat(parts, p.Schema);

    private static readonly TaskFunction PairFn = TaskFunction.Create(
        (Func<Table, Table, CrossJoinTask, Table>)Pair, TaskInvokers.Call3<Table, Table, CrossJoinTask, Table>, "cross-join");

    /// <summary>Every row of <paramref name="left"/> with every row of <paramref name="right"/>.</summary>
    internal static Table Pair(Table left, Table right, CrossJoinTask p)
    {
        long total = (long)left.RowCount * right.RowCount;
        if (total > Array.MaxLength)
            throw new InvalidOperationException($"A cross join partition would have {total} rows ({left.RowCount} × {right.RowCount}); split the large frame into more partitions.");
        int n = (int)total, m = right.RowCount;
        var li = new int[n];
        var ri = new int[n];
        for (int i = 0, k = 0; i < left.RowCount; i++)
            for (int j = 0; j < m; j++, k++) { li[k] = i; ri[k] = j; }
        var cols = p.Output.Select(c => c.Side == 0 ? left[c.Left!].Take(li, n) : right[c.Right!].Take(ri, n)).ToArray();
        return Pipeline.Run(new Table(p.Schema, cols, n), p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var keep = Output.Where(c => needed.Contains(c.Name)).ToArray();
        var leftCols = keep.Where(c => c.Side == 0).Select(c => c.Left!).ToArray();
        var rightCols = keep.Where(c => c.Side == 1).Select(c => c.Right!).ToArray();
        var rSchema = new Schema(Right.Schema.Fields.Where(f => rightCols.Contains(f.Name)));
        var outSchema = new Schema(keep.Select(c => Schema[c.Name]));
        var p = new CrossJoinTask(keep, outSchema, Restrict(outSchema, needed, ops));
        var right = LayerStep.Many<CrossRightTask, Table, Table>("cross-join-right", ConcatRight, new CrossRightTask(rSchema))
            .Call(LayerToken.Key("cross-join-right", layer, 0), Right.LowerPartitions(rightCols));
        var stage = LayerToken.Stage(layer, "cross-join");
        return Left.LowerPartitions(leftCols).Select((part, i) => TaskSpec.Call(stage[i], PairFn, TaskArg.Of(part), TaskArg.Of(right), TaskArg.Value(p))).ToArray();
    }
}

/// <summary>The parameters of a cross join's broadcast task: the small side's schema.</summary>
internal sealed record CrossRightTask(Schema Schema);

/// <summary>The parameters of a cross join's pairing tasks: output columns and schema, and the steps after it.</summary>
internal sealed record CrossJoinTask(MergeColumn[] Output, Schema Schema, PartitionOp[] Ops);
