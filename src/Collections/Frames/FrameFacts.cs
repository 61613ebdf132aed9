namespace TaskGraph.Frames;

/// <summary>
/// What a frame knows about its data beyond the schema, known without computing: its index column with each
/// partition's key range (Dask's divisions), and the known categories of categorized columns. Facts travel with
/// the frame through steps that keep them true and are dropped by every other step:
/// <code>
///   step                           index and divisions                 categories
///   filter                         kept (the ranges still bound rows)  kept
///   projection passing the column  kept (under its new name)           kept (under its new name)
///   anything else (map, nodes)     dropped                             dropped
/// </code>
/// A plan node (sort, merge, concat, group-by, repartition) starts a frame with no facts unless it states them.
/// </summary>
internal sealed record FrameFacts(IndexState? Index, CategoryInfo[] Categories) : ITokenizable
{
    /// <inheritdoc />
    public void AddToken(ref TokenBuilder builder)
    {
        if (!ValueTokenizer.TryAdd(ref builder, Index)) builder.Add(ValueTokenizer.Unique());
        if (!ValueTokenizer.TryAdd(ref builder, Categories)) builder.Add(ValueTokenizer.Unique());
    }

    /// <summary>The facts with only an index (no categories).</summary>
    public static FrameFacts OfIndex(IndexState index) => new(index, []);

    /// <summary>The facts after one per-partition step with output schema <paramref name="output"/> (null when none survive).</summary>
    public static FrameFacts? After(FrameFacts? facts, PartitionOp op, Schema output)
    {
        switch (op)
        {
            case CategorizeOp c:
                var kept = (facts?.Categories ?? []).Where(k => !c.Columns.Contains(k.Column));
                return Normalize(new FrameFacts(facts?.Index, [.. kept, .. c.Columns.Select((col, i) => new CategoryInfo(col, c.Categories[i]))]));
            case FilterOp when facts is not null:
                return facts;
            case ProjectOp p when facts is not null:
                return Normalize(new FrameFacts(facts.Index is { } ix && Follow(p, ix.Column) is { } name ? ix with { Column = name } : null,
                    facts.Categories.SelectMany(k => Passed(p, k.Column).Select(n => k with { Column = n })).ToArray()));
            default:
                return null;
        }
    }

    private static FrameFacts? Normalize(FrameFacts f) => f.Index is null && f.Categories.Length == 0 ? null : f;

    /// <summary>The output names of a projection that pass <paramref name="column"/> through unchanged (a column reference, maybe renamed).</summary>
    private static IEnumerable<string> Passed(ProjectOp p, string column)
    {
        for (int i = 0; i < p.Names.Length; i++)
            if (Unaliased(p.Exprs[i]) is ColumnRef r && r.Name == column) yield return p.Names[i];
    }

    /// <summary>The name the index column has after a projection: its own name when kept as is, else its first new name; null when dropped.</summary>
    private static string? Follow(ProjectOp p, string column)
    {
        var names = Passed(p, column).ToList();
        return names.Contains(column) ? column : names.FirstOrDefault();
    }

    private static Expr Unaliased(Expr e) => e is Alias a ? Unaliased(a.Inner) : e;

    /// <summary>The known categories of <paramref name="column"/>, or null.</summary>
    public string[]? CategoriesOf(string column) => Categories.FirstOrDefault(c => c.Column == column)?.Values;

    /// <summary>The facts of the partitions listed in <paramref name="partitions"/>, in that order.</summary>
    public FrameFacts Subset(int[] partitions)
        => this with { Index = Index is null ? null : Index with { Ranges = partitions.Select(p => Index.Ranges[p]).ToArray() } };
}

/// <summary>The known categories of a column (sorted ordinally; codes index into <see cref="Values"/>).</summary>
internal sealed record CategoryInfo(string Column, string[] Values);

