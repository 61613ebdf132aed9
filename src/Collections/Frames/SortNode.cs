namespace TaskGraph.Frames;

/// <summary>
/// A global sort: every partition contributes an evenly spaced sample of its keys, the samples give n-1 quantile
/// boundaries, each partition is range-split by those boundaries, and output partition j concatenates and sorts
/// the j-th pieces. Partitions are then in order, and so is the whole frame.
/// </summary>
internal sealed class SortNode(Frame input, string[] keys, bool[] descending, int samplesPerPartition = 64) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;
    /// <inheritdoc />
    public override int NPartitions => input.NPartitions;

    private static readonly TaskFunction SampleFn = TaskFunction.Create((Func<Table, string[], int, Table>)Sample, TaskInvokers.Call3<Table, string[], int, Table>, "sort-sample");
    private static readonly TaskFunction BoundsFn = TaskFunction.Create((Func<object?[], Table>)Bounds, TaskInvokers.CallArgs<Table>, "sort-bounds");
    private static readonly TaskFunction SplitFn = TaskFunction.Create((Func<Table, Table, string[], bool[], Table[]>)RangeSplit, TaskInvokers.Call4<Table, Table, string[], bool[], Table[]>, "sort-split");
    private static readonly TaskFunction GatherFn = TaskFunction.Create((Func<object?[], Table>)Gather, TaskInvokers.CallArgs<Table>, "sort-gather");

    private static Table Sample(Table t, string[] keys, int count)
    {
        var k = t.Select(keys);
        if (k.RowCount <= count) return k;
        var idx = Enumerable.Range(0, count).Select(i => (int)((long)i * k.RowCount / count)).ToArray();
        return k.Take(idx, idx.Length);
    }

    // args: keys, descending, parts, schema, samples...
    private static Table Bounds(object?[] a)
    {
        var keys = (string[])a[0]!;
        var desc = (bool[])a[1]!;
        int parts = (int)a[2]!;
        var all = Table.Concat(a.Skip(4).Cast<Table>().ToList(), (Schema)a[3]!);
        var sorted = all.Take(Sorting.Order(all, keys, desc), all.RowCount);
        if (sorted.RowCount == 0 || parts == 1) return sorted.Slice(0, 0);
        var idx = Enumerable.Range(1, parts - 1).Select(j => Math.Min(sorted.RowCount - 1, (int)((long)j * sorted.RowCount / parts))).ToArray();
        return sorted.Take(idx, idx.Length);
    }

    private static Table[] RangeSplit(Table t, Table bounds, string[] keys, bool[] desc)
    {
        int n = bounds.RowCount + 1;
        var rows = new List<int>[n];
        for (int j = 0; j < n; j++) rows[j] = new List<int>();
        var tc = keys.Select(k => t[k]).ToArray();
        var bc = keys.Select(k => bounds[k]).ToArray();
        for (int i = 0; i < t.RowCount; i++)
        {
            // first boundary the row sorts before (or equal to): binary search
            int lo = 0, hi = bounds.RowCount;
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                if (Compare(tc, i, bc, mid, desc) <= 0) hi = mid; else lo = mid + 1;
            }
            rows[lo].Add(i);
        }
        return rows.Select(r => t.Take(r.ToArray(), r.Count)).ToArray();
    }

    private static int Compare(Column[] a, int i, Column[] b, int j, bool[] desc)
    {
        for (int k = 0; k < a.Length; k++)
        {
            bool av = a[k].IsValid(i), bv = b[k].IsValid(j);
            if (!av || !bv) { if (av == bv) continue; return av ? -1 : 1; }
            int c = a[k].CompareValues(i, b[k], j);
            if (c != 0) return desc[k] ? -c : c;
        }
        return 0;
    }

    // args: piece, schema, keys, desc, ops, splits...
    private static Table Gather(object?[] a)
    {
        int j = (int)a[0]!;
        var t = Table.Concat(a.Skip(5).Select(x => ((Table[])x!)[j]).ToList(), (Schema)a[1]!);
        t = t.Take(Sorting.Order(t, (string[])a[2]!, (bool[])a[3]!), t.RowCount);
        return Pipeline.Run(t, (PartitionOp[])a[4]!);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var cols = needed.Concat(keys).Distinct().ToArray();
        var inSchema = new Schema(input.Schema.Fields.Where(f => cols.Contains(f.Name)));
        var parts = input.LowerPartitions(cols);
        var all = Restrict(inSchema, needed, ops);
        int n = parts.Length;
        var samples = parts.Select((p, i) => TaskSpec.Call(PartKey("sort-sample", layer, i), SampleFn, TaskArg.Of(p), TaskArg.Value(keys), TaskArg.Value(samplesPerPartition))).ToList();
        var bargs = new List<TaskArg> { TaskArg.Value(keys), TaskArg.Value(descending), TaskArg.Value(n), TaskArg.Value(new Schema(keys.Select(k => input.Schema[k]))) };
        bargs.AddRange(samples.Select(TaskArg.Of));
        var bounds = TaskSpec.Call(PartKey("sort-bounds", layer, 0), BoundsFn, bargs.ToArray());
        var splits = parts.Select((p, i) => TaskSpec.Call(PartKey("sort-split", layer, i), SplitFn, TaskArg.Of(p), TaskArg.Of(bounds), TaskArg.Value(keys), TaskArg.Value(descending))).ToList();
        var result = new TaskSpec[n];
        for (int j = 0; j < n; j++)
        {
            var args = new List<TaskArg> { TaskArg.Value(j), TaskArg.Value(inSchema), TaskArg.Value(keys), TaskArg.Value(descending), TaskArg.Value(all) };
            args.AddRange(splits.Select(TaskArg.Of));
            result[j] = TaskSpec.Call(PartKey("sort-gather", layer, j), GatherFn, args.ToArray());
        }
        return result;
    }
}
