namespace TaskGraph.Frames;

/// <summary>Changes the number of partitions without a shuffle: fewer by concatenating neighbours, more by slicing partitions into row ranges.</summary>
internal sealed class RepartitionNode(Frame input, int partitions) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;
    /// <inheritdoc />
    public override int NPartitions => partitions;

    private static readonly TaskFunction SliceFn = TaskFunction.Create((Func<Table, int, int, PartitionOp[], Table>)SliceRun, TaskInvokers.Call4<Table, int, int, PartitionOp[], Table>, "repartition-slice");

    private static Table Concat(RepartitionConcat p, Table[] parts) => Pipeline.Run(Table.Concat(parts, p.Schema), p.Ops);

    private static Table SliceRun(Table t, int piece, int pieces, PartitionOp[] ops)
    {
        int s = (int)((long)t.RowCount * piece / pieces), e = (int)((long)t.RowCount * (piece + 1) / pieces);
        return Pipeline.Run(t.Slice(s, e - s), ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var parts = input.LowerPartitions(needed);
        var inSchema = new Schema(input.Schema.Fields.Where(f => needed.Contains(f.Name)));
        var all = Restrict(inSchema, needed, ops);
        int np = parts.Length, n = partitions;
        var result = new TaskSpec[n];
        if (n <= np)
        {
            var concat = LayerStep.Many<RepartitionConcat, Table, Table>("repartition-concat", Concat, new RepartitionConcat(inSchema, all));
            var stage = LayerToken.Stage(layer, "repartition-concat");
            for (int j = 0; j < n; j++)
            {
                int s = (int)((long)np * j / n), e = (int)((long)np * (j + 1) / n);
                result[j] = concat.Call(stage[j], parts.AsSpan(s, e - s));
            }
            return result;
        }
        for (int j = 0; j < n; j++)
        {
            int i = (int)((long)j * np / n);
            int first = Enumerable.Range(0, n).First(x => (int)((long)x * np / n) == i);
            int pieces = Enumerable.Range(0, n).Count(x => (int)((long)x * np / n) == i);
            result[j] = TaskSpec.Call(LayerToken.Key("repartition-slice", layer, j), SliceFn, TaskArg.Of(parts[i]), TaskArg.Value(j - first), TaskArg.Value(pieces), TaskArg.Value(all));
        }
        return result;
    }
}

/// <summary>The parameters of a repartition's concatenating task: the input schema and the steps after it.</summary>
internal sealed record RepartitionConcat(Schema Schema, PartitionOp[] Ops);
