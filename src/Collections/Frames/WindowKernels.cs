namespace TaskGraph.Frames;

/// <summary>
/// The state of one cumulative function between partitions: a running double (<see cref="D"/>, Double columns), a
/// running integer (<see cref="L"/>, integer, date and date-time columns, and counts), and whether a value was seen
/// (a running maximum has no identity).
/// </summary>
internal readonly record struct ScanState(double D, long L, bool Seen);

/// <summary>
/// The column kernels of window functions. Each reads an "extended" column: the rows a partition borrowed from the
/// partitions before it (<c>offset</c> of them), the partition's own <c>count</c> rows, then the rows borrowed from
/// after it; each returns a column of the partition's rows only. Cumulative functions read the partition alone and
/// start from the state the partitions before it left.
/// </summary>
internal static class WindowKernels
{
    /// <summary>The value <paramref name="periods"/> rows earlier (missing outside the extended column).</summary>
    public static Column Shift(Column ext, int offset, int count, int periods)
    {
        var index = new int[count];
        for (int i = 0; i < count; i++)
        {
            long j = (long)offset + i - periods;
            index[i] = j >= 0 && j < ext.Length ? (int)j : -1;
        }
        return ext.Take(index, count);
    }

    /// <summary>The difference from the value <paramref name="periods"/> rows earlier, as Double (integers subtracted exactly first).</summary>
    public static Column Diff(Column ext, int offset, int count, int periods)
    {
        var result = new double[count];
        bool[]? valid = null;
        for (int i = 0; i < count; i++)
        {
            int at = offset + i;
            long j = (long)at - periods;
            if (j < 0 || j >= ext.Length || !ext.IsValid(at) || !ext.IsValid((int)j))
            {
                valid ??= Enumerable.Repeat(true, count).ToArray();
                valid[i] = false;
                continue;
            }
            int k = (int)j;
            result[i] = ext.Type switch
            {
                ColumnType.Double => ext.Doubles[at] - ext.Doubles[k],
                ColumnType.Int32 => (double)((long)ext.Int32s[at] - ext.Int32s[k]),
                _ => (double)(ext.Int64s[at] - ext.Int64s[k]),
            };
        }
        return new Column(ColumnType.Double, result, count, valid);
    }

    /// <summary>The state before any row: 0 for sums and counts, 1 for products, nothing seen for extremes.</summary>
    public static ScanState Identity(WindowKind kind) => kind == WindowKind.CumProd ? new(1, 1, false) : new(0, 0, false);

    /// <summary>The state after the rows of <paramref name="a"/> then those of <paramref name="b"/>.</summary>
    public static ScanState Combine(WindowKind kind, ScanState a, ScanState b) => kind switch
    {
        WindowKind.CumSum or WindowKind.CumCount => new(a.D + b.D, a.L + b.L, a.Seen | b.Seen),
        WindowKind.CumProd => new(a.D * b.D, a.L * b.L, a.Seen | b.Seen),
        _ when !a.Seen => b,
        _ when !b.Seen => a,
        WindowKind.CumMax => new(Math.Max(a.D, b.D), Math.Max(a.L, b.L), true),
        _ => new(Math.Min(a.D, b.D), Math.Min(a.L, b.L), true),
    };

    /// <summary>A partition's own total: the state after its rows, starting from the identity.</summary>
    public static ScanState Total(WindowKind kind, Column c) => Scan(kind, c, Identity(kind), null);

    /// <summary>
    /// The cumulative column of <paramref name="c"/> starting from <paramref name="start"/>: a missing value stays
    /// missing and a NaN stays NaN (neither enters the state), like pandas' <c>skipna=True</c>; a count is defined on every row.
    /// </summary>
    public static Column Cumulative(WindowKind kind, Column c, ScanState start, ColumnType resultType)
    {
        var output = Column.NewStorage(resultType, c.Length);
        Scan(kind, c, start, output);
        var valid = kind == WindowKind.CumCount || c.Validity is null ? null : c.Validity[..c.Length];
        return new Column(resultType, output, c.Length, valid);
    }

