namespace TaskGraph.Frames;

/// <summary>
/// A mergeable summary of one numeric column for quantiles (with the moments <see cref="Frame.Describe()"/> reports):
/// sorted values with weights, plus count, mean, M2 (Welford, merged with Chan's update), min and max.
/// <para>
/// While a summary holds at most <see cref="Capacity"/> items it keeps every value (weight 1) and is exact. Beyond
/// that, <see cref="Compact"/> keeps <c>s = Capacity</c> items: for t = 1..s the item at cumulative weight position
/// t·W/s, each with weight W/s (W the total weight). For every x the summary's count of values ≤ x is then
/// W/s·⌊R(x)·s/W⌋, where R(x) is the count before: an error in [0, W/s). Merging summaries adds their errors, so
/// <see cref="RankError"/> (the sum of W/s over every compaction that built this summary) bounds how far, in rows,
/// any rank read from it is from the exact rank. A frame of P partitions compacts each partition once and each
/// combine level once, so the bound is at most (1 + L)·N/s for N values and L = ⌈log_splitEvery P⌉ − 1 combine
/// levels: with the defaults (s = 10,000, splitEvery 8) ±0.01% of the rows for up to 8 partitions, ±0.02% up to 64.
/// </para>
/// Deterministic (no sampling): the same partitions give the same answer on every scheduler.
/// </summary>
internal sealed class QuantileSketch
{
    /// <summary>Creates a summary from its parts.</summary>
    public QuantileSketch(double[] values, double[]? weights, long count, double mean, double m2, double min, double max, double rankError, int capacity)
    {
        Values = values;
        Weights = weights;
        Count = count;
        Mean = mean;
        M2 = m2;
        Min = min;
        Max = max;
        RankError = rankError;
        Capacity = capacity;
    }

    /// <summary>Kept values, ascending.</summary>
    public double[] Values { get; }
    /// <summary>The weight of each kept value, or null when every weight is 1 (nothing compacted yet).</summary>
    public double[]? Weights { get; }
    /// <summary>Number of values summarised (missing and NaN values excluded).</summary>
    public long Count { get; }
    /// <summary>Their mean.</summary>
    public double Mean { get; }
    /// <summary>Sum of squared deviations from the mean.</summary>
    public double M2 { get; }
    /// <summary>Smallest value (+∞ for none).</summary>
    public double Min { get; }
    /// <summary>Largest value (−∞ for none).</summary>
    public double Max { get; }
    /// <summary>An upper bound, in rows, of the error of any rank read from this summary (0 = exact).</summary>
    public double RankError { get; }
    /// <summary>Items kept after a compaction (s).</summary>
    public int Capacity { get; }

    /// <summary>The summary of the present, non-NaN values of a numeric column, compacted to <paramref name="capacity"/>.</summary>
    public static QuantileSketch Of(Column c, int capacity)
    {
        var values = new double[c.Length];
        int n = 0;
        switch (c.Type)
        {
            case ColumnType.Double:
                var d = c.Doubles;
                for (int i = 0; i < c.Length; i++) if (c.IsValid(i) && !double.IsNaN(d[i])) values[n++] = d[i];
                break;
            case ColumnType.Int64:
                var l = c.Int64s;
                for (int i = 0; i < c.Length; i++) if (c.IsValid(i)) values[n++] = l[i];
                break;
            case ColumnType.Int32:
                var k = c.Int32s;
                for (int i = 0; i < c.Length; i++) if (c.IsValid(i)) values[n++] = k[i];
                break;
            default: throw new InvalidOperationException($"Quantiles need a numeric column, not {c.Type}.");
        }
        double mean = 0, m2 = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double x = values[i], delta = x - mean;
            mean += delta / (i + 1);
            m2 += delta * (x - mean);
        }
        Array.Sort(values, 0, n);
        if (n > 0) { min = values[0]; max = values[n - 1]; }
        if (n < values.Length) Array.Resize(ref values, n);
        return new QuantileSketch(values, null, n, mean, m2, min, max, 0, capacity).Compact();
    }

    /// <summary>All summaries as one (errors add), compacted when it holds more than <see cref="Capacity"/> items.</summary>
    public static QuantileSketch Merge(IReadOnlyList<QuantileSketch> parts, bool compact)
    {
        if (parts.Count == 1) return compact ? parts[0].Compact() : parts[0];
        int items = parts.Sum(p => p.Values.Length);
        var values = new double[items];
        bool weighted = parts.Any(p => p.Weights is not null);
        var weights = weighted ? new double[items] : null;
        long count = 0;
        double mean = 0, m2 = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, error = 0;
        int at = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Values, 0, values, at, p.Values.Length);
            if (weights is not null)
            {
                if (p.Weights is null) Array.Fill(weights, 1.0, at, p.Values.Length);
                else Array.Copy(p.Weights, 0, weights, at, p.Values.Length);
            }
            at += p.Values.Length;
            if (p.Count > 0)
            {
                // Chan et al.'s parallel update of count, mean and M2
                long n = count + p.Count;
                double delta = p.Mean - mean;
                mean += delta * p.Count / n;
                m2 += p.M2 + delta * delta * count * p.Count / n;
                count = n;
            }
            min = Math.Min(min, p.Min);
            max = Math.Max(max, p.Max);
            error += p.RankError;
        }
        if (weights is null) Array.Sort(values); else Array.Sort(values, weights);
        var merged = new QuantileSketch(values, weights, count, mean, m2, min, max, error, parts[0].Capacity);
        return compact ? merged.Compact() : merged;
    }

    /// <summary>This summary with at most <see cref="Capacity"/> items (itself when it has no more); adds W/s to the error.</summary>
    public QuantileSketch Compact()
    {
        int s = Capacity;
        if (Values.Length <= s) return this;
        double total = Weights?.Sum() ?? Values.Length, step = total / s;
        var kept = new double[s];
        var weights = new double[s];
        double cumulative = 0;
        int j = -1;
        for (int t = 1; t <= s; t++)
        {
            // the item holding cumulative position t·W/s: the first whose running total reaches it
            double position = t * step;
            while (cumulative < position && j + 1 < Values.Length)
            {
                j++;
                cumulative += Weights is null ? 1 : Weights[j];
            }
            kept[t - 1] = Values[j];
            weights[t - 1] = step;
        }
        return new QuantileSketch(kept, weights, Count, Mean, M2, Min, Max, RankError + step, s);
    }

    /// <summary>The value of (0-based) rank <paramref name="rank"/>: the first item whose running weight exceeds it.</summary>
    private double ValueAtRank(double[] cumulative, double rank)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > rank) hi = mid; else lo = mid + 1;
        }
        return Values[lo];
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile with pandas' default linear interpolation: h = (N − 1)·q, the value of rank
    /// ⌊h⌋ plus (h − ⌊h⌋) times the step to the next rank. NaN when the summary is empty.
    /// </summary>
    public double Quantile(double q)
    {
        if (Values.Length == 0) return double.NaN;
        var cumulative = new double[Values.Length];
        double run = 0;
        for (int i = 0; i < cumulative.Length; i++) cumulative[i] = run += Weights?[i] ?? 1;
        double h = (run - 1) * q, lo = Math.Floor(h);
        double a = ValueAtRank(cumulative, lo);
        if (h == lo) return a;
        double b = ValueAtRank(cumulative, lo + 1);
        return a + (h - lo) * (b - a);
    }

    /// <summary>Sample standard deviation (ddof 1); NaN below two values.</summary>
    public double Std => Count > 1 ? Math.Sqrt(M2 / (Count - 1)) : double.NaN;
}
