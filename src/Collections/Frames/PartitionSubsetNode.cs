namespace TaskGraph.Frames;

/// <summary>
/// Some partitions of a frame, in the order listed (partition pruning: <see cref="Frame.Loc(object?, object?)"/> and
/// filters on the index keep only the partitions whose range can match). The others are never lowered into the
/// graph, so they are never read. With no partition listed the frame is one empty partition.
/// </summary>
internal sealed class PartitionSubsetNode(Frame input, int[] partitions) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;

    /// <inheritdoc />
    public override int NPartitions => Math.Max(1, partitions.Length);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        if (partitions.Length == 0)
        {
            var empty = Table.Empty(new Schema(input.Schema.Fields.Where(f => needed.Contains(f.Name))));
            return [TaskSpec.Call(LayerToken.Key("partition-ops", layer, 0), RunOps, TaskArg.Value(empty), TaskArg.Value(Restrict(empty.Schema, needed, ops)))];
        }
        var parts = input.LowerPartitions(needed);
        var result = new TaskSpec[partitions.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = ops.Length == 0 ? parts[partitions[i]]
                : TaskSpec.Call(LayerToken.Key("partition-ops", layer, i), RunOps, TaskArg.Of(parts[partitions[i]]), TaskArg.Value(ops));
        return result;
    }
}
