namespace TaskGraph.Frames;

/// <summary>
/// A partial aggregate: one row per group seen so far (<see cref="Keys"/>), and per aggregation its state columns
/// (sums, counts, running min/max, Welford count/mean/M2) plus, for NUnique and custom aggregations, one state
/// object per group. Partials of different partitions combine into one (the tree reduction), then finalize.
/// </summary>
internal sealed class AggPartial
{
    /// <summary>Creates a partial.</summary>
    public AggPartial(Table keys, Column[][] states, object?[]?[] extra)
    {
        Keys = keys;
        States = states;
        Extra = extra;
    }

    /// <summary>Key values, one row per group.</summary>
    public Table Keys { get; }

    /// <summary>State columns per aggregation (one row per group).</summary>
    public Column[][] States { get; }

    /// <summary>State objects per aggregation (NUnique sets, custom states), or null.</summary>
    public object?[]?[] Extra { get; }

    /// <summary>Number of groups.</summary>
    public int Groups => Keys.RowCount;

    /// <summary>The partial aggregate of one partition.</summary>
    public static AggPartial Chunk(Table table, string[] keys, Aggregation[] aggs) => Chunk(table, keys, aggs, null);

    /// <summary>
    /// The partial aggregate of the rows of one partition where <paramref name="predicate"/> holds (all when null):
    /// a filter right before a group-by only marks rows out of their group instead of copying the survivors.
    /// </summary>
    /// <remarks>
    /// With <paramref name="dropNa"/> (pandas' <c>dropna=True</c>, the default) a row whose key has a missing value
    /// in any key column belongs to no group; without it, missing is a key value like any other (it equals missing).
    /// </remarks>
    public static AggPartial Chunk(Table table, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa = true)
    {
        var gi = GroupIndex.Build(table, keys, keepMissing: !dropNa);
        if (predicate is not null)
        {
            var mask = predicate.Evaluate(table);
            var v = mask.Bools;
            var gid = gi.Gid;
            for (int i = 0; i < table.RowCount; i++) if (!(v[i] && mask.IsValid(i))) gid[i] = -1;
            if (keys.Length > 0) gi = gi.Compact(); // a whole-frame aggregate keeps its one group even when empty
        }
        var keyTable = table.Select(keys).Take(gi.FirstRow, gi.Count);
        var states = new Column[aggs.Length][];
        var extra = new object?[]?[aggs.Length];
        for (int a = 0; a < aggs.Length; a++)
        {
            var agg = aggs[a];
            var col = agg.Column is null ? null : table[agg.Column];
            (states[a], extra[a]) = AggKernels.Chunk(agg, col, table.RowCount, gi.Gid, gi.Count);
        }
        return new AggPartial(keyTable, states, extra);
    }

    /// <summary>Merges partials (in order: First/Last respect it); <paramref name="dropNa"/> as the partials were chunked.</summary>
    public static AggPartial Combine(IReadOnlyList<AggPartial> parts, string[] keys, Aggregation[] aggs, bool dropNa = true)
    {
        if (parts.Count == 1) return parts[0];
        return Regroup(parts, keys, aggs, dropNa);
    }

    /// <summary>
    /// This partial's groups under other keys: group <c>rows[i]</c> becomes row i of <paramref name="newKeys"/> (a group
    /// may appear several times, or not at all), and rows with equal <paramref name="keys"/> merge their states.
    /// Exact for aggregations that combine states whatever the row order (<see cref="CombinesInAnyOrder"/>).
    /// </summary>
    public AggPartial Rekey(Table newKeys, int[] rows, int count, string[] keys, Aggregation[] aggs, bool dropNa)
    {
        var moved = new AggPartial(newKeys,
            States.Select(s => s.Select(c => c.Take(rows, count)).ToArray()).ToArray(),
            Extra.Select(e => e is null ? null : rows.Take(count).Select(i => e[i]).ToArray()).ToArray());
        return Regroup([moved], keys, aggs, dropNa);
    }

    /// <summary>True when <paramref name="kind"/>'s state merges the same whichever rows come first (not First, Last, NUnique, whose per-group sets must not be shared, or custom ones).</summary>
    public static bool CombinesInAnyOrder(AggKind kind) => kind is AggKind.Sum or AggKind.Mean or AggKind.Count or AggKind.Size
        or AggKind.Min or AggKind.Max or AggKind.Std or AggKind.Var;

    private static AggPartial Regroup(IReadOnlyList<AggPartial> parts, string[] keys, Aggregation[] aggs, bool dropNa)
    {
        var keyTable = Table.Concat(parts.Select(p => p.Keys).ToList(), parts[0].Keys.Schema);
        if (keys.Length == 0) keyTable = new Table(keyTable.Schema, [], parts.Sum(p => p.Groups));
        var gi = GroupIndex.Build(keyTable, keys, keepMissing: !dropNa);
        var states = new Column[aggs.Length][];
        var extra = new object?[]?[aggs.Length];
        for (int a = 0; a < aggs.Length; a++)
        {
            int ns = parts[0].States[a].Length;
            var cat = new Column[ns];
            for (int s = 0; s < ns; s++) cat[s] = Column.Concat(parts.Select(p => p.States[a][s]).ToList());
            object?[]? ex = null;
            if (parts[0].Extra[a] is not null) ex = parts.SelectMany(p => p.Extra[a]!).ToArray();
            (states[a], extra[a]) = AggKernels.Combine(aggs[a], cat, ex, gi.Gid, gi.Count);
        }
        return new AggPartial(keys.Length == 0 ? new Table(keyTable.Schema, [], 1) : keyTable.Take(gi.FirstRow, gi.Count), states, extra);
    }

    /// <summary>The result table: keys (sorted) then one column per aggregation.</summary>
    public Table Finalize(Aggregation[] aggs, Schema schema)
    {
        var cols = new List<Column>(Keys.Columns);
        for (int a = 0; a < aggs.Length; a++) cols.Add(AggKernels.Finalize(aggs[a], States[a], Extra[a], Groups));
        var t = new Table(schema, cols.ToArray(), Groups);
        if (Keys.ColumnCount == 0) return t;
        return t.Take(Sorting.Order(t, Keys.Schema.Names, null), t.RowCount);
    }

    /// <summary>Splits the groups into <paramref name="n"/> parts by key hash (for split_out), as the hash shuffle splits rows.</summary>
    public AggPartial[] Split(int n, string[] keys)
    {
        return HashShuffle.RowsByHash(JoinIndex.RowHashes(Keys, keys), n).Select(idx =>
        {
            return new AggPartial(Keys.Take(idx, idx.Length),
                States.Select(s => s.Select(c => c.Take(idx, idx.Length)).ToArray()).ToArray(),
                Extra.Select(e => e is null ? null : idx.Select(i => e[i]).ToArray()).ToArray());
        }).ToArray();
    }
}
