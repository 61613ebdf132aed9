namespace TaskGraph;

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
