namespace TaskGraph.Frames;

/// <summary>
/// CSV blocks: each partition reads its byte range and parses only the needed columns, then runs the steps, in one task.
/// A block's first line starts after the first newline outside quotes, so a block must know whether it starts inside
/// a quoted field: a chain of small tasks per file carries that quote parity from block to block (each counts the
/// quotes of one block, vectorised, without parsing), and block i's read takes block i with
/// <see cref="CsvBlock.StartsInQuotes"/> set. The first block of a file needs no such task:
/// <code>
///  block 0 ──────────────────────────────▶ read 0
///  block 0 ──▶ csv-boundary 1 ───────────▶ read 1      (csv-boundary i: block i-1's end parity)
///                  └──▶ csv-boundary 2 ──▶ read 2
/// </code>
/// The files' lengths and last write times at build time are part of each block (so of the node's parameters);
/// every task reading a file checks them and fails with <see cref="FileChangedException"/> if the file changed.
/// </summary>
internal sealed class CsvScanNode(CsvBlock[] blocks, CsvLayout layout, CsvOptions options) : PlanNode
{
    /// <summary>The byte blocks, one per partition.</summary>
    public CsvBlock[] Blocks { get; } = blocks;

    /// <summary>Column names and types of the files.</summary>
    public CsvLayout Layout { get; } = layout;

    /// <summary>Reader options (column types already resolved into <see cref="Layout"/>).</summary>
    public CsvOptions Options { get; } = options with { ColumnTypes = null };

    /// <inheritdoc />
    public override Schema Schema { get; } = layout.Schema;

    /// <inheritdoc />
    public override int NPartitions => Blocks.Length;

    private static readonly TaskFunction ReadFn = TaskFunction.Create(
        (Func<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], Table>)Read,
        TaskInvokers.Call5<CsvBlock, CsvLayout, string[], CsvOptions, PartitionOp[], Table>, "read-csv");

    /// <summary>The task body: read a block's needed columns, then run the steps.</summary>
    public static Table Read(CsvBlock block, CsvLayout layout, string[] columns, CsvOptions options, PartitionOp[] ops)
        => Pipeline.Run(CsvReader.ReadBlock(block, layout, columns, options, out _), ops);

    private static readonly TaskFunction BoundaryFn = TaskFunction.Create(
        (Func<CsvBlock, CsvBlock, CsvBlock>)StartOf, TaskInvokers.Call2<CsvBlock, CsvBlock, CsvBlock>, "csv-boundary");

    /// <summary>The task body of a boundary: <paramref name="block"/> with its start state, the end state of the block before it.</summary>
    public static CsvBlock StartOf(CsvBlock previous, CsvBlock block) => block with { StartsInQuotes = CsvReader.EndsInQuotes(previous) };

    [TokenIgnore] private TaskArg[]? _blockArgs; // a cache of the boundary chain, not a parameter

    /// <summary>
    /// Each block as its read tasks take it: the block itself at the start of a file, else the boundary task that
    /// resolves its start state (the same tasks for every lowering of this node, so they are computed once).
    /// </summary>
    private TaskArg[] BlockArgs()
    {
        if (_blockArgs is not null) return _blockArgs;
        var layer = Layer([], []);
        var args = new TaskArg[Blocks.Length];
        for (int i = 0; i < Blocks.Length; i++)
            args[i] = i == 0 || Blocks[i - 1].File != Blocks[i].File
                ? TaskArg.Value(Blocks[i])
                : TaskArg.Of(TaskSpec.Call(LayerToken.Key("csv-boundary", layer, i), BoundaryFn, args[i - 1], TaskArg.Value(Blocks[i])));
        return _blockArgs = args;
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var blocks = BlockArgs();
        var result = new TaskSpec[Blocks.Length];
        for (int i = 0; i < Blocks.Length; i++)
            result[i] = TaskSpec.Call(LayerToken.Key("read-csv", layer, i), ReadFn,
                blocks[i], TaskArg.Value(Layout), TaskArg.Value(needed), TaskArg.Value(Options), TaskArg.Value(ops));
        return result;
    }

    private static AggPartial ReadAndChunkTask(CsvAggChunk p, CsvBlock block)
        => ReadAndChunk(block, p.Layout, p.Columns, p.Options, p.Ops, p.Group.Keys, p.Group.Aggs, p.Group.Predicate, p.Group.DropNa);

    /// <summary>
    /// The task body of a group-by over CSV: each read window of the block runs the steps and is reduced to a
    /// partial aggregate at once, then the block's partials combine, so the block's columns are never all in memory.
    /// </summary>
    public static AggPartial ReadAndChunk(CsvBlock block, CsvLayout layout, string[] columns, CsvOptions options, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa = true)
    {
        var partials = new List<AggPartial>();
        CsvReader.ForEachWindow(block, layout, columns, options, window => partials.Add(AggPartial.Chunk(Pipeline.Run(window, ops), keys, aggs, predicate, dropNa)), out _);
        return AggPartial.Combine(partials, keys, aggs, dropNa);
    }

    /// <summary>
    /// One task per block computing the partial aggregate of its rows (see <see cref="ReadAndChunk"/>). Only for
    /// <see cref="PartitionOp.RowWise"/> steps: a whole-partition function must see whole partitions.
    /// </summary>
    internal TaskSpec[] LowerAggregateChunks(string[] needed, PartitionOp[] ops, GroupByTask group, Func<int, TaskKey> keyOf)
    {
        var step = LayerStep.One<CsvAggChunk, CsvBlock, AggPartial>("read-csv-agg-chunk", ReadAndChunkTask, new CsvAggChunk(Layout, needed, Options, ops, group));
        return BlockArgs().Select((b, i) => step.Call(keyOf(i), b)).ToArray();
    }

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
        return BlockArgs().Select((b, i) => TaskSpec.Call(LayerToken.Key("csv-bad-lines", layer, i), CountBadFn, b, TaskArg.Value(Layout), TaskArg.Value(Options))).ToArray();
    }
}

/// <summary>The parameters of a group-by's read-and-chunk task over one CSV block: how to read it, the steps, and the group-by's own parameters.</summary>
internal sealed record CsvAggChunk(CsvLayout Layout, string[] Columns, CsvOptions Options, PartitionOp[] Ops, GroupByTask Group);
