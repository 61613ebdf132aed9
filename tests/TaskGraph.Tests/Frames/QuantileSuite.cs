namespace TaskGraph.Tests.Frames;

/// <summary>
/// Quantile, Median and Describe on every scheduler: pandas' documented answers on small frames (exact), the
/// stated rank bound against a LINQ sort on large ones.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class QuantileSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    private static double[] Col(Table t, string name) => Enumerable.Range(0, t.RowCount).Select(r => t[name].IsValid(r) ? t[name].Doubles[r] : double.NaN).ToArray();

    [TestCase(1)]
    [TestCase(3)]
    public void QuantilesMatchPandasDocumentation(int partitions)
    {
        // pandas.DataFrame.quantile's example: a = [1, 2, 3, 4], b = [1, 10, 100, 100]
        var f = Frame.FromTable(Table.Create(("a", Column.Of(new long[] { 1, 2, 3, 4 })), ("b", Column.Of(new long[] { 1, 10, 100, 100 }))), partitions);
        var one = f.Quantile(0.1).Compute(_s);
        Assert.That(one.Columns.Count, Is.EqualTo(3));
        Assert.That(one[0, "a"], Is.EqualTo(1.3).Within(1e-12));
        Assert.That(one[0, "b"], Is.EqualTo(3.7).Within(1e-12));
        var two = f.Quantile([0.1, 0.5]).Compute(_s);
        Assert.That(Col(two, "quantile"), Is.EqualTo(new[] { 0.1, 0.5 }));
        Assert.That(Col(two, "a"), Is.EqualTo(new[] { 1.3, 2.5 }).Within(1e-12));
        Assert.That(Col(two, "b"), Is.EqualTo(new[] { 3.7, 55.0 }).Within(1e-12));
        Assert.That(f.Median("b").Compute(_s)[0, "b"], Is.EqualTo(55.0));
    }

    [Test]
    public void DescribeMatchesPandasDocumentation()
    {
        // pandas.Series.describe's example: [1, 2, 3] -> count 3, mean 2, std 1, min 1, 25% 1.5, 50% 2, 75% 2.5, max 3
        var f = Frame.FromTable(Table.Create(("x", Column.Of(new[] { 1, 2, 3 })), ("name", Column.Of(new[] { "a", "b", "c" }))), 2);
        var d = f.Describe().Compute(_s);
        Assert.That(d.Columns.Count, Is.EqualTo(2)); // the string column is left out, like pandas
        Assert.That(d["statistic"].Strings.Take(d.RowCount), Is.EqualTo(new[] { "count", "mean", "std", "min", "25%", "50%", "75%", "max" }));
        Assert.That(Col(d, "x"), Is.EqualTo(new[] { 3, 2, 1, 1, 1.5, 2, 2.5, 3 }).Within(1e-12));
    }

    [Test]
    public void OnePartitionIsExactBeyondTheSummarySize()
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 30_000).Select(_ => Math.Round(rng.NextDouble() * 1000, 3)).ToArray();
        var f = Frame.FromTable(Table.Create(("v", Column.Of(values))), 1);
        double[] qs = [0, 0.01, 0.333, 0.5, 0.9, 0.999, 1];
        var got = Col(f.Quantile(qs, ["v"], summarySize: 100).Compute(_s), "v");
        Assert.That(got, Is.EqualTo(qs.Select(q => Linear(values.Order().ToArray(), q))));
    }

    [Test]
    public void ManyPartitionsStayWithinTheStatedRankBound()
    {
        var rng = new Random(11);
        int n = 120_000, s = 500;
        var values = Enumerable.Range(0, n).Select(i => i % 997 == 0 ? double.NaN : Math.Exp(rng.NextDouble() * 8)).ToArray();
        var ints = Enumerable.Range(0, n).Select(_ => (long)rng.Next(1000)).ToArray();
        var intsValid = Enumerable.Range(0, n).Select(i => i % 13 != 0).ToArray();
        var f = Frame.FromTable(Table.Create(("v", Column.Of(values)), ("k", Column.Of(ints, intsValid))), 16);
        double[] qs = [0.001, 0.1, 0.25, 0.5, 0.75, 0.95, 0.999];
        // 16 partitions, splitEvery 4: one compaction per partition and one combine level, so E <= 2·N/s
        var t = f.Quantile(qs, ["v", "k"], summarySize: s, splitEvery: 4).Compute(_s);
        var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        var k = ints.Where((_, i) => intsValid[i]).Select(x => (double)x).Order().ToArray();
        for (int i = 0; i < qs.Length; i++)
        {
            AssertWithinBound(Col(t, "v")[i], v, qs[i], 2.0 * v.Length / s);
            AssertWithinBound(Col(t, "k")[i], k, qs[i], 2.0 * k.Length / s);
        }
        // describe: the moments are exact whatever the summary
        var d = f.Describe([0.5], "v").Compute(_s);
        var mean = v.Average();
        var std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        Assert.That(d["statistic"].Strings.Take(d.RowCount), Is.EqualTo(new[] { "count", "mean", "std", "min", "50%", "max" }));
        Assert.That(Col(d, "v"), Is.EqualTo(new[] { v.Length, mean, std, v[0], Col(d, "v")[4], v[^1] }).Within(1e-9 * v[^1]));
        AssertWithinBound(Col(d, "v")[4], v, 0.5, (1 + 1) * v.Length / (double)Frame.DefaultQuantileSummarySize);
    }

    [Test]
    public void MissingValuesAreSkippedAndBadInputNamed()
    {
        var f = Frame.FromTable(Table.Create(
            ("a", Column.Of(new[] { 4.0, double.NaN, 1.0, 3.0, 0 }, [true, true, true, true, false])),
            ("none", Column.Of(new long[] { 1, 2, 3, 4, 5 }, new bool[5])),
            ("s", Column.Of(new[] { "x", "y", "z", "w", "v" }))), 2);
        var t = f.Quantile([0.5, 1.0], "a", "none").Compute(_s);
        Assert.That(Col(t, "a"), Is.EqualTo(new[] { 3.0, 4.0 })); // of 1, 3, 4
        Assert.That(t["none"].NullCount, Is.EqualTo(2));
        var ex = Assert.Throws<InvalidOperationException>(() => f.Quantile(0.5, "s"));
        Assert.That(ex!.Message, Does.Contain("'s'").And.Contain("String"));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Quantile(1.5, "a"));
    }

    // pandas' linear interpolation over sorted values
    private static double Linear(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        return lo + 1 < sorted.Length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }

    private static void AssertWithinBound(double got, double[] sorted, double q, double rankError)
    {
        double h = (sorted.Length - 1) * q;
        int lo = Math.Max(0, (int)Math.Floor(h - rankError)), hi = Math.Min(sorted.Length - 1, (int)Math.Ceiling(h + rankError));
        Assert.That(got, Is.InRange(sorted[lo], sorted[hi]), $"quantile {q}: ranks {lo}..{hi} of {sorted.Length}");
    }
}