/// <summary>
/// A frame's index: the column it is sorted by and, per partition, the range its present values lie in (null for a
/// partition known to hold no present value). Ranges are in partition order and never overlap except where one
/// ends at the value the next starts with (a frame declared sorted whose partitions share a boundary value).
/// Missing index values never satisfy a comparison, so they do not count in ranges. <see cref="PlacedByRange"/> is
/// true when the rows were placed by these ranges (a <see cref="Frame.SetIndex(string, IScheduler?)"/> sort): every
/// present key lies in the one partition whose half-open range holds it, and missing keys are in the last partition,
/// so two such frames with equal ranges hold each key in the same partition (a merge can join them pairwise).
/// </summary>
internal sealed record IndexState(string Column, ColumnType Type, IndexRange?[] Ranges, bool PlacedByRange = false)
{
    /// <summary>Dask's divisions of these ranges (each partition's low end, then the last one's high end); null if a range is unknown.</summary>
    public object[]? DaskDivisions => Ranges.Any(r => r is null) ? null : [.. Ranges.Select(r => r!.Low), Ranges[^1]!.High];

    /// <summary>True when both index states have the same ranges, partition by partition.</summary>
    public bool SameRanges(IndexState other)
        => Type == other.Type && Ranges.Length == other.Ranges.Length && Ranges.Zip(other.Ranges).All(p => p.First is { } a && p.Second is { } b
            && a.HighInclusive == b.HighInclusive && IndexValues.Compare(a.Low, b.Low) == 0 && IndexValues.Compare(a.High, b.High) == 0);

    /// <summary>The partitions whose range may hold a row satisfying <paramref name="predicate"/>.</summary>
    public int[] PartitionsFor(Expr predicate)
        => Enumerable.Range(0, Ranges.Length).Where(i => IndexPredicate.MayMatch(predicate, Column, Ranges[i])).ToArray();
}

/// <summary>
/// The present index values of one partition lie in [<see cref="Low"/>, <see cref="High"/>] (or
/// [Low, High) when <see cref="HighInclusive"/> is false: Dask's divisions). Values are boxed as the column's CLR type.
/// </summary>
internal sealed record IndexRange(object Low, object High, bool HighInclusive)
{
    /// <summary>True when a value equal to <paramref name="v"/> may lie in the range.</summary>
    public bool MayHold(object v) => IndexValues.Compare(Low, v) <= 0 && Below(v, orEqual: true);

    /// <summary>True when a value less than <paramref name="v"/> (or equal with <paramref name="orEqual"/>) may lie in the range.</summary>
    public bool Above(object v, bool orEqual) => IndexValues.Compare(Low, v) is var c && (c < 0 || orEqual && c == 0);

    /// <summary>True when a value greater than <paramref name="v"/> (or equal with <paramref name="orEqual"/>) may lie in the range.</summary>
    public bool Below(object v, bool orEqual)
    {
        int c = IndexValues.Compare(v, High);
        return c < 0 || orEqual && c == 0 && HighInclusive;
    }
}

/// <summary>Which partitions a predicate can be true in, from the index ranges: comparisons of the index column with constants.</summary>
internal static class IndexPredicate
{
    /// <summary>
    /// False only when no row of a partition with <paramref name="range"/> can make <paramref name="predicate"/> true:
    /// conjunctions need every side, disjunctions one; comparisons (<c>==, &lt;, &lt;=, &gt;, &gt;=</c>) of the index with
    /// a constant test the range; anything else may match. A null range (no present value) matches no comparison.
    /// </summary>
    public static bool MayMatch(Expr predicate, string index, IndexRange? range)
    {
        switch (predicate)
        {
            case Binary { Op: BinaryOp.And } both:
                return MayMatch(both.Left, index, range) && MayMatch(both.Right, index, range);
            case Binary { Op: BinaryOp.Or } either:
                return MayMatch(either.Left, index, range) || MayMatch(either.Right, index, range);
            case Binary b when Comparison(b, index) is var (op, value) && value is not null:
                if (range is null) return false;
                try
                {
                    return op switch
                    {
                        BinaryOp.Equal => range.MayHold(value),
                        BinaryOp.Less => range.Above(value, orEqual: false),
                        BinaryOp.LessOrEqual => range.Above(value, orEqual: true),
                        BinaryOp.Greater => range.Below(value, orEqual: false),
                        BinaryOp.GreaterOrEqual => range.Below(value, orEqual: true),
                        _ => true,
                    };
                }
                catch (IncomparableValuesException) { return true; } // NaN or mismatched types: keep the partition
            default:
                return true;
        }
    }

