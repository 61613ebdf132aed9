namespace TaskGraph.Frames;

/// <summary>
/// The <c>n</c> rows with the largest (or smallest) values of key columns, without a global sort (Dask's
/// <c>nlargest</c>/<c>nsmallest</c>): each partition keeps its own best <c>n</c> rows in one pass (a bounded heap),
/// the partials meet in the collections' one <see cref="TreeReduction"/> (a combine keeps the best <c>n</c> of its
/// inputs), and the aggregate sorts the last <c>n</c> rows. Ties keep the earlier row (partition order, then row
/// order: pandas' <c>keep="first"</c>), so the result is exactly
/// <c>dropna(subset=keys).sort_values(keys, ascending=!largest, kind="stable").head(n)</c>:
/// <code>
///   p0   p1   p2  ...  p15      topk per partition (fused into the partition's task): n rows each
///    \ .. | .. /        |       combine: best n of at most splitEvery partials
///     c0         c1
///       \       /
///       aggregate                sort the best n, then the steps after it
/// </code>
/// A row with a missing key (or a NaN) is never selected, as in pandas.
/// </summary>
internal sealed class TopKNode : PlanNode
{
    /// <summary>Checks the key columns (numbers, dates or date-times) and the count.</summary>
    public TopKNode(Frame input, int n, string[] keys, bool largest, int splitEvery)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The number of rows must not be negative.");
        if (keys.Length == 0) throw new ArgumentException("Give at least one column to rank by.", nameof(keys));
        foreach (var k in keys)
        {
            var t = input.Schema[k].Type;
            if (!(t.IsNumeric() || t is ColumnType.Date or ColumnType.DateTime))
                throw new InvalidOperationException($"{(largest ? "NLargest" : "NSmallest")} ranks numbers, dates and date-times; column '{k}' is {t}.");
        }
        Input = input;
        N = n;
        Keys = keys;
        Largest = largest;
        SplitEvery = TreeReduction.CheckSplitEvery(splitEvery);
    }

    /// <summary>The ranked frame.</summary>
    public Frame Input { get; }
    /// <summary>Rows to keep.</summary>
    public int N { get; }
    /// <summary>Key columns, most significant first.</summary>
    public string[] Keys { get; }
    /// <summary>Largest first (else smallest first).</summary>
    public bool Largest { get; }
    /// <summary>Partials per combine task.</summary>
    public int SplitEvery { get; }

    /// <inheritdoc />
    public override Schema Schema => Input.Schema;

    /// <inheritdoc />
    public override int NPartitions => 1;

    private static Table Chunk(TopKTask p, Table t) => TopK.Select(t, p.Keys, p.N, p.Largest);

    private static Table Combine(TopKTask p, Table[] parts) => TopK.Select(Table.Concat(parts, p.Schema), p.Keys, p.N, p.Largest);

    private static Table Aggregate(TopKTask p, Table[] parts)
    {
        var best = TopK.Select(Table.Concat(parts, p.Schema), p.Keys, p.N, p.Largest);
        return Pipeline.Run(best.Take(TopK.Order(best, p.Keys, p.Largest), best.RowCount), p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var cols = Schema.Names.Where(c => needed.Contains(c) || Keys.Contains(c)).ToArray();
        var inSchema = new Schema(cols.Select(c => Schema[c]));
        var p = new TopKTask(N, Keys, Largest, inSchema, Restrict(inSchema, needed, ops));
        var chunk = LayerStep.One<TopKTask, Table, Table>("topk-chunk", Chunk, p);
        var stage = LayerToken.Stage(layer, "topk-chunk");
        var partials = Input.LowerPartitions(cols).Select((part, i) => chunk.Call(stage[i], part)).ToArray();
        return [TreeReduction.Reduce(partials, SplitEvery, layer,
            combine: LayerStep.Many<TopKTask, Table, Table>("topk-combine", Combine, p),
            aggregate: LayerStep.Many<TopKTask, Table, Table>("topk-aggregate", Aggregate, p))];
    }
}

/// <summary>The parameters of every task of a top-k: how many rows, ranked by which columns, which way, the input schema, the steps after it.</summary>
internal sealed record TopKTask(int N, string[] Keys, bool Largest, Schema Schema, PartitionOp[] Ops);

