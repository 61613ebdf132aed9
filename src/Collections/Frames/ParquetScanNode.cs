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
        return Parts.Select((p, i) => TaskSpec.Call(PartKey("read-parquet", layer, i), ReadFn,
            TaskArg.Value(p), TaskArg.Value(Schema), TaskArg.Value(needed), TaskArg.Value(ops))).ToArray();
    }

    private static readonly TaskFunction ReadAggFn = TaskFunction.Create(
        (Func<object?[], AggPartial>)ReadAndChunkArgs, TaskInvokers.CallArgs<AggPartial>, "read-parquet-agg-chunk");

    // args: part, schema, columns, ops, keys, aggs, predicate, dropNa
    private static AggPartial ReadAndChunkArgs(object?[] a)
        => ReadAndChunk((ParquetPart)a[0]!, (Schema)a[1]!, (string[])a[2]!, (PartitionOp[])a[3]!, (string[])a[4]!, (Aggregation[])a[5]!, (Expr?)a[6], (bool)a[7]!);

    /// <summary>
    /// The task body of a group-by over Parquet: the part's partial aggregate, where the group-by's own filter also
    /// rules out row groups by their statistics (the rows of the groups read are filtered inside the chunk as usual).
    /// </summary>
    public static AggPartial ReadAndChunk(ParquetPart part, Schema schema, string[] columns, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa = true)
    {
        var table = ParquetFiles.ReadPart(part, Restrict(schema, columns), ParquetStatistics.LeadingPredicate(ops, predicate));
        return AggPartial.Chunk(Pipeline.Run(table, ops), keys, aggs, predicate, dropNa);
    }

    /// <summary>One task per part computing the partial aggregate of its rows (see <see cref="ReadAndChunk"/>); only for row-wise steps.</summary>
    internal TaskSpec[] LowerAggregateChunks(string[] needed, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa, Func<int, TaskKey> keyOf)
        => Parts.Select((p, i) => TaskSpec.Call(keyOf(i), ReadAggFn, TaskArg.Value(p), TaskArg.Value(Schema), TaskArg.Value(needed),
            TaskArg.Value(ops), TaskArg.Value(keys), TaskArg.Value(aggs), TaskArg.Value(predicate), TaskArg.Value(dropNa))).ToArray();
}
