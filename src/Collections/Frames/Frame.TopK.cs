namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// The <paramref name="n"/> rows with the largest values of <paramref name="columns"/> (the first column ranks
    /// first, the next breaks its ties), largest first, in one partition: pandas' and Dask's
    /// <c>nlargest(n, columns)</c> with <c>keep="first"</c> (equal rows rank in frame order). Each partition keeps its
    /// own best <paramref name="n"/> rows in one pass, then a tree of <paramref name="splitEvery"/>-way combines
    /// finds the overall best; nothing is sorted but the last <paramref name="n"/> rows. Rows with a missing value
    /// (or NaN) in a ranking column are never selected. Columns must be numbers, dates or date-times.
    /// </summary>
    public Frame NLargest(int n, string[] columns, int splitEvery = TreeReduction.DefaultSplitEvery)
        => new(new TopKNode(this, n, columns, largest: true, splitEvery));

    /// <summary>The <paramref name="n"/> rows with the largest values of <paramref name="column"/> (see <see cref="NLargest(int, string[], int)"/>).</summary>
    public Frame NLargest(int n, string column) => NLargest(n, [column]);

    /// <summary>
    /// The <paramref name="n"/> rows with the smallest values of <paramref name="columns"/>, smallest first
    /// (pandas' <c>nsmallest(n, columns)</c>, <c>keep="first"</c>); computed like <see cref="NLargest(int, string[], int)"/>.
    /// </summary>
    public Frame NSmallest(int n, string[] columns, int splitEvery = TreeReduction.DefaultSplitEvery)
        => new(new TopKNode(this, n, columns, largest: false, splitEvery));

    /// <summary>The <paramref name="n"/> rows with the smallest values of <paramref name="column"/> (see <see cref="NSmallest(int, string[], int)"/>).</summary>
    public Frame NSmallest(int n, string column) => NSmallest(n, [column]);
}
