namespace TaskGraph.Frames;

/// <summary>
/// Parquet row groups: each partition reads its row groups' needed columns (projection pushdown: other column
/// chunks are never read or decompressed), then runs the steps, in one task. Filters at the front of the steps (and
/// a group-by's filter) are checked against each row group's min/max/null-count statistics first: a row group they
/// prove empty is not read. The files' lengths and last write times at build time are part of each partition (so of
/// the node's parameters and keys); a task reading a file that changed since fails with <see cref="FileChangedException"/>.
/// </summary>
internal sealed class ParquetScanNode(ParquetPart[] parts, Schema schema) : PlanNode
{
    /// <summary>The row-group ranges, one per partition.</summary>
    public ParquetPart[] Parts { get; } = parts;

    /// <inheritdoc />
    public override Schema Schema { get; } = schema;

    /// <inheritdoc />
    public override int NPartitions => Parts.Length;

    private static readonly TaskFunction ReadFn = TaskFunction.Create(
        (Func<ParquetPart, Schema, string[], PartitionOp[], Table>)Read,
        TaskInvokers.Call4<ParquetPart, Schema, string[], PartitionOp[], Table>, "read-parquet");

    /// <summary>The task body: read a part's needed columns (skipping row groups the leading filters rule out), then run the steps.</summary>
    public static Table Read(ParquetPart part, Schema schema, string[] columns, PartitionOp[] ops)
        => Pipeline.Run(ParquetFiles.ReadPart(part, Restrict(schema, columns), ParquetStatistics.LeadingPredicate(ops, null)), ops);

    private static Schema Restrict(Schema schema, string[] columns) => new(columns.Select(c => schema[c]));

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        return Parts.Select((p, i) => TaskSpec.Call(LayerToken.Key("read-parquet", layer, i), ReadFn,
            TaskArg.Value(p), TaskArg.Value(Schema), TaskArg.Value(needed), TaskArg.Value(ops))).ToArray();
    }

    private static AggPartial ReadAndChunkTask(ParquetAggChunk p, ParquetPart part)
        => ReadAndChunk(part, p.Schema, p.Columns, p.Ops, p.Group.Keys, p.Group.Aggs, p.Group.Predicate, p.Group.DropNa);

    /// <summary>
    /// The task body of a group-by over Parquet: the part's partial aggregate, where the group-by's own filter also
    /// rules out row groups by their statistics (the rows of the groups read are filtered inside the chunk as usual).
    /// Page by page (<see cref="ParquetPageAggregation"/>) when the query allows it, else from whole columns.
    /// </summary>
    public static AggPartial ReadAndChunk(ParquetPart part, Schema schema, string[] columns, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa = true)
        => ParquetPageAggregation.TryChunk(part, Restrict(schema, columns), ops, keys, aggs, predicate, dropNa)
            ?? ChunkWholeColumns(part, schema, columns, ops, keys, aggs, predicate, dropNa);

    /// <summary>The part's partial aggregate from its needed columns read whole, then run through the steps and chunked as a table.</summary>
    internal static AggPartial ChunkWholeColumns(ParquetPart part, Schema schema, string[] columns, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa = true)
    {
        // The decoded columns live only until the partial is made (it copies what it keeps: keys, states), so they
        // come from the shared pools and go back right after: no tens of megabytes of garbage per row group. Not with
        // a custom aggregation, whose user state could hold on to a column.
        var rented = aggs.Any(a => a.Kind == AggKind.Custom) ? null : new List<Array>();
        try
        {
            var table = ParquetFiles.ReadPart(part, Restrict(schema, columns), ParquetStatistics.LeadingPredicate(ops, predicate), rented: rented);
            return AggPartial.Chunk(Pipeline.Run(table, ops), keys, aggs, predicate, dropNa);
        }
        finally
        {
            if (rented is not null) ParquetFiles.ReturnRented(rented);
        }
    }

    /// <summary>One task per part computing the partial aggregate of its rows (see <see cref="ReadAndChunk"/>); only for row-wise steps.</summary>
    internal TaskSpec[] LowerAggregateChunks(string[] needed, PartitionOp[] ops, GroupByTask group, Func<int, TaskKey> keyOf)
    {
        var step = LayerStep.One<ParquetAggChunk, ParquetPart, AggPartial>("read-parquet-agg-chunk", ReadAndChunkTask, new ParquetAggChunk(Schema, needed, ops, group));
        return Parts.Select((p, i) => step.Call(keyOf(i), TaskArg.Value(p))).ToArray();
    }
}

/// <summary>The parameters of a Parquet group-by chunk task: the file schema, the columns read, the row-wise steps and the group-by.</summary>
internal sealed record ParquetAggChunk(Schema Schema, string[] Columns, PartitionOp[] Ops, GroupByTask Group);
