using FsCheck;
using FsCheck.Fluent;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// Property tests: random tables (missing values, duplicate keys, empty partitions) through frames, compared with
/// a plain row-by-row LINQ implementation. FsCheck draws the seed, partition count and sizes.
/// </summary>
public class FramePropertyTests
{
    private sealed record Row(string? K, long? J, double? V);

    private static List<Row> RandomRows(int seed, int n, int keys)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new Row(
            rnd.Next(10) == 0 ? null : $"k{rnd.Next(keys)}",
            rnd.Next(12) == 0 ? null : rnd.Next(keys),
            rnd.Next(8) == 0 ? null : Math.Round(rnd.NextDouble() * 100 - 50, 2))).ToList();
    }

    private static Table ToTable(List<Row> rows) => Table.Create(
        ("k", Column.Of(rows.Select(r => r.K).ToArray())),
        ("j", Column.FromValues(ColumnType.Int64, rows.Select(r => (object?)r.J).ToList())),
        ("v", Column.FromValues(ColumnType.Double, rows.Select(r => (object?)r.V).ToList())));

    private static Gen<(int Seed, int Rows, int Parts, int Keys)> Cases =>
        from seed in Gen.Choose(0, 1_000_000)
        from rows in Gen.Choose(0, 300)
        from parts in Gen.Choose(1, 9)
        from keys in Gen.Choose(1, 25)
        select (seed, rows, parts, keys);

    private static void Check(Func<(int Seed, int Rows, int Parts, int Keys), bool> property)
        => Prop.ForAll(Cases.ToArbitrary(), property).Check(Config.QuickThrowOnFailure.WithMaxTest(40));

    [Test]
    public void GroupByAggregatesEqualLinq([Values("sync", "threads")] string scheduler)
    {
        var s = SchedulerCases.Create(scheduler);
        Check(c =>
        {
            var rows = RandomRows(c.Seed, c.Rows, c.Keys);
            var f = Frame.FromTable(ToTable(rows), c.Parts);
            var got = f.Filter(Col("j") != 3L).GroupBy("k", "j").SplitEvery(2).Agg(Sum("v"), Count("v"), Count().As("n"), Min("v"), Max("v"), Mean("v"), NUnique("v")).Compute(s);
            var expected = rows.Where(r => r.K is not null && r.J is not null && r.J != 3).GroupBy(r => (r.K, r.J)).Select(g =>
            {
                var vs = g.Where(r => r.V is not null).Select(r => r.V!.Value).ToList();
                return new object?[] { g.Key.K, g.Key.J, vs.Sum(), (long)vs.Count, (long)g.Count(),
                    vs.Count == 0 ? null : vs.Min(), vs.Count == 0 ? null : vs.Max(), vs.Count == 0 ? null : vs.Average(), (long)vs.Distinct().Count() };
            }).ToList();
            var exp = Table.Create(
                ("k", Column.FromValues(ColumnType.String, expected.Select(e => e[0]).ToList())),
                ("j", Column.FromValues(ColumnType.Int64, expected.Select(e => e[1]).ToList())),
                ("v_sum", Column.FromValues(ColumnType.Double, expected.Select(e => e[2]).ToList())),
                ("v_count", Column.FromValues(ColumnType.Int64, expected.Select(e => e[3]).ToList())),
                ("n", Column.FromValues(ColumnType.Int64, expected.Select(e => e[4]).ToList())),
                ("v_min", Column.FromValues(ColumnType.Double, expected.Select(e => e[5]).ToList())),
                ("v_max", Column.FromValues(ColumnType.Double, expected.Select(e => e[6]).ToList())),
                ("v_mean", Column.FromValues(ColumnType.Double, expected.Select(e => e[7]).ToList())),
                ("v_nunique", Column.FromValues(ColumnType.Int64, expected.Select(e => e[8]).ToList())));
            return got.ContentEqualsUnordered(exp, 1e-9);
        });
    }

    [Test]
    public void GroupByKeepingMissingKeysEqualsLinq([Values("sync", "threads")] string scheduler)
    {
        // pandas' groupby(..., dropna=False): a missing key value is a group of its own (LINQ's GroupBy does the same with null).
        var s = SchedulerCases.Create(scheduler);
        Check(c =>
        {
            var rows = RandomRows(c.Seed, c.Rows, c.Keys);
            var f = Frame.FromTable(ToTable(rows), c.Parts);
            var got = f.GroupBy(["k", "j"], dropNa: false).SplitEvery(2).SplitOut(1 + c.Seed % 3).Agg(Sum("v"), Count().As("n"), Max("v")).Compute(s);
            var groups = rows.GroupBy(r => (r.K, r.J)).ToList();
            var exp = Table.Create(
                ("k", Column.FromValues(ColumnType.String, groups.Select(g => (object?)g.Key.K).ToList())),
                ("j", Column.FromValues(ColumnType.Int64, groups.Select(g => (object?)g.Key.J).ToList())),
                ("v_sum", Column.FromValues(ColumnType.Double, groups.Select(g => (object?)g.Sum(r => r.V ?? 0)).ToList())),
                ("n", Column.FromValues(ColumnType.Int64, groups.Select(g => (object?)(long)g.Count()).ToList())),
                ("v_max", Column.FromValues(ColumnType.Double, groups.Select(g => (object?)g.Max(r => r.V)).ToList())));
            return got.ContentEqualsUnordered(exp, 1e-9);
        });
    }

    [Test]
    public void WholeFrameAggregatesAfterAFilterEqualLinq()
    {
        Check(c =>
        {
            var rows = RandomRows(c.Seed, c.Rows, c.Keys);
            var got = Frame.FromTable(ToTable(rows), c.Parts).Filter(Col("v") > 10.0).Agg(Sum("v"), Count()).Compute(Scheduler.Synchronous);
            var vs = rows.Where(r => r.V is > 10.0).Select(r => r.V!.Value).ToList();
            return got.RowCount == 1 && Math.Abs((double)got[0, "v_sum"]! - vs.Sum()) < 1e-6 && (long)got[0, "count"]! == vs.Count;
        });
    }

    [Test]
    public void FilterAndWithColumnEqualLinq()
    {
        Check(c =>
        {
            var rows = RandomRows(c.Seed, c.Rows, c.Keys);
            var got = Frame.FromTable(ToTable(rows), c.Parts)
                .Filter(Col("v") > 0 & Col("k").IsNotNull())
                .WithColumn("w", Col("v") * 2 + Col("j").FillNull(0L))
                .Select("k", "w")
                .Compute(Scheduler.Synchronous);
            var exp = rows.Where(r => r.V is > 0 && r.K is not null).Select(r => r.V!.Value * 2 + (r.J ?? 0)).ToList();
            return got["w"].Doubles.Take(got.RowCount).SequenceEqual(exp) && got.RowCount == exp.Count;
        });
    }

    [Test]
    public void MergeEqualsNestedLoopJoin([Values] JoinType how)
    {
        Check(c =>
        {
            var left = RandomRows(c.Seed, c.Rows, c.Keys);
            var right = RandomRows(c.Seed + 1, c.Rows / 2, c.Keys);
            var lf = Frame.FromTable(ToTable(left), c.Parts);
            var rf = Frame.FromTable(ToTable(right), Math.Max(1, c.Parts / 2)).Rename("v", "rv");
            var broadcast = c.Seed % 2 == 0 ? 0 : 100;
            var got = lf.Merge(rf, on: ["k", "j"], how: how, broadcastMaxPartitions: broadcast).Compute(Scheduler.Synchronous);
            // reference: missing keys match each other, as in pandas
            bool Eq(Row a, Row b) => a.K == b.K && a.J == b.J;
            var exp = new List<string>();
            var rightMatched = new bool[right.Count];
            foreach (var l in left)
            {
                bool any = false;
                for (int r = 0; r < right.Count; r++)
                    if (Eq(l, right[r])) { any = true; rightMatched[r] = true; exp.Add(Table.RowText([l.K, l.J, l.V, right[r].V])); }
                if (!any && how is JoinType.Left or JoinType.Outer) exp.Add(Table.RowText([l.K, l.J, l.V, null]));
            }
            if (how is JoinType.Right or JoinType.Outer)
                for (int r = 0; r < right.Count; r++)
                    if (!rightMatched[r]) exp.Add(Table.RowText([right[r].K, right[r].J, null, right[r].V]));
            var actual = got.Rows().Select(Table.RowText).OrderBy(x => x, StringComparer.Ordinal).ToList();
            return got.Schema.Names.SequenceEqual(["k", "j", "v", "rv"]) && actual.SequenceEqual(exp.OrderBy(x => x, StringComparer.Ordinal));
        });
    }
}
