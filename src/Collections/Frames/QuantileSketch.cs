namespace TaskGraph.Frames;

/// <summary>
/// A mergeable summary of one numeric column for quantiles (with the moments <see cref="Frame.Describe()"/> reports):
/// sorted values with weights, plus count, mean, M2 (Welford, merged with Chan's update), min and max.
/// <para>
/// While a partition has at most <see cref="Capacity"/> values its summary keeps every value (weight 1) and is exact.
/// Beyond that, the partition's values are bucketed without a sort into items of at most N/s values each (see
/// <c>Bucket</c>: the same bound as a compaction, in linear time), and <see cref="Compact"/>, run by every combine, keeps <c>s = Capacity</c> items: for t = 1..s the item at cumulative weight position
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
        var span = values.AsSpan(0, n);
        double mean = 0, m2 = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        if (n > 0)
        {
            // two passes (sum, then squared deviations) instead of Welford's division per value
            mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(span) / n;
            foreach (var x in span) m2 += (x - mean) * (x - mean);
            min = System.Numerics.Tensors.TensorPrimitives.Min<double>(span);
            max = System.Numerics.Tensors.TensorPrimitives.Max<double>(span);
        }
        if (n <= capacity)
        {
            // small enough to keep every value: exact
            Array.Sort(values, 0, n);
            if (n < values.Length) Array.Resize(ref values, n);
            return new QuantileSketch(values, null, n, mean, m2, min, max, 0, capacity);
        }
        // Too many values: summarise without sorting them all (see Bucket); every item weighs at most n/s.
        double limit = (double)n / capacity;
        var keptValues = new List<double>(2 * capacity + 16);
        var keptWeights = new List<double>(2 * capacity + 16);
        Bucket(values, 0, n, min, max, limit, keptValues, keptWeights, 0);
        return new QuantileSketch(keptValues.ToArray(), keptWeights.ToArray(), n, mean, m2, min, max, limit, capacity);
    }

    /// <summary>
    /// Summarises <paramref name="v"/>[lo .. lo+count) (values in [min, max]) as items (largest value of a run of
    /// neighbouring values, their count) appended in ascending order, each of at most <paramref name="limit"/> values
    /// unless all its values are equal. At most one item holds values on both sides of any x, so every rank read
    /// from the items is within <paramref name="limit"/> of the exact one (the bound of a compaction to s items).
    /// Equal-width bins, counted in one pass (count and largest value per bin), are joined greedily into runs of at
    /// most <paramref name="limit"/> values (so two neighbouring runs hold more than it: at most 2s + 1 runs); a bin
    /// holding more than <paramref name="limit"/> values is gathered and bucketed again within its own range. Small
    /// or hard-to-split segments are sorted. Linear time for any data without a sort of the partition.
    /// </summary>
    private static void Bucket(double[] v, int lo, int count, double min, double max, double limit, List<double> keptValues, List<double> keptWeights, int depth)
    {
        if (min == max) { keptValues.Add(min); keptWeights.Add(count); return; }
        double scale = 0;
        int bins = (int)Math.Clamp(4 * Math.Ceiling(count / limit), 16, 1 << 16);
        if (count > 4096 && depth < 8) scale = bins / (max - min);
        if (!(scale > 0 && double.IsFinite(scale) && double.IsFinite(max - min)))
        {
            // sort and cut into runs of at most limit values
            Array.Sort(v, lo, count);
            int run = Math.Max(1, (int)Math.Floor(limit));
            for (int i = lo, end = lo + count; i < end; i += run)
            {
                int last = Math.Min(end, i + run) - 1;
                keptValues.Add(v[last]);
                keptWeights.Add(last - i + 1);
            }
            return;
        }
        var counts = new int[bins];
        var binMax = new double[bins];
        var binMin = new double[bins];
        Array.Fill(binMax, double.NegativeInfinity);
        Array.Fill(binMin, double.PositiveInfinity);
        for (int i = lo, end = lo + count; i < end; i++)
        {
            double x = v[i];
            int b = (int)((x - min) * scale);
            if (b >= bins) b = bins - 1;
            counts[b]++;
            if (x > binMax[b]) binMax[b] = x;
            if (x < binMin[b]) binMin[b] = x;
        }
        // bins too heavy for one item: gather their values (bin by bin) to bucket them again
        var start = new int[bins];
        int heavy = 0;
        for (int b = 0; b < bins; b++)
            if (counts[b] > limit && binMin[b] < binMax[b]) { start[b] = heavy; heavy += counts[b]; }
            else start[b] = -1;
        double[] scratch = [];
        if (heavy > 0)
        {
            scratch = new double[heavy];
            var at = (int[])start.Clone();
            for (int i = lo, end = lo + count; i < end; i++)
            {
                int b = (int)((v[i] - min) * scale);
                if (b >= bins) b = bins - 1;
                if (at[b] >= 0) scratch[at[b]++] = v[i];
            }
        }
        double runWeight = 0, runMax = 0;
        void Flush()
        {
            if (runWeight == 0) return;
            keptValues.Add(runMax);
            keptWeights.Add(runWeight);
            runWeight = 0;
        }
        for (int b = 0; b < bins; b++)
        {
            if (counts[b] == 0) continue;
            if (start[b] >= 0)
            {
                Flush();
                Bucket(scratch, start[b], counts[b], binMin[b], binMax[b], limit, keptValues, keptWeights, depth + 1);
                continue;
            }
            if (runWeight + counts[b] > limit) Flush();
            runWeight += counts[b];
            runMax = binMax[b];
        }
        Flush();
    }

    /// <summary>All summaries as one (errors add), compacted when it holds more than <see cref="Capacity"/> items.</summary>
    public static QuantileSketch Merge(IReadOnlyList<QuantileSketch> parts, bool compact)
    {
        if (parts.Count == 1) return compact ? parts[0].Compact() : parts[0];
        long count = 0;
        double mean = 0, m2 = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, error = 0;
        foreach (var p in parts)
        {
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
        // every part is sorted: merge them pairwise, level by level (no sort of the union)
        var runs = parts.Select(p => (p.Values, Weights: p.Weights ?? Ones(p.Values.Length))).ToList();
        while (runs.Count > 1)
        {
            var next = new List<(double[], double[])>((runs.Count + 1) / 2);
            for (int i = 0; i + 1 < runs.Count; i += 2) next.Add(MergeTwo(runs[i], runs[i + 1]));
            if (runs.Count % 2 == 1) next.Add(runs[^1]);
            runs = next;
        }
        var (values, merged1) = runs[0];
        double[]? weights = parts.Any(p => p.Weights is not null) ? merged1 : null;
        var merged = new QuantileSketch(values, weights, count, mean, m2, min, max, error, parts[0].Capacity);
        return compact ? merged.Compact() : merged;
    }

    private static double[] Ones(int n)
    {
        var w = new double[n];
        Array.Fill(w, 1.0);
        return w;
    }

    private static (double[] Values, double[] Weights) MergeTwo((double[] Values, double[] Weights) a, (double[] Values, double[] Weights) b)
    {
        int n = a.Values.Length + b.Values.Length, i = 0, j = 0;
        var v = new double[n];
        var w = new double[n];
        for (int k = 0; k < n; k++)
        {
            // ties take a's first: the merge is stable
            if (j >= b.Values.Length || i < a.Values.Length && a.Values[i] <= b.Values[j]) { v[k] = a.Values[i]; w[k] = a.Weights[i++]; }
            else { v[k] = b.Values[j]; w[k] = b.Weights[j++]; }
        }
        return (v, w);
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
