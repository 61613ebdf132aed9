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

    private static Table Sample(Table t, string[] keys, int count)
    {
        var k = t.Select(keys);
        if (k.RowCount <= count) return k;
        var idx = Enumerable.Range(0, count).Select(i => (int)((long)i * k.RowCount / count)).ToArray();
        return k.Take(idx, idx.Length);
    }

    private static Table Bounds(SortTask p, Table[] samples)
    {
        int parts = p.Parts;
        var all = Table.Concat(samples, p.KeySchema);
        var sorted = all.Take(Sorting.Order(all, p.Keys, p.Descending), all.RowCount);
        if (sorted.RowCount == 0 || parts == 1) return sorted.Slice(0, 0);
        var idx = Enumerable.Range(1, parts - 1).Select(j => Math.Min(sorted.RowCount - 1, (int)((long)j * sorted.RowCount / parts))).ToArray();
        return sorted.Take(idx, idx.Length);
    }

    private static Table[] RangeSplit(SortTask p, Table t, Table bounds)
    {
        var (keys, desc) = (p.Keys, p.Descending);
        var bucket = new int[t.RowCount];
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
            bucket[i] = lo;
        }
        return HashShuffle.RowsByBucket(bucket, bounds.RowCount + 1).Select(r => t.Take(r, r.Length)).ToArray();
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

    private static Table Gather(SortTask p, Table[] pieces)
    {
        var t = Table.Concat(pieces, p.Schema);
        t = t.Take(Sorting.Order(t, p.Keys, p.Descending), t.RowCount);
        return Pipeline.Run(t, p.Ops);
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
        var task = new SortTask(keys, descending, n, new Schema(keys.Select(k => input.Schema[k])), inSchema, all);
        var sampleStage = LayerToken.Stage(layer, "sort-sample");
        var samples = parts.Select((p, i) => TaskSpec.Call(sampleStage[i], SampleFn, TaskArg.Of(p), TaskArg.Value(keys), TaskArg.Value(samplesPerPartition))).ToArray();
        var bounds = LayerStep.Many<SortTask, Table, Table>("sort-bounds", Bounds, task).Call(LayerToken.Key("sort-bounds", layer, 0), samples);
        // Range splits by the sampled boundaries, then the shuffle's gather: output j sorts bucket j of every split.
        var splits = HashShuffle.Split(parts, bounds, layer, LayerStep.Split<SortTask, Table, Table, Table>("sort-split", RangeSplit, task));
        return HashShuffle.Gather(splits, n, layer, LayerStep.Gather<SortTask, Table, Table>("sort-gather", Gather, task));
    }
}

/// <summary>The parameters of a sort's boundary and gather tasks: keys and order, partition count, the key and input schemas, the steps after it.</summary>
internal sealed record SortTask(string[] Keys, bool[] Descending, int Parts, Schema KeySchema, Schema Schema, PartitionOp[] Ops);
