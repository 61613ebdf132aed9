namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>The summary size of <see cref="Quantile(double[], string[])"/> and <see cref="Describe()"/> by default.</summary>
    public const int DefaultQuantileSummarySize = 10_000;

    /// <summary>
    /// The <paramref name="quantiles"/> (each in [0, 1]) of numeric <paramref name="columns"/> (every numeric column
    /// when none are named), as a one-partition frame: a Double column <c>quantile</c>, then one Double column per
    /// input column, one row per quantile, with pandas' default linear interpolation; missing values and NaN are
    /// skipped (a column with none gives missing). Computed in one pass as a tree of mergeable summaries: exact
    /// when the frame has one partition or a column has at most <see cref="DefaultQuantileSummarySize"/> values;
    /// otherwise approximate, the result lying between the exact values at ranks (N − 1)·q ± E, with
    /// E ≤ (1 + L)·N / 10,000 for N values and L combine levels (L = 0 up to 8 partitions, 1 up to 64): ±0.01%
    /// of the rows for a frame of up to 8 partitions. Use the overload with <c>summarySize</c> to trade memory for accuracy.
    /// </summary>
    public Frame Quantile(double[] quantiles, params string[] columns)
        => Quantile(quantiles, columns, DefaultQuantileSummarySize);

    /// <summary>
    /// Quantiles as <see cref="Quantile(double[], string[])"/> with a summary of <paramref name="summarySize"/> values per
    /// partition (s): the rank error bound is (1 + L)·N/s, the memory per partition's summary 16·s bytes.
    /// </summary>
    public Frame Quantile(double[] quantiles, string[] columns, int summarySize, int splitEvery = TreeReduction.DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(quantiles);
        if (quantiles.Length == 0) throw new ArgumentException("Give at least one quantile.", nameof(quantiles));
        return new(new QuantileNode(this, columns, quantiles, describe: false, summarySize, splitEvery));
    }

    /// <summary>One quantile of numeric columns (see <see cref="Quantile(double[], string[])"/>): a one-row frame.</summary>
    public Frame Quantile(double quantile, params string[] columns) => Quantile([quantile], columns);

    /// <summary>The median of numeric columns (<see cref="Quantile(double, string[])"/> at 0.5): a one-row frame.</summary>
    public Frame Median(params string[] columns) => Quantile([0.5], columns);

    /// <summary>
    /// pandas' <c>describe()</c> of numeric columns (every numeric column when none are named): a one-partition frame
    /// with a String column <c>statistic</c> (<c>count</c>, <c>mean</c>, <c>std</c>, <c>min</c>, <c>25%</c>,
    /// <c>50%</c>, <c>75%</c>, <c>max</c>) and one Double column per input column. Count, mean, std (ddof 1), min
    /// and max are exact; the percentiles (<paramref name="percentiles"/>, default 0.25, 0.5, 0.75) carry the error
    /// bound of <see cref="Quantile(double[], string[])"/>. One pass, one tree reduction.
    /// </summary>
    public Frame Describe(double[]? percentiles = null, params string[] columns)
        => new(new QuantileNode(this, columns, percentiles ?? [0.25, 0.5, 0.75], describe: true, DefaultQuantileSummarySize, TreeReduction.DefaultSplitEvery));

    /// <summary>pandas' <c>describe()</c> of every numeric column (see <see cref="Describe(double[], string[])"/>).</summary>
    public Frame Describe() => Describe(null);
}
