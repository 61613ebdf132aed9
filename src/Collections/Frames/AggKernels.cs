namespace TaskGraph.Frames;

/// <summary>The per-aggregation chunk, combine and finalize steps over dense group ids.</summary>
internal static class AggKernels
{
    public static (Column[] States, object?[]? Extra) Chunk(Aggregation agg, Column? col, int rows, int[] gid, int ng)
    {
        switch (agg.Kind)
        {
            case AggKind.Size:
            {
                var cnt = new long[ng];
                for (int i = 0; i < rows; i++) { int g = gid[i]; if (g >= 0) cnt[g]++; }
                return ([Column.Of(cnt)], null);
            }
            case AggKind.Count: return ([Column.Of(CountValid(col!, gid, ng))], null);
            case AggKind.Sum: return ([Sum(col!, gid, ng)], null);
            case AggKind.Mean: return ([Sum(Numeric(col!), gid, ng), Column.Of(CountValid(col!, gid, ng))], null);
            case AggKind.Std or AggKind.Var: return (Welford(Numeric(col!), gid, ng), null);
            case AggKind.Min or AggKind.Max or AggKind.First or AggKind.Last: return ([Pick(agg.Kind, col!, gid, ng)], null);
            case AggKind.NUnique:
            {
                var sets = new object?[ng];
                for (int g = 0; g < ng; g++) sets[g] = new HashSet<object>();
                for (int i = 0; i < col!.Length; i++)
                {
                    int g = gid[i];
                    if (g >= 0 && col.IsValid(i)) ((HashSet<object>)sets[g]!).Add(col.GetValue(i)!);
                }
                return ([], sets);
            }
            default:
            {
                var rowsOf = RowsByGroup(gid, col!.Length, ng);
                var states = new object?[ng];
                for (int g = 0; g < ng; g++) states[g] = agg.Custom!.Chunk(col.Take(rowsOf[g], rowsOf[g].Length));
                return ([], states);
            }
        }
    }

    public static (Column[] States, object?[]? Extra) Combine(Aggregation agg, Column[] states, object?[]? extra, int[] gid, int ng)
    {
        switch (agg.Kind)
        {
            case AggKind.Size or AggKind.Count or AggKind.Sum: return ([Sum(states[0], gid, ng)], null);
            case AggKind.Mean: return ([Sum(states[0], gid, ng), Sum(states[1], gid, ng)], null);
            case AggKind.Std or AggKind.Var:
            {
                var n = states[0].Int64s; var mean = states[1].Doubles; var m2 = states[2].Doubles;
                var rn = new long[ng]; var rmean = new double[ng]; var rm2 = new double[ng];
                for (int i = 0; i < gid.Length; i++)
                {
                    int g = gid[i];
                    if (g < 0 || n[i] == 0) continue;
                    long na = rn[g], nb = n[i], nt = na + nb;
                    double delta = mean[i] - rmean[g];
                    rmean[g] += delta * nb / nt;
                    rm2[g] += m2[i] + delta * delta * na * nb / nt;
                    rn[g] = nt;
                }
                return ([Column.Of(rn), Column.Of(rmean), Column.Of(rm2)], null);
            }
            case AggKind.Min or AggKind.Max or AggKind.First or AggKind.Last: return ([Pick(agg.Kind, states[0], gid, ng)], null);
            case AggKind.NUnique:
            {
                var sets = new object?[ng];
                for (int i = 0; i < gid.Length; i++)
                {
                    int g = gid[i];
                    if (g < 0) continue;
                    if (sets[g] is null) sets[g] = new HashSet<object>((HashSet<object>)extra![i]!);
                    else ((HashSet<object>)sets[g]!).UnionWith((HashSet<object>)extra![i]!);
                }
                return ([], sets);
            }
            default:
            {
                var result = new object?[ng];
                var seen = new bool[ng];
                for (int i = 0; i < gid.Length; i++)
                {
                    int g = gid[i];
                    if (g < 0) continue;
                    result[g] = seen[g] ? agg.Custom!.Combine(result[g], extra![i]) : extra![i];
                    seen[g] = true;
                }
                return ([], result);
            }
        }
    }

