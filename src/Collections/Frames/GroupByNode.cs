namespace TaskGraph.Frames;

/// <summary>
/// Group-by aggregation as apply–concat–apply: a chunk task per input partition (fused with the partition's own
/// task by the graph's linear fusion), then the collections' one <see cref="TreeReduction"/> (combine tasks,
/// <see cref="SplitEvery"/> partials at a time, and a finalize). With <see cref="SplitOut"/> &gt; 1 every partial is
/// split by key hash and output partition j combines the j-th pieces, so no single task has to hold every group.
/// </summary>
internal sealed class GroupByNode : PlanNode
{
    /// <summary>Creates the node (validates columns and types now, at build time).</summary>
    public GroupByNode(Frame input, string[] keys, Aggregation[] aggs, int splitEvery, int splitOut, bool dropNa = true)
    {
        if (aggs.Length == 0) throw new ArgumentException("Give at least one aggregation.");
        TreeReduction.CheckSplitEvery(splitEvery, nameof(splitEvery));
        TreeReduction.CheckSplitOut(splitOut, nameof(splitOut));
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

    // The task bodies: one parameter record (GroupByTask) for every step, plugged into the one tree reduction.
    internal static AggPartial Chunk(GroupByTask p, Table t) => AggPartial.Chunk(t, p.Keys, p.Aggs, p.Predicate, p.DropNa);

    internal static AggPartial Combine(GroupByTask p, AggPartial[] parts) => AggPartial.Combine(parts, p.Keys, p.Aggs, p.DropNa);

    private static AggPartial[] Split(GroupByTask p, AggPartial part) => part.Split(p.SplitOut, p.Keys);

    private static Table Finalize(GroupByTask p, AggPartial[] parts)
    {
        var combined = parts.Length == 0 ? null : AggPartial.Combine(parts, p.Keys, p.Aggs, p.DropNa);
        var table = combined is null ? Table.Empty(p.Schema) : combined.Finalize(p.Aggs, p.Schema);
        return Pipeline.Run(table, p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        // After a broadcast join, group the big side by the join keys and map the groups onto the small side.
        if (BroadcastJoinAggregation.TryLower(this, needed, ops, layer) is { } fused) return fused;
        var inputCols = Keys.Concat(Aggs.Where(a => a.Column is not null).Select(a => a.Column!)).Distinct().ToArray();
        // A trailing filter is applied inside the chunk as a row mask (no copy of the surviving rows).
        var (input, predicate) = Input.SplitTrailingFilter();
        if (predicate is not null) inputCols = inputCols.Concat(predicate.Columns).Distinct().ToArray();
        var p = new GroupByTask(Keys, Aggs, predicate, DropNa, SplitOut, Schema, Restrict(Schema, needed, ops));
        var chunks = LayerToken.Stage(layer, "agg-chunk");
        // From CSV, each block's chunk is computed window by window inside the read task (no whole-block columns).
        var level = input.TryLowerStreamedAggChunks(inputCols, p, i => chunks[i]);
        if (level is null)
        {
            var chunk = LayerStep.One<GroupByTask, Table, AggPartial>("agg-chunk", Chunk, p);
            level = input.LowerPartitions(inputCols).Select((part, i) => chunk.Call(chunks[i], part)).ToArray();
        }
        return TreeReduction.ReduceSplit(level, SplitEvery, SplitOut, layer,
            combine: LayerStep.Many<GroupByTask, AggPartial, AggPartial>("agg-combine", Combine, p),
            aggregate: LayerStep.Gather<GroupByTask, AggPartial, Table>("agg-finalize", Finalize, p),
            split: LayerStep.Split<GroupByTask, AggPartial, AggPartial>("agg-split", Split, p),
            oneOutput: LayerStep.Many<GroupByTask, AggPartial, Table>("agg-finalize", Finalize, p));
    }
}

/// <summary>
/// The parameters of every task of a group-by (plain data: they cross the wire with the task and are covered by
/// the node's key): key columns, aggregations, the filter applied in the chunk, pandas' dropna, split_out, and the
/// output schema with the steps run after the finalize.
/// </summary>
internal sealed record GroupByTask(string[] Keys, Aggregation[] Aggs, Expr? Predicate, bool DropNa, int SplitOut, Schema Schema, PartitionOp[] Ops);
