namespace TaskGraph.Frames;

/// <summary>
/// <see cref="Frame.SetIndex(string, IScheduler?)"/>'s sort: a global sort by one column into partitions bounded by
/// known divisions <c>d0 ≤ d1 ≤ … ≤ dn</c> (Dask's convention): output partition i holds the keys in
/// [d<sub>i</sub>, d<sub>i+1</sub>), the last one [d<sub>n-1</sub>, d<sub>n</sub>], and rows with a missing key go
/// last (so do NaN keys, which no comparison matches). Like <see cref="SortNode"/> without its sampling stage (the divisions are known when the plan is built):
/// every input partition is range-split by the inner divisions, output j concatenates the j-th pieces and sorts them.
/// A key outside [d0, dn] fails its split task naming the column, the key and the divisions, unless
/// <c>clip</c> (a merge aligning a frame to another's divisions) sends it to the first or last partition.
/// </summary>
internal sealed class IndexSortNode(Frame input, string column, Column divisions, bool clip = false) : PlanNode
{
    /// <inheritdoc />
    public override Schema Schema => input.Schema;

    /// <inheritdoc />
    public override int NPartitions => divisions.Length - 1;

    private static Table[] RangeSplit(IndexSortTask p, Table t)
    {
        var key = t[p.Column];
        var d = p.Divisions;
        int n = d.Length - 1;
        var bucket = new int[t.RowCount];
        for (int i = 0; i < bucket.Length; i++)
        {
            if (!IndexSummary.IsPresent(key, i)) { bucket[i] = n - 1; continue; }
            if (p.Clip && key.CompareValues(i, d, 0) < 0) { bucket[i] = 0; continue; }
            if (p.Clip && key.CompareValues(i, d, n) > 0) { bucket[i] = n - 1; continue; }
            if (key.CompareValues(i, d, 0) < 0 || key.CompareValues(i, d, n) > 0)
                throw new InvalidOperationException(
                    $"Index column '{p.Column}' has the value {key.Format(i)} outside the divisions [{d.Format(0)}, {d.Format(n)}] given to SetIndex.");
            // the partition is the number of inner divisions d1..d(n-1) at or below the key
            int lo = 1, hi = n;
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                if (d.CompareValues(mid, key, i) <= 0) lo = mid + 1; else hi = mid;
            }
            bucket[i] = lo - 1;
        }
        return HashShuffle.RowsByBucket(bucket, n).Select(r => t.Take(r, r.Length)).ToArray();
    }

    private static Table Gather(IndexSortTask p, Table[] pieces)
    {
        var t = Table.Concat(pieces, p.Schema);
        t = t.Take(Sorting.Order(t, [p.Column], null), t.RowCount);
        return Pipeline.Run(t, p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var cols = needed.Append(column).Distinct().ToArray();
        var inSchema = new Schema(input.Schema.Fields.Where(f => cols.Contains(f.Name)));
        var task = new IndexSortTask(column, divisions, clip, inSchema, Restrict(inSchema, needed, ops));
        var splits = HashShuffle.Split(input.LowerPartitions(cols), layer, LayerStep.Split<IndexSortTask, Table, Table>("index-split", RangeSplit, task));
        return HashShuffle.Gather(splits, NPartitions, layer, LayerStep.Gather<IndexSortTask, Table, Table>("index-gather", Gather, task));
    }
}

/// <summary>The parameters of an index sort's split and gather tasks: the column, the divisions, the input schema and the steps after it.</summary>
internal sealed record IndexSortTask(string Column, Column Divisions, bool Clip, Schema Schema, PartitionOp[] Ops);
