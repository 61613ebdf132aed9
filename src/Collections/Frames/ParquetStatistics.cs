using System.Text;

namespace TaskGraph.Frames;

/// <summary>A row group's statistics for one column (any part may be missing: then it proves nothing).</summary>
internal sealed record ColumnStats(object? Min, object? Max, long? NullCount, long Rows);

/// <summary>
/// Decides from row-group statistics that a filter is false (or missing) for every row of the group, so the group
/// need not be read. Only what the statistics prove: comparisons of a column with a literal, <c>&amp;</c>,
/// <c>|</c>, null tests; anything else keeps the group.
/// </summary>
internal static class ParquetStatistics
{
    /// <summary>The filters at the front of <paramref name="ops"/> (before any step that changes columns), and <paramref name="extra"/>, as one predicate.</summary>
    internal static Expr? LeadingPredicate(PartitionOp[] ops, Expr? extra)
    {
        Expr? p = null;
        foreach (var op in ops)
        {
            if (op is FilterOp f) p = p is null ? f.Predicate : p & f.Predicate;
            else if (op is ProjectOp proj && proj.Exprs.Select((e, i) => e is ColumnRef c && c.Name == proj.Names[i]).All(x => x)) continue;
            else return p; // a later filter may read computed or renamed columns: the file's statistics say nothing of them
        }
        // extra runs after every op, which only filtered and selected: its columns are the file's
        return extra is null ? p : p is null ? extra : p & extra;
    }

    /// <summary>True when the statistics prove <paramref name="predicate"/> is not true for any row.</summary>
    internal static bool CanSkip(Expr predicate, Func<string, ColumnStats?> stats) => predicate switch
    {
        Binary { Op: BinaryOp.And } b => CanSkip(b.Left, stats) || CanSkip(b.Right, stats),
        Binary { Op: BinaryOp.Or } b => CanSkip(b.Left, stats) && CanSkip(b.Right, stats),
        Binary { Left: ColumnRef c, Right: Literal l } b => Compare(b.Op, stats(c.Name), l.Value),
        Binary { Left: Literal l, Right: ColumnRef c } b => Flip(b.Op) is BinaryOp op && Compare(op, stats(c.Name), l.Value),
        Unary { Op: UnaryOp.IsNull, Inner: ColumnRef c } => stats(c.Name) is { NullCount: 0 },
        Unary { Op: UnaryOp.IsNotNull, Inner: ColumnRef c } => stats(c.Name) is { NullCount: long k, Rows: long r } && k == r,
        _ => false,
    };

    private static BinaryOp? Flip(BinaryOp op) => op switch
    {
        BinaryOp.Less => BinaryOp.Greater,
        BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual,
        BinaryOp.Greater => BinaryOp.Less,
        BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual,
        BinaryOp.Equal => BinaryOp.Equal,
        _ => null,
    };

    private static bool Compare(BinaryOp op, ColumnStats? s, object? literal)
    {
        if (s is null || literal is null) return false;
        if (s.NullCount is long nulls && nulls == s.Rows && s.Rows > 0) return op is BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual or BinaryOp.Equal;
        if (s.Min is null || s.Max is null) return false;
        int? lo = Order(s.Min, literal), hi = Order(s.Max, literal); // sign of (stat - literal)
        if (lo is null || hi is null) return false;
        return op switch
        {
            BinaryOp.Greater => hi <= 0,        // every value ≤ max ≤ literal
            BinaryOp.GreaterOrEqual => hi < 0,
            BinaryOp.Less => lo >= 0,
            BinaryOp.LessOrEqual => lo > 0,
            BinaryOp.Equal => lo > 0 || hi < 0,
            _ => false,
        };
    }

    /// <summary>The sign of <paramref name="stat"/> − <paramref name="literal"/>, or null when they do not compare exactly.</summary>
    private static int? Order(object stat, object literal)
    {
        switch (stat, literal)
        {
            case (double or float, _) or (_, double):
                if (!IsNumber(stat) || !IsNumber(literal)) return null;
                double a = System.Convert.ToDouble(stat, System.Globalization.CultureInfo.InvariantCulture), b = System.Convert.ToDouble(literal, System.Globalization.CultureInfo.InvariantCulture);
                return double.IsNaN(a) || double.IsNaN(b) ? null : a.CompareTo(b);
            case (int or long or short or byte or sbyte or ushort or uint, int or long):
                return System.Convert.ToInt64(stat, System.Globalization.CultureInfo.InvariantCulture).CompareTo(System.Convert.ToInt64(literal, System.Globalization.CultureInfo.InvariantCulture));
            case (string or ReadOnlyMemory<char>, string t):
                // Parquet orders strings by their UTF-8 bytes (not UTF-16 code units): compare the same way
                return Math.Sign(Encoding.UTF8.GetBytes(stat.ToString()!).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(t)));
            case (DateOnly d, DateOnly e): return d.CompareTo(e);
            case (DateTime d, DateTime e): return d.Ticks.CompareTo(e.Ticks);
            default: return null;
        }
    }

    private static bool IsNumber(object v) => v is double or float or int or long or short or byte or sbyte or ushort or uint;
}
