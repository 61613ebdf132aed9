namespace TaskGraph.Frames;

/// <summary>
/// Dense group ids for the rows of a table by key columns: <see cref="Gid"/>[row] in 0..<see cref="Count"/>-1, or
/// -1 when a key is missing (rows with missing keys are dropped, like pandas' <c>dropna=True</c>; with
/// <c>keepMissing</c>, as <c>dropna=False</c>, missing is a key value of its own). A dictionary-coded
/// string key maps its codes once instead of hashing every string; one integer key uses a hash map of values; the
/// general case hashes all key columns and compares against each group's first row.
/// </summary>
internal sealed class GroupIndex
{
    public int[] Gid { get; }
    public int Count { get; }
    /// <summary>The first row of every group, in order of first appearance.</summary>
    public int[] FirstRow { get; }

    /// <summary>Renumbers groups after rows were dropped (gid set to -1), removing groups left empty.</summary>
    public GroupIndex Compact()
    {
        var map = new int[Count];
        Array.Fill(map, -1);
        var first = new List<int>();
        for (int i = 0; i < Gid.Length; i++)
        {
            int g = Gid[i];
            if (g < 0) continue;
            int m = map[g];
            if (m < 0) { m = map[g] = first.Count; first.Add(i); }
            Gid[i] = m;
        }
        return new GroupIndex(Gid, first.Count, first.ToArray());
    }

    private GroupIndex(int[] gid, int count, int[] firstRow) { Gid = gid; Count = count; FirstRow = firstRow; }

    public static GroupIndex Build(Table table, string[] keys, bool keepMissing = false)
    {
        if (keepMissing) return BuildGeneral(table, keys, true);
        int n = table.RowCount;
        var gid = new int[n];
        if (keys.Length == 0) return new GroupIndex(gid, 1, [0]); // one group holding every row (a whole-frame aggregate)
        var cols = keys.Select(k => table[k]).ToArray();
        var first = new List<int>();
        if (cols.Length == 1 && cols[0].Codes is { } codes && cols[0].Dictionary is { } dict)
        {
            var map = new int[dict.Length];
            Array.Fill(map, -1);
            for (int i = 0; i < n; i++)
            {
                int c = codes[i];
                if (c < 0) { gid[i] = -1; continue; }
                int g = map[c];
                if (g < 0) { g = map[c] = first.Count; first.Add(i); }
                gid[i] = g;
            }
            return new GroupIndex(gid, first.Count, first.ToArray());
        }
        if (cols.Length == 1 && cols[0].Type is ColumnType.Int64 or ColumnType.Int32)
        {
            var col = cols[0];
            var map = new Dictionary<long, int>();
            bool wide = col.Type == ColumnType.Int64;
            for (int i = 0; i < n; i++)
            {
                if (!col.IsValid(i)) { gid[i] = -1; continue; }
                long v = wide ? col.Int64s[i] : col.Int32s[i];
                if (!map.TryGetValue(v, out int g)) { g = first.Count; map[v] = g; first.Add(i); }
                gid[i] = g;
            }
            return new GroupIndex(gid, first.Count, first.ToArray());
        }
        return BuildGeneral(table, keys, false);
    }

    private static GroupIndex BuildGeneral(Table table, string[] keys, bool keepMissing)
    {
        // general: open addressing over row hashes, equality against each group's first row (missing equals missing)
        int n = table.RowCount;
        var gid = new int[n];
        var cols = keys.Select(k => table[k]).ToArray();
        var first = new List<int>();
        int cap = 16;
        while (cap < n * 2) cap <<= 1;
        var slots = new int[Math.Min(cap, 1 << 26)];
        int mask = slots.Length - 1;
        var hashes = new List<ulong>();
        for (int i = 0; i < n; i++)
        {
            if (!keepMissing && AnyMissing(cols, i)) { gid[i] = -1; continue; }
            ulong h = JoinIndex.RowHash(cols, i);
            int slot = (int)(h & (ulong)mask);
            while (true)
            {
                int e = slots[slot];
                if (e == 0)
                {
                    int g = first.Count;
                    first.Add(i);
                    hashes.Add(h);
                    slots[slot] = g + 1;
                    gid[i] = g;
                    break;
                }
                int r = first[e - 1];
                if (hashes[e - 1] == h && RowEquals(cols, i, r)) { gid[i] = e - 1; break; }
                slot = (slot + 1) & mask;
            }
        }
        return new GroupIndex(gid, first.Count, first.ToArray());
    }

    private static bool AnyMissing(Column[] cols, int row)
    {
        foreach (var c in cols) if (!c.IsValid(row)) return true;
        return false;
    }

    private static bool RowEquals(Column[] cols, int a, int b)
    {
        foreach (var c in cols) if (!c.ValueEquals(a, c, b)) return false;
        return true;
    }
}
