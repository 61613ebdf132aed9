namespace TaskGraph.Frames;

/// <summary>
/// A hash index over the key columns of a table (the build side of a hash join): chained buckets in plain
/// arrays, built once and shared by every probing partition of a broadcast join. Missing keys match each other,
/// as in pandas' merge.
/// </summary>
internal sealed class JoinIndex
{
    /// <summary>The indexed table.</summary>
    public Table Table { get; }
    /// <summary>Key columns.</summary>
    public string[] Keys { get; }
    private readonly int[] _heads; // row + 1 per bucket, 0 = empty
    private readonly int[] _next;  // next row + 1 in the same bucket
    private readonly ulong[] _hash;
    private readonly int _mask;

    /// <summary>Indexes <paramref name="table"/> by <paramref name="keys"/>.</summary>
    public JoinIndex(Table table, string[] keys)
    {
        Table = table;
        Keys = keys;
        int n = table.RowCount;
        int cap = 16;
        while (cap < n * 2) cap <<= 1;
        _heads = new int[cap];
        _mask = cap - 1;
        _next = new int[n];
        _hash = RowHashes(table, keys);
        // insert backwards so each chain lists rows in ascending order
        for (int r = n - 1; r >= 0; r--)
        {
            int b = (int)(_hash[r] & (ulong)_mask);
            _next[r] = _heads[b];
            _heads[b] = r + 1;
        }
    }

    /// <summary>A hash per row over the key columns (the same function partitions both sides of a shuffle).</summary>
    public static ulong[] RowHashes(Table table, string[] keys)
    {
        var cols = keys.Select(k => table[k]).ToArray();
        var h = new ulong[table.RowCount];
        if (cols.Length == 1 && cols[0].Type == ColumnType.Int64 && cols[0].Validity is null)
        {
            var v = cols[0].Int64s;
            for (int i = 0; i < h.Length; i++) h[i] = StableHash.Mix(StableHash.RowSeed ^ StableHash.Mix((ulong)v[i]));
            return h;
        }
        for (int i = 0; i < h.Length; i++) h[i] = RowHash(cols, i);
        return h;
    }

    /// <summary>
    /// The one row hash of frames: row <paramref name="row"/> over the key columns <paramref name="cols"/>, chained
    /// through <see cref="StableHash.Mix"/> from <see cref="StableHash.RowSeed"/> (joins, shuffles and group-by all
    /// use it, so equal keys meet wherever they are hashed).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ulong RowHash(Column[] cols, int row)
    {
        ulong h = StableHash.RowSeed;
        foreach (var c in cols) h = StableHash.Mix(h ^ c.HashAt(row));
        return h;
    }

    /// <summary>
    /// Matches every row of <paramref name="probe"/> (keys <paramref name="probeKeys"/>) against the index. Emits
    /// (probe row, build row) pairs in probe order; unmatched probe rows as (row, -1) when
    /// <paramref name="keepProbeUnmatched"/>; unmatched build rows as (-1, row) at the end when
    /// <paramref name="keepBuildUnmatched"/>.
    /// </summary>
    public (int[] Probe, int[] Build, int Count) Match(Table probe, string[] probeKeys, bool keepProbeUnmatched, bool keepBuildUnmatched)
    {
        var pc = probeKeys.Select(k => probe[k]).ToArray();
        var bc = Keys.Select(k => Table[k]).ToArray();
        int n = probe.RowCount;
        var outP = new int[Math.Max(16, n)];
        var outB = new int[outP.Length];
        int k = 0;
        var matched = keepBuildUnmatched ? new bool[Table.RowCount] : null;
        void Emit(int p, int b)
        {
            if (k == outP.Length) { Array.Resize(ref outP, k * 2); Array.Resize(ref outB, k * 2); }
            outP[k] = p; outB[k] = b; k++;
            if (b >= 0 && matched is not null) matched[b] = true;
        }
        if (pc.Length == 1 && pc[0].Codes is { } codes && pc[0].Dictionary is { } dict)
        {
            // dictionary-coded probe key: resolve each distinct string once
            var dictTable = Table.Create(("k", new Column(ColumnType.String, dict, dict.Length)));
            var perCode = new int[dict.Length][];
            var dh = RowHashes(dictTable, ["k"]);
            var dcol = dictTable[0];
            for (int c = 0; c < dict.Length; c++) perCode[c] = Chain(dh[c], dcol, c, bc).ToArray();
            var nullMatches = pc[0].Validity is null ? [] : NullMatches(bc);
            for (int i = 0; i < n; i++)
            {
                var rows = codes[i] >= 0 ? perCode[codes[i]] : nullMatches;
                if (rows.Length == 0) { if (keepProbeUnmatched) Emit(i, -1); continue; }
                foreach (var b in rows) Emit(i, b);
            }
        }
        else if (pc.Length == 1 && pc[0].Type == ColumnType.Int64 && pc[0].Validity is null && bc[0].Type == ColumnType.Int64 && bc[0].Validity is null)
        {
            var pv = pc[0].Int64s; var bv = bc[0].Int64s;
            var ph = RowHashes(probe, probeKeys);
            for (int i = 0; i < n; i++)
            {
                bool any = false;
                for (int e = _heads[(int)(ph[i] & (ulong)_mask)]; e != 0; e = _next[e - 1])
                {
                    int b = e - 1;
                    if (bv[b] == pv[i]) { Emit(i, b); any = true; }
                }
                if (!any && keepProbeUnmatched) Emit(i, -1);
            }
        }
        else
        {
            var ph = RowHashes(probe, probeKeys);
            for (int i = 0; i < n; i++)
            {
                bool any = false;
                for (int e = _heads[(int)(ph[i] & (ulong)_mask)]; e != 0; e = _next[e - 1])
                {
                    int b = e - 1;
                    if (_hash[b] == ph[i] && RowEquals(pc, i, bc, b)) { Emit(i, b); any = true; }
                }
                if (!any && keepProbeUnmatched) Emit(i, -1);
            }
        }
        if (matched is not null)
            for (int b = 0; b < matched.Length; b++) if (!matched[b]) Emit(-1, b);
        return (outP, outB, k);
    }

    private List<int> Chain(ulong h, Column probeCol, int row, Column[] bc)
    {
        var list = new List<int>();
        for (int e = _heads[(int)(h & (ulong)_mask)]; e != 0; e = _next[e - 1])
            if (_hash[e - 1] == h && probeCol.ValueEquals(row, bc[0], e - 1)) list.Add(e - 1);
        return list;
    }

    private int[] NullMatches(Column[] bc)
    {
        var list = new List<int>();
        for (int b = 0; b < Table.RowCount; b++) if (!bc[0].IsValid(b)) list.Add(b);
        return list.ToArray();
    }

    private static bool RowEquals(Column[] a, int i, Column[] b, int j)
    {
        for (int c = 0; c < a.Length; c++) if (!a[c].ValueEquals(i, b[c], j)) return false;
        return true;
    }
}
