namespace TaskGraph;

/// <summary>CSV blocks: each partition reads its byte range and parses only the needed columns, then runs the steps, in one task.</summary>
public sealed class CsvScanNode(CsvBlock[] blocks, CsvLayout layout, CsvOptions options) : PlanNode
{
    /// <summary>The byte blocks, one per partition.</summary>
    public CsvBlock[] Blocks { get; } = blocks;

    /// <summary>Column names and types of the files.</summary>
    public CsvLayout Layout { get; } = layout;

    /// <summary>Reader options (column types already resolved into <see cref="Layout"/>).</summary>
    public CsvOptions Options { get; } = options with { ColumnTypes = null };

    /// <inheritdoc />
    public override Schema Schema { get; } = layout.Schema;

    // Each file's length and last-write time are part of the node's identity (every field is, see PlanNode.Identity),
    // so the same read of the same files collapses, and a file rewritten between two builds gives new keys.
    private readonly (string File, long Length, long LastWriteTicks)[] _files = blocks.Select(b => b.File).Distinct()
        .Select(f => new FileInfo(f)).Select(i => (i.FullName, i.Exists ? i.Length : -1, i.Exists ? i.LastWriteTimeUtc.Ticks : 0)).ToArray();

    /// <inheritdoc />
    public override int NPartitions => Blocks.Length;

    private static readonly TaskFunction ReadFn = TaskFunction.Create(
        (Func<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], Table>)Read,
        TaskInvokers.Call5<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], Table>, "read-csv");

    /// <summary>The task body: read a block's needed columns, then run the steps.</summary>
    public static Table Read(CsvBlock block, CsvLayout layout, string[] columns, CsvOptions options, PartitionOp[] ops)
        => Pipeline.Run(CsvReader.ReadBlock(block, layout, columns, options, out _), ops);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var result = new TaskSpec[Blocks.Length];
        for (int i = 0; i < Blocks.Length; i++)
            result[i] = TaskSpec.Call(PartKey("read-csv", layer, i), ReadFn,
                TaskArg.Value(Blocks[i]), TaskArg.Value(Layout), TaskArg.Value(needed), TaskArg.Value(Options), TaskArg.Value(ops));
        return result;
    }

    private static readonly TaskFunction ReadAggFn = TaskFunction.Create(
        (Func<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], string[], Aggregation[], Expr?, AggPartial>)ReadAndChunk,
        TaskInvokers.Call8<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], string[], Aggregation[], Expr?, AggPartial>, "read-csv-agg-chunk");

    /// <summary>
    /// The task body of a group-by over CSV: each read window of the block runs the steps and is reduced to a
    /// partial aggregate at once, then the block's partials combine, so the block's columns are never all in memory.
    /// </summary>
    public static AggPartial ReadAndChunk(CsvBlock block, CsvLayout layout, string[] columns, CsvOptions options, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate)
    {
        var partials = new List<AggPartial>();
        CsvReader.ForEachWindow(block, layout, columns, options, window => partials.Add(AggPartial.Chunk(Pipeline.Run(window, ops), keys, aggs, predicate)), out _);
        return AggPartial.Combine(partials, keys, aggs);
    }

    /// <summary>
    /// One task per block computing the partial aggregate of its rows (see <see cref="ReadAndChunk"/>). Only for
    /// <see cref="PartitionOp.RowWise"/> steps: a whole-partition function must see whole partitions.
    /// </summary>
    internal TaskSpec[] LowerAggregateChunks(string[] needed, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, Func<int, TaskKey> keyOf)
        => Blocks.Select((b, i) => TaskSpec.Call(keyOf(i), ReadAggFn, TaskArg.Value(b), TaskArg.Value(Layout), TaskArg.Value(needed),
            TaskArg.Value(Options), TaskArg.Value(ops), TaskArg.Value(keys), TaskArg.Value(aggs), TaskArg.Value(predicate))).ToArray();

    private static readonly TaskFunction CountBadFn = TaskFunction.Create(
        (Func<CsvBlock, CsvLayout, CsvOptions, int>)CountBad, TaskInvokers.Call3<CsvBlock, CsvLayout, CsvOptions, int>, "csv-bad-lines");

    private static int CountBad(CsvBlock block, CsvLayout layout, CsvOptions options)
    {
        CsvReader.ReadBlock(block, layout, null, options with { SkipBadLines = true }, out int bad);
        return bad;
    }

    /// <summary>One task per block counting the lines <see cref="CsvOptions.SkipBadLines"/> skips (every column parsed).</summary>
    public TaskSpec[] LowerBadLineCounts()
    {
        var layer = Layer(["bad-lines"], []);
        return Blocks.Select((b, i) => TaskSpec.Call(PartKey("csv-bad-lines", layer, i), CountBadFn, TaskArg.Value(b), TaskArg.Value(Layout), TaskArg.Value(Options))).ToArray();
    }
}
