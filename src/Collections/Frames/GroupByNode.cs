namespace TaskGraph.Frames;

/// <summary>
/// Group-by aggregation as apply–concat–apply: a chunk task per input partition (fused with the partition's own
/// task by the graph's linear fusion), then a tree of combine tasks, <see cref="SplitEvery"/> partials at a time,
/// and a finalize. With <see cref="SplitOut"/> &gt; 1 every partial is split by key hash and output partition j
/// combines the j-th pieces, so no single task has to hold every group.
/// </summary>
internal sealed class GroupByNode : PlanNode
{
    /// <summary>Creates the node (validates columns and types now, at build time).</summary>
    public GroupByNode(Frame input, string[] keys, Aggregation[] aggs, int splitEvery, int splitOut, bool dropNa = true)
    {
        if (aggs.Length == 0) throw new ArgumentException("Give at least one aggregation.");
        if (splitEvery < 2) throw new ArgumentOutOfRangeException(nameof(splitEvery), "split_every must be at least 2.");
        if (splitOut < 1) throw new ArgumentOutOfRangeException(nameof(splitOut), "split_out must be at least 1.");
        Input = input;
        Keys = keys;
        Aggs = aggs;
        SplitEvery = splitEvery;
        SplitOut = splitOut;
        DropNa = dropNa;
        var fields = keys.Select(k => input.Schema[k]).ToList();
        foreach (var a in aggs) fields.Add(new Field(a.Name, a.OutputType(input.Schema)));
        Schema = new Schema(fields);
    }

    /// <summary>The grouped frame.</summary>
    public Frame Input { get; }
    /// <summary>Key columns.</summary>
    public string[] Keys { get; }
    /// <summary>The aggregations.</summary>
    public Aggregation[] Aggs { get; }
    /// <summary>Partials combined per tree node.</summary>
    public int SplitEvery { get; }
    /// <summary>Output partitions.</summary>
    public int SplitOut { get; }
    /// <summary>Rows with a missing value in any key column are dropped (pandas' <c>dropna=True</c>); otherwise missing keys form groups.</summary>
    public bool DropNa { get; }

    /// <inheritdoc />
    public override Schema Schema { get; }

    /// <inheritdoc />
    public override int NPartitions => SplitOut;

    private static readonly TaskFunction ChunkFn = TaskFunction.Create(
        (Func<Table, string[], Aggregation[], Expr?, bool, AggPartial>)AggPartial.Chunk, TaskInvokers.Call5<Table, string[], Aggregation[], Expr?, bool, AggPartial>, "agg-chunk");

    private static readonly TaskFunction CombineFn = TaskFunction.Create(
        (Func<object?[], AggPartial>)CombineArgs, TaskInvokers.CallArgs<AggPartial>, "agg-combine");

    private static readonly TaskFunction SplitFn = TaskFunction.Create(
        (Func<AggPartial, int, string[], AggPartial[]>)SplitPartial, TaskInvokers.Call3<AggPartial, int, string[], AggPartial[]>, "agg-split");

    private static readonly TaskFunction FinalFn = TaskFunction.Create(
        (Func<object?[], Table>)FinalizeArgs, TaskInvokers.CallArgs<Table>, "agg-finalize");

    private static AggPartial[] SplitPartial(AggPartial p, int n, string[] keys) => p.Split(n, keys);

    // args: keys, aggs, dropNa, partials...
    private static AggPartial CombineArgs(object?[] a)
        => AggPartial.Combine(a.Skip(3).Cast<AggPartial>().ToList(), (string[])a[0]!, (Aggregation[])a[1]!, (bool)a[2]!);

    // args: keys, aggs, dropNa, schema, ops, piece (-1 = whole partials, else index into split arrays), inputs...
    private static Table FinalizeArgs(object?[] a)
    {
        var keys = (string[])a[0]!;
        var aggs = (Aggregation[])a[1]!;
        bool dropNa = (bool)a[2]!;
        var schema = (Schema)a[3]!;
        var ops = (PartitionOp[])a[4]!;
        int piece = (int)a[5]!;
        var parts = a.Skip(6).Select(x => piece < 0 ? (AggPartial)x! : ((AggPartial[])x!)[piece]).ToList();
        var combined = parts.Count == 0 ? null : AggPartial.Combine(parts, keys, aggs, dropNa);
        var table = combined is null ? Table.Empty(schema) : combined.Finalize(aggs, schema);
        return Pipeline.Run(table, ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var inputCols = Keys.Concat(Aggs.Where(a => a.Column is not null).Select(a => a.Column!)).Distinct().ToArray();
        // A trailing filter is applied inside the chunk as a row mask (no copy of the surviving rows).
        var (input, predicate) = Input.SplitTrailingFilter();
        if (predicate is not null) inputCols = inputCols.Concat(predicate.Columns).Distinct().ToArray();
        var all = Restrict(Schema, needed, ops);
        // From CSV, each block's chunk is computed window by window inside the read task (no whole-block columns).
        var level = input.TryLowerStreamedAggChunks(inputCols, Keys, Aggs, predicate, DropNa, i => PartKey("agg-chunk", layer, i))?.ToList();
        if (level is null)
        {
            var parts = input.LowerPartitions(inputCols);
            level = new List<TaskSpec>();
            for (int i = 0; i < parts.Length; i++)
                level.Add(TaskSpec.Call(PartKey("agg-chunk", layer, i), ChunkFn, TaskArg.Of(parts[i]), TaskArg.Value(Keys), TaskArg.Value(Aggs), TaskArg.Value(predicate), TaskArg.Value(DropNa)));
        }
        if (SplitOut == 1)
        {
            int depth = 0;
            while (level.Count > SplitEvery)
            {
                var next = new List<TaskSpec>();
                for (int s = 0; s < level.Count; s += SplitEvery)
                {
                    var args = new List<TaskArg> { TaskArg.Value(Keys), TaskArg.Value(Aggs), TaskArg.Value(DropNa) };
                    args.AddRange(level.Skip(s).Take(SplitEvery).Select(TaskArg.Of));
                    next.Add(TaskSpec.Call(PartKey($"agg-combine-{depth}", layer, next.Count), CombineFn, args.ToArray()));
                }
                level = next;
                depth++;
            }
            var fin = new List<TaskArg> { TaskArg.Value(Keys), TaskArg.Value(Aggs), TaskArg.Value(DropNa), TaskArg.Value(Schema), TaskArg.Value(all), TaskArg.Value(-1) };
            fin.AddRange(level.Select(TaskArg.Of));
            return [TaskSpec.Call(PartKey("agg-finalize", layer, 0), FinalFn, fin.ToArray())];
        }
        var splits = level.Select((c, i) => TaskSpec.Call(PartKey("agg-split", layer, i), SplitFn, TaskArg.Of(c), TaskArg.Value(SplitOut), TaskArg.Value(Keys))).ToList();
        var result = new TaskSpec[SplitOut];
        for (int j = 0; j < SplitOut; j++)
        {
            var fin = new List<TaskArg> { TaskArg.Value(Keys), TaskArg.Value(Aggs), TaskArg.Value(DropNa), TaskArg.Value(Schema), TaskArg.Value(all), TaskArg.Value(j) };
            fin.AddRange(splits.Select(TaskArg.Of));
            result[j] = TaskSpec.Call(PartKey("agg-finalize", layer, j), FinalFn, fin.ToArray());
        }
        return result;
    }
}
