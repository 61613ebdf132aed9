namespace TaskGraph.Frames;

/// <summary>Row orderings of a table by key columns (stable; missing values last).</summary>
internal static class Sorting
{
    /// <summary>Row indices in sorted order.</summary>
    public static int[] Order(Table t, string[] keys, bool[]? descending)
    {
        var cols = keys.Select(k => t[k]).ToArray();
        var comparison = Comparison(cols, descending);
        var idx = Enumerable.Range(0, t.RowCount).ToArray();
        // stable: break ties by row index
        Array.Sort(idx, (a, b) => { int c = comparison(a, b); return c != 0 ? c : a.CompareTo(b); });
        return idx;
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