    // One pass over a partition's rows, writing the running value to output when there is one.
    private static ScanState Scan(WindowKind kind, Column c, ScanState state, Array? output)
    {
        int n = c.Length;
        var valid = c.Validity;
        if (kind == WindowKind.CumCount)
        {
            long count = state.L;
            var o = (long[]?)output;
            bool isDouble = c.Type == ColumnType.Double;
            for (int i = 0; i < n; i++)
            {
                if ((valid is null || valid[i]) && !(isDouble && double.IsNaN(c.Doubles[i]))) count++;
                if (o is not null) o[i] = count;
            }
            return state with { L = count, Seen = state.Seen | count > 0 };
        }
        if (c.Type == ColumnType.Double)
        {
            var x = c.Doubles;
            var o = (double[]?)output;
            double acc = state.D;
            bool seen = state.Seen;
            for (int i = 0; i < n; i++)
            {
                if (valid is not null && !valid[i]) continue;
                double v = x[i];
                if (double.IsNaN(v)) { if (o is not null) o[i] = v; continue; }
                acc = kind switch
                {
                    WindowKind.CumSum => acc + v,
                    WindowKind.CumProd => acc * v,
                    WindowKind.CumMax => seen ? Math.Max(acc, v) : v,
                    _ => seen ? Math.Min(acc, v) : v,
                };
                seen = true;
                if (o is not null) o[i] = acc;
            }
            return new(acc, state.L, seen);
        }
        {
            bool narrow = c.Type is ColumnType.Int32 or ColumnType.Date;
            var ints = narrow ? c.Int32s : null;
            var longs = narrow ? null : c.Int64s;
            var oi = output as int[];
            var ol = output as long[];
            long acc = state.L;
            bool seen = state.Seen;
            for (int i = 0; i < n; i++)
            {
                if (valid is not null && !valid[i]) continue;
                long v = narrow ? ints![i] : longs![i];
                acc = kind switch
                {
                    WindowKind.CumSum => unchecked(acc + v),
                    WindowKind.CumProd => unchecked(acc * v),
                    WindowKind.CumMax => seen ? Math.Max(acc, v) : v,
                    _ => seen ? Math.Min(acc, v) : v,
                };
                seen = true;
                if (ol is not null) ol[i] = acc;
                else if (oi is not null) oi[i] = (int)acc; // an extreme of int values is one of them
            }
            return new(state.D, acc, seen);
        }
    }

