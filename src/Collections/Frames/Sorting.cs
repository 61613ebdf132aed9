namespace TaskGraph.Frames;

/// <summary>Row orderings of a table by key columns (stable; missing values last).</summary>
internal static class Sorting
{
    /// <summary>Row indices in sorted order.</summary>
    public static int[] Order(Table t, string[] keys, bool[]? descending)
    {
        var cols = keys.Select(k => t[k]).ToArray();
        if (TryOrderByEncodedKeys(cols, descending, t.RowCount) is { } fast) return fast;
        var comparison = Comparison(cols, descending);
        var idx = Enumerable.Range(0, t.RowCount).ToArray();
        // stable: break ties by row index
        Array.Sort(idx, (a, b) => { int c = comparison(a, b); return c != 0 ? c : a.CompareTo(b); });
        return idx;
    }

    /// <summary>
    /// One or two numeric key columns without missing values (a sort by fare, then id): each key becomes an unsigned
    /// integer in the same order (descending ones inverted), and rows sort as (key, key, row) structs — no delegate
    /// or column lookup per comparison, and the row breaks ties as the stable sort does. Null for other keys.
    /// </summary>
    private static int[]? TryOrderByEncodedKeys(Column[] cols, bool[]? descending, int rows)
    {
        if (cols.Length is 0 or > 2) return null;
        foreach (var c in cols)
            if (c.Type is ColumnType.String or ColumnType.Bool || (c.Validity is { } v && Array.IndexOf(v, false, 0, rows) >= 0)) return null;
        var a = Encode(cols[0], descending is not null && descending[0], rows);
        var b = cols.Length == 2 ? Encode(cols[1], descending is not null && descending[1], rows) : null;
        var items = new EncodedRow[rows];
        for (int i = 0; i < rows; i++) items[i] = new EncodedRow(a[i], b is null ? 0 : b[i], i);
        Array.Sort(items);
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = items[i].Row;
        return order;
    }

    // Order-preserving unsigned codes: integers with the sign bit flipped; doubles by their bits (negatives
    // inverted), NaN first and -0 as 0, as double.CompareTo orders them.
    private static ulong[] Encode(Column c, bool descending, int rows)
    {
        var codes = new ulong[rows];
        switch (c.Type)
        {
            case ColumnType.Int32 or ColumnType.Date:
                var i32 = c.Int32s;
                for (int i = 0; i < rows; i++) codes[i] = (ulong)((long)i32[i] ^ long.MinValue);
                break;
            case ColumnType.Int64 or ColumnType.DateTime:
                var i64 = c.Int64s;
                for (int i = 0; i < rows; i++) codes[i] = (ulong)(i64[i] ^ long.MinValue);
                break;
            default:
                var d = c.Doubles;
                for (int i = 0; i < rows; i++)
                {
                    double x = d[i];
                    if (double.IsNaN(x)) { codes[i] = 0; continue; }
                    long bits = BitConverter.DoubleToInt64Bits(x == 0 ? 0.0 : x);
                    codes[i] = bits < 0 ? ~(ulong)bits : (ulong)bits | 0x8000_0000_0000_0000UL;
                }
                break;
        }
        if (descending) for (int i = 0; i < rows; i++) codes[i] = ~codes[i];
        return codes;
    }

    private readonly record struct EncodedRow(ulong A, ulong B, int Row) : IComparable<EncodedRow>
    {
        public int CompareTo(EncodedRow other)
        {
            int c = A.CompareTo(other.A);
            if (c != 0) return c;
            c = B.CompareTo(other.B);
            return c != 0 ? c : Row.CompareTo(other.Row);
        }
    }

    public static Comparison<int> Comparison(Column[] cols, bool[]? descending) => (a, b) =>
    {
        for (int k = 0; k < cols.Length; k++)
        {
            bool aValid = cols[k].IsValid(a), bValid = cols[k].IsValid(b);
            if (!aValid || !bValid)
            {
                if (aValid == bValid) continue;
                return aValid ? -1 : 1; // missing last either way
            }
            int c = cols[k].CompareAt(a, b);
            if (c != 0) return descending is not null && descending[k] ? -c : c;
        }
        return 0;
    };
}
