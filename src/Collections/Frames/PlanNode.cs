namespace TaskGraph;

/// <summary>
/// A node of a frame's logical plan: it knows its schema and partition count without computing anything, and
/// lowers to one graph task per output partition at compute time. Lowering receives the columns the consumer
/// needs (so sources parse only those: projection pushdown) and the trailing per-partition steps, which the node
/// runs inside its own last task per partition (so they never cost an extra task).
/// </summary>
public abstract class PlanNode
{
    /// <summary>A token unique to this node, mixed into its task keys.</summary>
    protected Token Identity { get; } = ValueTokenizer.Unique();

    /// <summary>The output schema.</summary>
    public abstract Schema Schema { get; }

    /// <summary>Number of output partitions.</summary>
    public abstract int NPartitions { get; }

    /// <summary>One task per partition computing <c>Pipeline.Run(output restricted to needed, ops)</c>.</summary>
    public abstract TaskSpec[] Lower(string[] needed, PartitionOp[] ops);

    /// <summary>The layer token of one lowering (same node, columns and steps give the same keys).</summary>
    protected Token Layer(string[] needed, PartitionOp[] ops)
    {
        var b = new TokenBuilder(0x4652414DUL);
        b.Add(Identity);
        foreach (var n in needed) b.Add(n);
        b.Add("|");
        foreach (var op in ops) b.Add(op.ToString());
        return b.Finish();
    }

    /// <summary>A partition key; the layer name is mixed into the token because keys compare by token alone.</summary>
    internal static TaskKey PartKey(string name, Token layer, int index)
    {
        var b = new TokenBuilder(0x4B4559UL);
        b.Add(layer);
        b.Add(name);
        return TaskKey.ForPartition(name, b.Finish(), index);
    }

    internal static readonly TaskFunction RunOps = TaskFunction.Create(
        (Func<Table, PartitionOp[], Table>)Pipeline.Run, TaskInvokers.Call2<Table, PartitionOp[], Table>, "ops");

    /// <summary>Adds a projection to <paramref name="needed"/> in front of <paramref name="ops"/> when the input has more.</summary>
    internal static PartitionOp[] Restrict(Schema input, string[] needed, PartitionOp[] ops)
    {
        if (needed.Length == input.Count && needed.SequenceEqual(input.Names)) return ops;
        return [new ProjectOp(needed, needed.Select(Expr.Col).ToArray()), .. ops];
    }
}

/// <summary>Partitions that are in memory already (a table split into row ranges).</summary>
public sealed class TablesNode(Table[] parts, Schema schema) : PlanNode
{
    /// <summary>The partitions.</summary>
    public Table[] Parts { get; } = parts;

    /// <inheritdoc />
    public override Schema Schema { get; } = schema;

    /// <inheritdoc />
    public override int NPartitions => Parts.Length;

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var all = Restrict(Schema, needed, ops);
        var result = new TaskSpec[Parts.Length];
        for (int i = 0; i < Parts.Length; i++)
        {
            var src = TaskSpec.Literal(PartKey("from-table", Identity, i), Parts[i]);
            result[i] = all.Length == 0 ? src : TaskSpec.Call(PartKey("from-table-ops", layer, i), RunOps, TaskArg.Of(src), TaskArg.Value(all));
        }
        return result;
    }
}

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
}
