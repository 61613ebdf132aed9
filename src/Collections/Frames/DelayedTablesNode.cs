namespace TaskGraph.Frames;

/// <summary>
/// Partitions produced by existing tasks: literal tasks holding in-memory tables (<see cref="Frame.FromTable"/>),
/// delayed tables (<see cref="Frame.FromDelayed"/>), a bag's partitions turned into tables. The schema is given,
/// since knowing it would otherwise mean computing.
/// </summary>
internal sealed class DelayedTablesNode(TaskSpec[] parts, Schema schema) : PlanNode
{
    /// <summary>The tasks producing the partitions.</summary>
    public TaskSpec[] Parts { get; } = parts;

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
            result[i] = all.Length == 0 ? Parts[i] : TaskSpec.Call(LayerToken.Key("partition-ops", layer, i), RunOps, TaskArg.Of(Parts[i]), TaskArg.Value(all));
        return result;
    }
}