    public static Column Finalize(Aggregation agg, Column[] states, object?[]? extra, int ng)
    {
        switch (agg.Kind)
        {
            case AggKind.Size or AggKind.Count or AggKind.Sum or AggKind.Min or AggKind.Max or AggKind.First or AggKind.Last:
                return states[0];
            case AggKind.Mean:
            {
                var s = states[0].Type == ColumnType.Double ? states[0].Doubles : states[0].Int64s.Select(v => (double)v).ToArray();
                var c = states[1].Int64s;
                var r = new double[ng];
                bool[]? valid = null;
                for (int g = 0; g < ng; g++)
                {
                    if (c[g] == 0) { valid ??= Enumerable.Repeat(true, ng).ToArray(); valid[g] = false; continue; }
                    r[g] = s[g] / c[g];
                }
                return Column.Of(r, valid);
            }
            case AggKind.Std or AggKind.Var:
            {
                var n = states[0].Int64s; var m2 = states[2].Doubles;
                var r = new double[ng];
                bool[]? valid = null;
                for (int g = 0; g < ng; g++)
                {
                    if (n[g] < 2) { valid ??= Enumerable.Repeat(true, ng).ToArray(); valid[g] = false; continue; }
                    double v = m2[g] / (n[g] - 1);
                    r[g] = agg.Kind == AggKind.Std ? Math.Sqrt(v) : v;
                }
                return Column.Of(r, valid);
            }
            case AggKind.NUnique:
                return Column.Of(extra!.Select(s => (long)(((HashSet<object>?)s)?.Count ?? 0)).ToArray());
            default:
                return Column.FromValues(agg.Custom!.OutputType, extra!.Select(s => agg.Custom!.Finalize(s)).ToArray());
        }
    }

    private static Column Numeric(Column c) => c.Type == ColumnType.Double ? c : new Column(ColumnType.Double, ColumnKernels.Doubles(c), c.Length, c.Validity);

    private static long[] CountValid(Column c, int[] gid, int ng)
    {
        var cnt = new long[ng];
        var m = c.Validity;
        for (int i = 0; i < c.Length; i++) { int g = gid[i]; if (g >= 0 && (m is null || m[i])) cnt[g]++; }
        return cnt;
    }

    private static Column Sum(Column c, int[] gid, int ng)
    {
        var m = c.Validity;
        int n = c.Length;
        if (c.Type == ColumnType.Double)
        {
            var s = new double[ng];
            var v = c.Doubles;
            if (m is null) for (int i = 0; i < n; i++) { int g = gid[i]; if (g >= 0) s[g] += v[i]; }
            else for (int i = 0; i < n; i++) { int g = gid[i]; if (g >= 0 && m[i]) s[g] += v[i]; }
            return Column.Of(s);
        }
        var l = new long[ng];
        var x = ColumnKernels.Longs(c);
        for (int i = 0; i < n; i++) { int g = gid[i]; if (g >= 0 && (m is null || m[i])) l[g] += x[i]; }
        return Column.Of(l);
    }

    private static Column[] Welford(Column c, int[] gid, int ng)
    {
        var n = new long[ng]; var mean = new double[ng]; var m2 = new double[ng];
        var v = c.Doubles;
        for (int i = 0; i < c.Length; i++)
        {
            int g = gid[i];
            if (g < 0 || !c.IsValid(i)) continue;
            long k = ++n[g];
            double d = v[i] - mean[g];
            mean[g] += d / k;
            m2[g] += d * (v[i] - mean[g]);
        }
        return [Column.Of(n), Column.Of(mean), Column.Of(m2)];
    }

    /// <summary>Min, Max, First or Last present value per group, as a column (missing where a group has none).</summary>
    private static Column Pick(AggKind kind, Column c, int[] gid, int ng)
    {
        var best = new int[ng];
        Array.Fill(best, -1);
        int n = c.Length;
        if (c.Type == ColumnType.Double && kind is AggKind.Min or AggKind.Max)
        {
            var v = c.Doubles;
            bool max = kind == AggKind.Max;
            for (int i = 0; i < n; i++)
            {
                int g = gid[i];
                if (g < 0 || !c.IsValid(i) || double.IsNaN(v[i])) continue;
                int b = best[g];
                if (b < 0 || (max ? v[i] > v[b] : v[i] < v[b])) best[g] = i;
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                int g = gid[i];
                if (g < 0 || !c.IsValid(i)) continue;
                int b = best[g];
                bool take = kind switch
                {
                    AggKind.First => b < 0,
                    AggKind.Last => true,
                    AggKind.Min => b < 0 || c.CompareAt(i, b) < 0,
                    _ => b < 0 || c.CompareAt(i, b) > 0,
                };
                if (take) best[g] = i;
            }
        }
        return c.Take(best, ng);
    }

    private static int[][] RowsByGroup(int[] gid, int n, int ng)
    {
        var count = new int[ng];
        for (int i = 0; i < n; i++) if (gid[i] >= 0) count[gid[i]]++;
        var rows = new int[ng][];
        for (int g = 0; g < ng; g++) rows[g] = new int[count[g]];
        Array.Clear(count);
        for (int i = 0; i < n; i++) { int g = gid[i]; if (g >= 0) rows[g][count[g]++] = i; }
        return rows;
    }
}
