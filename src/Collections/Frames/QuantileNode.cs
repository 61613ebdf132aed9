using System.Globalization;

namespace TaskGraph.Frames;

/// <summary>
/// Quantiles (and <see cref="Frame.Describe()"/>) of numeric columns as one tree reduction: each partition's chunk
/// summarises its columns (<see cref="QuantileSketch"/>: sorted values, compacted to <c>summarySize</c> items, plus
/// count, mean, M2, min and max), combine tasks merge and compact <c>splitEvery</c> summaries at a time, and the
/// aggregate merges the last ones and reads the answer. Exact when the frame has one partition or every column
/// has at most <c>summarySize</c> values; otherwise within the rank bound <see cref="QuantileSketch"/> states.
/// <code>
///   p0 p1 ... p15        chunk: sort the partition's values, keep summarySize (fused into the partition's task)
///    \ | /   \ | /
///     c0      c1         combine: merge, compact
///       \    /
///      aggregate         quantiles by linear interpolation (pandas' default); describe adds the moments
/// </code>
/// </summary>
internal sealed class QuantileNode : PlanNode
{
    /// <summary>Checks the columns (numeric) and quantiles (in [0, 1]); the output schema follows from them.</summary>
    public QuantileNode(Frame input, string[] columns, double[] quantiles, bool describe, int summarySize, int splitEvery)
    {
        string what = describe ? "Describe" : "Quantile";
        if (columns.Length == 0)
        {
            columns = input.Schema.Fields.Where(f => f.Type.IsNumeric()).Select(f => f.Name).ToArray();
            if (columns.Length == 0) throw new InvalidOperationException($"{what} needs a numeric column; the frame has none ({input.Schema}).");
        }
        foreach (var c in columns)
            if (!input.Schema[c].Type.IsNumeric()) throw new InvalidOperationException($"{what} needs numeric columns; '{c}' is {input.Schema[c].Type}.");
        foreach (var q in quantiles)
            if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(quantiles), q, $"Quantiles must lie in [0, 1]; got {q.ToString(CultureInfo.InvariantCulture)}.");
        if (summarySize < 2) throw new ArgumentOutOfRangeException(nameof(summarySize), summarySize, "A quantile summary keeps at least 2 values.");
        Input = input;
        Columns = columns;
        Quantiles = quantiles;
        Describe = describe;
        SummarySize = summarySize;
        SplitEvery = TreeReduction.CheckSplitEvery(splitEvery);
        var first = describe ? new Field("statistic", ColumnType.String) : new Field("quantile", ColumnType.Double);
        Schema = new Schema([first, .. columns.Select(c => new Field(c, ColumnType.Double))]);
    }

    /// <summary>The summarised frame.</summary>
    public Frame Input { get; }
    /// <summary>The numeric columns.</summary>
    public string[] Columns { get; }
    /// <summary>Quantiles to report (describe: its percentiles).</summary>
    public double[] Quantiles { get; }
    /// <summary>Report pandas' describe rows (count, mean, std, min, percentiles, max) instead of quantile rows.</summary>
    public bool Describe { get; }
    /// <summary>Items a summary keeps after compaction (s).</summary>
    public int SummarySize { get; }
    /// <summary>Summaries per combine task.</summary>
    public int SplitEvery { get; }

    /// <inheritdoc />
    public override Schema Schema { get; }

    /// <inheritdoc />
    public override int NPartitions => 1;

    /// <summary>The row label pandas' describe gives percentile <paramref name="q"/> ("25%", "33.3%").</summary>
    internal static string PercentLabel(double q) => (q * 100).ToString("0.#####", CultureInfo.InvariantCulture) + "%";

    private static QuantileSketch[] Chunk(QuantileTask p, Table t) => p.Columns.Select(c => QuantileSketch.Of(t[c], p.Capacity)).ToArray();

    private static QuantileSketch[] Combine(QuantileTask p, QuantileSketch[][] parts)
        => p.Columns.Select((_, c) => QuantileSketch.Merge(parts.Select(x => x[c]).ToArray(), compact: true)).ToArray();

    private static Table Aggregate(QuantileTask p, QuantileSketch[][] parts)
    {
        var sketches = p.Columns.Select((_, c) => QuantileSketch.Merge(parts.Select(x => x[c]).ToArray(), compact: false)).ToArray();
        var labels = new List<string>();
        var rows = new List<Func<QuantileSketch, double>>();
        if (p.Describe)
        {
            labels.AddRange(["count", "mean", "std", "min"]);
            rows.AddRange([s => s.Count, s => s.Count > 0 ? s.Mean : double.NaN, s => s.Std, s => s.Count > 0 ? s.Min : double.NaN]);
        }
        foreach (var q in p.Quantiles) { labels.Add(PercentLabel(q)); rows.Add(s => s.Quantile(q)); }
        if (p.Describe) { labels.Add("max"); rows.Add(s => s.Count > 0 ? s.Max : double.NaN); }
        var cols = new Column[p.Columns.Length + 1];
        cols[0] = p.Describe ? Column.Of(labels.ToArray()) : Column.Of(p.Quantiles.ToArray());
        for (int c = 0; c < sketches.Length; c++)
        {
            var values = rows.Select(f => f(sketches[c])).ToArray();
            var valid = values.Select(v => !double.IsNaN(v)).ToArray();
            cols[c + 1] = Column.Of(values, valid.All(v => v) ? null : valid);
        }
        return Pipeline.Run(new Table(p.Schema, cols, rows.Count), p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        // one partition: keep every value (exact)
        int capacity = Input.NPartitions == 1 ? int.MaxValue : SummarySize;
        var p = new QuantileTask(Columns, Quantiles, Describe, capacity, Schema, Restrict(Schema, needed, ops));
        var chunk = LayerStep.One<QuantileTask, Table, QuantileSketch[]>("quantile-chunk", Chunk, p);
        var stage = LayerToken.Stage(layer, "quantile-chunk");
        var partials = Input.LowerPartitions(Columns).Select((part, i) => chunk.Call(stage[i], part)).ToArray();
        return [TreeReduction.Reduce(partials, SplitEvery, layer,
            combine: LayerStep.Many<QuantileTask, QuantileSketch[], QuantileSketch[]>("quantile-combine", Combine, p),
            aggregate: LayerStep.Many<QuantileTask, QuantileSketch[], Table>("quantile-aggregate", Aggregate, p))];
    }
}

/// <summary>The parameters of every task of a quantile or describe reduction.</summary>
internal sealed record QuantileTask(string[] Columns, double[] Quantiles, bool Describe, int Capacity, Schema Schema, PartitionOp[] Ops);
