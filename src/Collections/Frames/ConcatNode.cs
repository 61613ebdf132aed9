namespace TaskGraph.Frames;

/// <summary>
/// Frames stacked one after another (Dask's <c>dd.concat</c> along rows): the output's partitions are the first
/// frame's partitions, then the second's, and so on, each aligned to the one output schema by a projection that runs
/// inside the partition's own task (a column a frame lacks becomes missing values, a narrower number is widened):
/// <code>
///   frame a: a0 a1        frame b: b0 b1 b2
///             │  │                  │  │  │       align(project to the output columns) + the steps after it
///   output:  p0 p1                 p2 p3 p4
/// </code>
/// No data moves between partitions, so the concatenation costs no task of its own after fusion.
/// </summary>
internal sealed class ConcatNode : PlanNode
{
    /// <summary>Checks that the frames' columns can be aligned and computes the output schema.</summary>
    public ConcatNode(Frame[] inputs, bool inner)
    {
        Inputs = inputs;
        Inner = inner;
        Schema = AlignedSchema(inputs, inner);
    }

    /// <summary>The frames in order.</summary>
    public Frame[] Inputs { get; }

    /// <summary>Keep only the columns every frame has (<c>join="inner"</c>); otherwise every column of any frame.</summary>
    public bool Inner { get; }

    /// <inheritdoc />
    public override Schema Schema { get; }

    /// <inheritdoc />
    public override int NPartitions => Inputs.Sum(f => f.NPartitions);

    /// <summary>
    /// Columns in order of first appearance; a name shared by frames must have one type, or numbers that widen
    /// (Int32 and Int64 give Int64, any with Double gives Double, like pandas' upcast). Anything else fails, naming
    /// the column, the frames and their types.
    /// </summary>
    internal static Schema AlignedSchema(Frame[] inputs, bool inner)
    {
        var order = new List<string>();
        var types = new Dictionary<string, (ColumnType Type, int Frame)>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++)
            foreach (var f in inputs[i].Schema.Fields)
            {
                if (!types.TryGetValue(f.Name, out var seen)) { types[f.Name] = (f.Type, i); order.Add(f.Name); continue; }
                if (seen.Type == f.Type) continue;
                if (seen.Type.IsNumeric() && f.Type.IsNumeric()) { types[f.Name] = (ColumnTypes.Promote(seen.Type, f.Type), seen.Frame); continue; }
                throw new InvalidOperationException(
                    $"Cannot concatenate: column '{f.Name}' is {seen.Type} in frame {seen.Frame} but {f.Type} in frame {i}. Cast one of them first (Expr.Cast).");
            }
        var names = inner ? order.Where(n => inputs.All(f => f.Schema.Contains(n))) : order;
        return new Schema(names.Select(n => new Field(n, types[n].Type)));
    }

    /// <summary>The projection that turns a partition of <paramref name="input"/> into the output columns <paramref name="needed"/>.</summary>
    private static ProjectOp Align(Schema input, Schema output, string[] needed)
    {
        var exprs = needed.Select(n =>
        {
            var type = output[n].Type;
            if (!input.Contains(n)) return Expr.Null(type);
            var col = Expr.Col(n);
            return input[n].Type == type ? col : col.Cast(type);
        }).ToArray();
        return new ProjectOp(needed, exprs);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var stage = LayerToken.Stage(layer, "concat");
        var result = new List<TaskSpec>(NPartitions);
        foreach (var input in Inputs)
        {
            PartitionOp[] steps = [Align(input.Schema, Schema, needed), .. ops];
            var parts = input.LowerPartitions(needed.Where(input.Schema.Contains).ToArray());
            foreach (var p in parts)
                result.Add(TaskSpec.Call(stage[result.Count], RunOps, TaskArg.Of(p), TaskArg.Value(steps)));
        }
        return result.ToArray();
    }
}