    /// <summary><c>index op constant</c> normalised to that order (a constant on the left flips the operator), else (op, null).</summary>
    private static (BinaryOp Op, object? Value) Comparison(Binary b, string index)
    {
        if (b.Op is not (BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual)) return (b.Op, null);
        if (IsIndex(b.Left, index) && b.Right is Literal { Value: { } r }) return (b.Op, r);
        if (IsIndex(b.Right, index) && b.Left is Literal { Value: { } l })
            return (b.Op switch
            {
                BinaryOp.Less => BinaryOp.Greater,
                BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual,
                BinaryOp.Greater => BinaryOp.Less,
                BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual,
                _ => b.Op,
            }, l);
        return (b.Op, null);
    }

    private static bool IsIndex(Expr e, string index) => e is ColumnRef r && r.Name == index || e is Alias a && IsIndex(a.Inner, index);
}

/// <summary>Thrown by <see cref="IndexValues.Compare"/> when two values have no order (NaN, or types that do not compare).</summary>
internal sealed class IncomparableValuesException() : Exception("The values have no order.");

/// <summary>Index values boxed as their column's CLR type: checking, converting and ordering them as the frame sorts them.</summary>
internal static class IndexValues
{
    /// <summary>
    /// Orders two values as the column kernels compare them: numbers by value across int, long and double (exactly:
    /// no rounding through double), strings ordinally, dates and date-times by time. Throws
    /// <see cref="IncomparableValuesException"/> for NaN or for values of kinds that do not compare.
    /// </summary>
    public static int Compare(object a, object b)
    {
        switch (a, b)
        {
            case (double x, _) when double.IsNaN(x): throw new IncomparableValuesException();
            case (_, double y) when double.IsNaN(y): throw new IncomparableValuesException();
            case (int or long, int or long): return Convert.ToInt64(a).CompareTo(Convert.ToInt64(b));
            case (double x, double y): return x.CompareTo(y);
            case (double x, int or long): return -CompareIntegerWithDouble(Convert.ToInt64(b), x);
            case (int or long, double y): return CompareIntegerWithDouble(Convert.ToInt64(a), y);
            case (string x, string y): return string.CompareOrdinal(x, y);
            case (DateOnly x, DateOnly y): return x.CompareTo(y);
            case (DateTime x, DateTime y): return x.Ticks.CompareTo(y.Ticks);
            case (bool x, bool y): return x.CompareTo(y);
            default: throw new IncomparableValuesException();
        }
    }

    // Exact: a double beyond decimal's range compares by sign; otherwise both become decimals (a long fits exactly).
    private static int CompareIntegerWithDouble(long i, double d)
        => Math.Abs(d) >= 7.9e28 ? (d > 0 ? -1 : 1) : ((decimal)i).CompareTo((decimal)d);

    /// <summary>
    /// <paramref name="value"/> as a value of an index column of <paramref name="type"/> (numbers convert when no
    /// information is lost); throws <see cref="ArgumentException"/> naming <paramref name="what"/> and the column.
    /// </summary>
    public static object Normalize(object? value, ColumnType type, string column, string what)
    {
        if (value is null) throw new ArgumentException($"{what} is null; index column '{column}' needs a {type} value.");
        object? r = (type, value) switch
        {
            (ColumnType.Int32, int i) => i,
            (ColumnType.Int32, long l) when l is >= int.MinValue and <= int.MaxValue => (int)l,
            (ColumnType.Int64, int i) => (long)i,
            (ColumnType.Int64, long l) => l,
            (ColumnType.Double, double d) when !double.IsNaN(d) => d,
            (ColumnType.Double, int i) => (double)i,
            (ColumnType.Double, long l) when (long)(double)l == l => (double)l,
            (ColumnType.String, string s) => s,
            (ColumnType.Date, DateOnly d) => d,
            (ColumnType.DateTime, DateTime t) => t,
            (ColumnType.Bool, bool b) => b,
            _ => null,
        };
        return r ?? throw new ArgumentException(
            $"{what} {Expr.Quote(value)} ({value.GetType().Name}) is not a value of index column '{column}', which is {type}.");
    }

    /// <summary>A column of <paramref name="type"/> holding <paramref name="values"/> (already normalised).</summary>
    public static Column ToColumn(ColumnType type, IReadOnlyList<object> values) => Column.FromValues(type, values.Cast<object?>().ToList());
}