/// <summary>
/// Selecting the best <c>n</c> rows of a table in one pass: a bounded binary heap whose root is the worst row kept
/// so far, so a row that cannot enter costs one comparison with the root. One numeric key without missing values
/// (the common case) compares raw values; other keys compare column by column. Ties rank the earlier row first.
/// </summary>
internal static class TopK
{
    /// <summary>The best <paramref name="n"/> rows of <paramref name="t"/>, in their original order.</summary>
    public static Table Select(Table t, string[] keys, int n, bool largest)
    {
        var cols = keys.Select(k => t[k]).ToArray();
        int[] rows = cols.Length == 1 && cols[0].Validity is null
            ? cols[0].Type switch
            {
                ColumnType.Double => Heap(cols[0].Doubles, t.RowCount, n, largest),
                ColumnType.Int32 or ColumnType.Date => Heap(cols[0].Int32s, t.RowCount, n, largest),
                _ => Heap(cols[0].Int64s, t.RowCount, n, largest),
            }
            : HeapByColumns(cols, t.RowCount, n, largest);
        Array.Sort(rows);
        return rows.Length == t.RowCount ? t : t.Take(rows, rows.Length);
    }

    /// <summary>Row indices of <paramref name="t"/> ranked best first (ties: earlier row first).</summary>
    public static int[] Order(Table t, string[] keys, bool largest)
    {
        var cols = keys.Select(k => t[k]).ToArray();
        var idx = Enumerable.Range(0, t.RowCount).ToArray();
        Array.Sort(idx, (a, b) => Better(cols, a, b, largest));
        return idx;
    }

    // < 0 when row a ranks before row b: better key, or equal keys and earlier row.
    private static int Better(Column[] cols, int a, int b, bool largest)
    {
        foreach (var c in cols)
        {
            int cmp = c.CompareAt(a, b);
            if (cmp != 0) return largest ? -cmp : cmp;
        }
        return a.CompareTo(b);
    }

    private static bool Present(Column[] cols, int row)
    {
        foreach (var c in cols)
            if (!c.IsValid(row) || c.Type == ColumnType.Double && double.IsNaN(c.Doubles[row])) return false;
        return true;
    }

    /// <summary>One key without missing values: the heap holds row indices ordered worst-at-root by (value, row).</summary>
    private static int[] Heap<T>(T[] values, int count, int n, bool largest) where T : IComparable<T>
    {
        n = Math.Min(n, count);
        var heap = new int[n];
        int size = 0;
        // "worse(a, b)": a ranks after b. For largest: smaller value, or equal value and later row.
        bool Worse(int a, int b)
        {
            int c = values[a].CompareTo(values[b]);
            if (c != 0) return largest ? c < 0 : c > 0;
            return a > b;
        }
        for (int r = 0; r < count && n > 0; r++)
        {
            if (typeof(T) == typeof(double) && double.IsNaN((double)(object)values[r])) continue;
            if (size < n) { heap[size] = r; SiftUp(heap, size++, Worse); continue; }
            // r comes after every kept row, so on a tie it is worse: it enters only when strictly better than the root
            int cmp = values[r].CompareTo(values[heap[0]]);
            if (largest ? cmp > 0 : cmp < 0) { heap[0] = r; SiftDown(heap, size, Worse); }
        }
        return size == heap.Length ? heap : heap[..size];
    }

    private static int[] HeapByColumns(Column[] cols, int count, int n, bool largest)
    {
        n = Math.Min(n, count);
        var heap = new int[n];
        int size = 0;
        bool Worse(int a, int b) => Better(cols, a, b, largest) > 0;
        for (int r = 0; r < count && n > 0; r++)
        {
            if (!Present(cols, r)) continue;
            if (size < n) { heap[size] = r; SiftUp(heap, size++, Worse); continue; }
            if (Worse(heap[0], r)) { heap[0] = r; SiftDown(heap, size, Worse); }
        }
        return size == heap.Length ? heap : heap[..size];
    }

    // A max-heap by "worse": the root is the worst kept row.
    private static void SiftUp(int[] heap, int i, Func<int, int, bool> worse)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!worse(heap[i], heap[parent])) break;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            i = parent;
        }
    }

    private static void SiftDown(int[] heap, int size, Func<int, int, bool> worse)
    {
        int i = 0;
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && worse(heap[l], heap[m])) m = l;
            if (r < size && worse(heap[r], heap[m])) m = r;
            if (m == i) return;
            (heap[i], heap[m]) = (heap[m], heap[i]);
            i = m;
        }
    }
}