    /// <summary>
    /// A rolling statistic of each of the <paramref name="count"/> rows from <paramref name="offset"/> of the extended
    /// values <paramref name="x"/> (NaN where a value is missing, see <see cref="ExtendedDoubles"/>): its window runs
    /// from the step's rows before it (<see cref="WindowStep.Before"/>) to its rows after it (<see cref="WindowStep.After"/>),
    /// cut at the ends of the extended values (the ends of the frame); present values enter and leave the running
    /// state once each.
    /// </summary>
    public static Column Rolling(WindowStep s, double[] x, int offset, int count)
    {
        var result = new double[count];
        var valid = new bool[count];
        int before = s.Before, after = s.After, last = x.Length - 1;
        int lo = Math.Max(0, offset - before), hi = lo;
        int nobs = 0;
        switch (s.Kind)
        {
            case WindowKind.RollingSum or WindowKind.RollingMean or WindowKind.RollingCount:
            {
                // compensated running sum (as pandas' roll_sum), reset whenever the window holds no value
                double sum = 0, comp = 0;
                void Add(double v) { double y = v - comp, t = sum + y; comp = t - sum - y; sum = t; }
                for (int i = 0; i < count; i++)
                {
                    int e = offset + i, end = (int)Math.Min((long)e + after, last);
                    for (; hi <= end; hi++) if (!double.IsNaN(x[hi])) { nobs++; Add(x[hi]); }
                    for (long start = (long)e - before; lo < start; lo++)
                    {
                        if (double.IsNaN(x[lo])) continue;
                        if (--nobs == 0) sum = comp = 0;
                        else Add(-x[lo]);
                    }
                    if (nobs < s.MinPeriods || (s.Kind == WindowKind.RollingMean && nobs == 0)) continue;
                    valid[i] = true;
                    result[i] = s.Kind switch { WindowKind.RollingSum => nobs == 0 ? 0 : sum, WindowKind.RollingMean => sum / nobs, _ => nobs };
                }
                break;
            }
            case WindowKind.RollingVar or WindowKind.RollingStd:
            {
                // Welford's running mean and sum of squared deviations, with removal (as pandas' roll_var)
                double mean = 0, ssq = 0;
                for (int i = 0; i < count; i++)
                {
                    int e = offset + i, end = (int)Math.Min((long)e + after, last);
                    for (; hi <= end; hi++)
                    {
                        double v = x[hi];
                        if (double.IsNaN(v)) continue;
                        nobs++;
                        double d = v - mean;
                        mean += d / nobs;
                        ssq += d * (v - mean);
                    }
                    for (long start = (long)e - before; lo < start; lo++)
                    {
                        double v = x[lo];
                        if (double.IsNaN(v)) continue;
                        if (--nobs == 0) { mean = ssq = 0; continue; }
                        double d = v - mean;
                        mean -= d / nobs;
                        ssq -= d * (v - mean);
                    }
                    if (nobs < s.MinPeriods || nobs <= s.Ddof) continue;
                    double variance = nobs == 1 ? 0 : Math.Max(ssq, 0) / (nobs - s.Ddof);
                    valid[i] = true;
                    result[i] = s.Kind == WindowKind.RollingVar ? variance : Math.Sqrt(variance);
                }
                break;
            }
            default:
            {
                // a monotonic queue of row indices: its front is the window's extreme, each row enters and leaves once
                bool max = s.Kind == WindowKind.RollingMax;
                var queue = new int[Math.Max(0, last + 1 - lo)]; // each row from lo on enters at most once
                int head = 0, tail = 0;
                for (int i = 0; i < count; i++)
                {
                    int e = offset + i, end = (int)Math.Min((long)e + after, last);
                    for (; hi <= end; hi++)
                    {
                        double v = x[hi];
                        if (double.IsNaN(v)) continue;
                        nobs++;
                        while (tail > head && (max ? x[queue[tail - 1]] <= v : x[queue[tail - 1]] >= v)) tail--;
                        queue[tail++] = hi;
                    }
                    for (long start = (long)e - before; lo < start; lo++)
                    {
                        if (double.IsNaN(x[lo])) continue;
                        nobs--;
                        if (head < tail && queue[head] == lo) head++;
                    }
                    if (nobs < s.MinPeriods || nobs == 0) continue;
                    valid[i] = true;
                    result[i] = x[queue[head]];
                }
                break;
            }
        }
        return new Column(ColumnType.Double, result, count, Array.IndexOf(valid, false) < 0 ? null : valid);
    }

    /// <summary>
    /// The values of consecutive pieces of one column as one array of doubles, NaN where a value is missing (one copy,
    /// none for a single Double piece without missing values).
    /// </summary>
    public static double[] ExtendedDoubles(IReadOnlyList<Column> pieces)
    {
        if (pieces.Count == 1 && pieces[0] is { Type: ColumnType.Double, Validity: null } only && only.Data.Length == only.Length) return only.Doubles;
        var x = new double[pieces.Sum(p => p.Length)];
        int at = 0;
        foreach (var c in pieces)
        {
            if (c.Type == ColumnType.Double) Array.Copy(c.Doubles, 0, x, at, c.Length);
            else for (int i = 0; i < c.Length; i++) x[at + i] = c.Type == ColumnType.Int32 ? c.Int32s[i] : c.Int64s[i];
            if (c.Validity is { } valid) for (int i = 0; i < c.Length; i++) if (!valid[i]) x[at + i] = double.NaN;
            at += c.Length;
        }
        return x;
    }
}
