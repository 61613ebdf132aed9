using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>Frame behaviour that must hold on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class FrameSuite(string schedulerName)
{
    private IScheduler _s = null!;
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _s = SchedulerCases.Create(schedulerName);
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-frame-" + Guid.NewGuid().ToString("N")));
    }

    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_dir, true);
    }

    private string TripsCsv(int rows = 1000)
    {
        var p = Path.Combine(_dir, "trips.csv");
        var lines = Enumerable.Range(0, rows).Select(i => $"{i},V{i % 20:00},{(i % 9 == 0 ? "" : $"{i % 13 - 2}.5")},{i % 5}.25,2024-01-{1 + i % 28:00}");
        File.WriteAllText(p, "id,vendor,fare,tip,day\n" + string.Join("\n", lines) + "\n");
        return p;
    }

    [Test]
    public void ReadCsvPartitionsByBlocksAndComputesEveryRow()
    {
        var f = Frame.ReadCsv(TripsCsv(), blockSize: 4096);
        Assert.That(f.NPartitions, Is.GreaterThan(3));
        Assert.That(f.Schema.ToString(), Is.EqualTo("{id: Int64, vendor: String, fare: Double, tip: Double, day: Date}"));
        var t = f.Compute(_s);
        Assert.That(t.RowCount, Is.EqualTo(1000));
        Assert.That(t["id"].Int64s.Take(1000), Is.EqualTo(Enumerable.Range(0, 1000).Select(i => (long)i)));
        Assert.That(f.Count(_s), Is.EqualTo(1000));
    }

    [Test]
    public void GlobReadsSeveralFiles()
    {
        File.WriteAllText(Path.Combine(_dir, "p-1.csv"), "a,b\n1,x\n2,y\n");
        File.WriteAllText(Path.Combine(_dir, "p-2.csv"), "a,b\n3,z\n");
        var f = Frame.ReadCsv(Path.Combine(_dir, "p-*.csv"));
        Assert.That(f.NPartitions, Is.EqualTo(2));
        Assert.That(f.Compute(_s)["a"].Int64s.Take(3), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void ChainedStepsFuseIntoOneTaskPerPartition()
    {
        var f = Frame.ReadCsv(TripsCsv(), blockSize: 8192);
        var q = f.Filter(Col("fare") > 0).WithColumn("pct", Col("tip") / Col("fare")).Select("vendor", "pct").Rename("pct", "tip_pct");
        var (tasks, _) = q.TaskCounts();
        // one task per partition plus the final concat, and the quote-parity chain between the file's blocks (csv-boundary)
        Assert.That(tasks, Is.EqualTo(f.NPartitions + 1 + (f.NPartitions - 1)));
        var t = q.Compute(_s);
        var expected = f.Compute(_s).Rows().Where(r => r[2] is double fare && fare > 0).Select(r => (double)r[3]! / (double)r[2]!).ToList();
        Assert.That(t.Schema.Names, Is.EqualTo(new[] { "vendor", "tip_pct" }));
        Assert.That(t["tip_pct"].Doubles.Take(t.RowCount), Is.EqualTo(expected));
    }

    [Test]
    public void ExpressionsCoverArithmeticLogicNullsCastsStringsAndDates()
    {
        var f = Frame.ReadCsv(TripsCsv(30), blockSize: 300);
        var t = f.Select(
                (Col("id") * 2 + 1).As("odd"),
                (Col("id") % 3 == 0 | Col("id") < 2).As("flag"),
                Col("fare").IsNull().As("no_fare"),
                Col("fare").FillNull(-1.0).As("fare0"),
                Col("tip").Cast(ColumnType.Int64).As("tip_int"),
                Col("vendor").Lower().Substring(1, 2).As("vnum"),
                Col("vendor").EndsWith("7").As("v7"),
                Col("vendor").Length().As("vlen"),
                Col("day").Month().As("month"),
                Col("day").Day().As("dom"),
                (!(Col("id") >= 5) & Col("id") != 3).As("small"))
            .Compute(_s);
        for (int i = 0; i < 30; i++)
        {
            Assert.That(t[i, "odd"], Is.EqualTo(2L * i + 1));
            Assert.That(t[i, "flag"], Is.EqualTo(i % 3 == 0 || i < 2));
            Assert.That(t[i, "no_fare"], Is.EqualTo(i % 9 == 0));
            Assert.That(t[i, "fare0"], Is.EqualTo(i % 9 == 0 ? -1.0 : double.Parse($"{i % 13 - 2}.5", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(t[i, "tip_int"], Is.EqualTo((long)(i % 5)));
            Assert.That(t[i, "vnum"], Is.EqualTo($"{i % 20:00}"));
            Assert.That(t[i, "v7"], Is.EqualTo(i % 20 == 7 || i % 20 == 17));
            Assert.That(t[i, "vlen"], Is.EqualTo(3));
            Assert.That(t[i, "month"], Is.EqualTo(1));
            Assert.That(t[i, "dom"], Is.EqualTo(1 + i % 28));
            Assert.That(t[i, "small"], Is.EqualTo(i < 5 && i != 3));
        }
    }

    [Test]
    public void UnknownColumnsAndTypeMismatchesFailAtBuildTime()
    {
        var f = Frame.ReadCsv(TripsCsv(10));
        var ex = Assert.Throws<KeyNotFoundException>(() => f.Filter(Col("fair") > 0));
        Assert.That(ex!.Message, Does.Contain("'fair'").And.Contain("id, vendor, fare, tip, day"));
        var mismatch = Assert.Throws<InvalidOperationException>(() => f.WithColumn("x", Col("vendor") + Col("id")));
        Assert.That(mismatch!.Message, Does.Contain("Type mismatch").And.Contain("String").And.Contain("Int64"));
        Assert.Throws<InvalidOperationException>(() => f.Filter(Col("fare") + 1));
        Assert.Throws<KeyNotFoundException>(() => f.GroupBy("nope"));
        Assert.Throws<KeyNotFoundException>(() => f.GroupBy("vendor").Agg(Sum("nope")));
        Assert.Throws<InvalidOperationException>(() => f.GroupBy("vendor").Agg(Sum("day")));
    }

    [Test]
    public void ProjectionPushdownParsesOnlyNeededColumns()
    {
        // "bad" is declared Int64 but holds text: only a query that reads it fails
        var p = Path.Combine(_dir, "proj.csv");
        File.WriteAllText(p, "a,bad,c\n1,x,2.5\n2,y,3.5\n");
        var f = Frame.ReadCsv(p, options: new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["bad"] = ColumnType.Int64 } });
        var t = f.Filter(Col("c") > 3.0).Select("a").Compute(_s);
        Assert.That(t["a"].Int64s.Take(t.RowCount), Is.EqualTo(new long[] { 2 }));
        Assert.That(f.GroupBy("a").Agg(Sum("c")).Compute(_s).RowCount, Is.EqualTo(2));
        var ex = Assert.Throws<TaskFailedException>(() => f.Select("bad").Compute(_s));
        Assert.That(ex!.InnerException, Is.TypeOf<CsvFormatException>());
        Assert.That(ex.InnerException!.Message, Does.Contain("proj.csv: line 2, column 2 ('bad')"));
    }

    [Test]
    public void SkipBadLinesInFrames()
    {
        var p = Path.Combine(_dir, "skip.csv");
        File.WriteAllText(p, "a,b\n1,2\n3\n4,5\n");
        var f = Frame.ReadCsv(p, options: new CsvOptions { SkipBadLines = true });
        var t = f.Compute(_s);
        Assert.That(t["a"].Int64s.Take(t.RowCount), Is.EqualTo(new long[] { 1, 4 }));
        Assert.That(f.CountBadLines(_s), Is.EqualTo(1));
    }

    [Test]
    public void HeadComputesOnlyTheFirstPartitions()
    {
        var p = TripsCsv();
        var f = Frame.ReadCsv(p, blockSize: 2048);
        int seen = 0;
        var counted = f.MapPartitions(t => { Interlocked.Increment(ref seen); return t; });
        var h = counted.Head(5, _s);
        Assert.That(h.RowCount, Is.EqualTo(5));
        Assert.That(h["id"].Int64s.Take(5), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        if (schedulerName is "sync" or "threads") Assert.That(seen, Is.EqualTo(1));
    }

    [Test]
    public void GroupByMatchesHandComputedValues()
    {
        var t = Table.Create(
            ("k", Column.Of(new[] { "a", "b", "a", null, "b", "a" })),
            ("v", Column.Of(new double[] { 1, 2, 3, 100, 4, 0 }, [true, true, true, true, true, false])));
        var g = Frame.FromTable(t, 3).GroupBy("k")
            .Agg(Sum("v"), Mean("v"), Count("v"), Count().As("size"), Min("v"), Max("v"), Var("v"), Std("v"), NUnique("v"), First("v"), Last("v"))
            .Compute(_s);
        Assert.That(g.RowCount, Is.EqualTo(2)); // the missing key is dropped, like pandas
        Assert.That(g.Row(0), Is.EqualTo(new object?[] { "a", 4.0, 2.0, 2L, 3L, 1.0, 3.0, 2.0, Math.Sqrt(2), 2L, 1.0, 3.0 }));
        Assert.That(g.Row(1), Is.EqualTo(new object?[] { "b", 6.0, 3.0, 2L, 2L, 2.0, 4.0, 2.0, Math.Sqrt(2), 2L, 2.0, 4.0 }));
    }

    [Test]
    public void CustomAggregationAndWholeFrameAggregates()
    {
        var t = Table.Create(("k", Column.Of(new long[] { 1, 1, 2, 2, 2 })), ("v", Column.Of(new double[] { 1, 2, 3, 4, 5 })));
        var f = Frame.FromTable(t, 2);
        var sumSq = Custom<double, double>("v", "sum_sq", c => c.Doubles.Take(c.Length).Sum(x => x * x), (a, b) => a + b, s => s);
        var g = f.GroupBy("k").Agg(sumSq).Compute(_s);
        Assert.That(g["sum_sq"].Doubles.Take(2), Is.EqualTo(new[] { 5.0, 50.0 }));
        var all = f.Agg(Sum("v"), Mean("v"), Count()).Compute(_s);
        Assert.That(all.Row(0), Is.EqualTo(new object?[] { 15.0, 3.0, 5L }));
        var none = f.Filter(Col("v") > 100).Agg(Sum("v"), Count()).Compute(_s);
        Assert.That(none.Row(0), Is.EqualTo(new object?[] { 0.0, 0L }));
    }

    [Test]
    public void SplitOutAndSplitEveryGiveTheSameGroups()
    {
        var rnd = new Random(5);
        var keys = Enumerable.Range(0, 5000).Select(_ => (long)rnd.Next(700)).ToArray();
        var vals = keys.Select(k => (double)(k % 10)).ToArray();
        var f = Frame.FromTable(Table.Create(("k", Column.Of(keys)), ("v", Column.Of(vals))), 20);
        var baseline = f.GroupBy("k").Agg(Sum("v"), Count()).Compute(_s);
        var tree = f.GroupBy("k").SplitEvery(3).Agg(Sum("v"), Count()).Compute(_s);
        var split = f.GroupBy("k").SplitOut(4).Agg(Sum("v"), Count());
        Assert.That(split.NPartitions, Is.EqualTo(4));
        Assert.That(baseline.RowCount, Is.EqualTo(keys.Distinct().Count()));
        Assert.That(tree.ContentEquals(baseline), Is.True);
        Assert.That(split.Compute(_s).ContentEqualsUnordered(baseline), Is.True);
    }

    [Test]
    public void MergeMatchesPandasSemantics([Values] JoinType how)
    {
        var left = Table.Create(("k", Column.Of(new long[] { 1, 2, 2, 3 })), ("a", Column.Of(new[] { "l1", "l2", "l2b", "l3" })), ("x", Column.Of(new double[] { 1, 2, 3, 4 })));
        var right = Table.Create(("k", Column.Of(new long[] { 2, 2, 4 })), ("b", Column.Of(new[] { "r2", "r2b", "r4" })), ("x", Column.Of(new double[] { 20, 21, 40 })));
        var expectedRows = how switch
        {
            JoinType.Inner => new[] { "2|l2|2|r2|20", "2|l2|2|r2b|21", "2|l2b|3|r2|20", "2|l2b|3|r2b|21" },
            JoinType.Left => new[] { "1|l1|1|∅|∅", "2|l2|2|r2|20", "2|l2|2|r2b|21", "2|l2b|3|r2|20", "2|l2b|3|r2b|21", "3|l3|4|∅|∅" },
            JoinType.Right => new[] { "2|l2|2|r2|20", "2|l2|2|r2b|21", "2|l2b|3|r2|20", "2|l2b|3|r2b|21", "4|∅|∅|r4|40" },
            _ => new[] { "1|l1|1|∅|∅", "2|l2|2|r2|20", "2|l2|2|r2b|21", "2|l2b|3|r2|20", "2|l2b|3|r2b|21", "3|l3|4|∅|∅", "4|∅|∅|r4|40" },
        };
        foreach (var broadcast in new[] { 0, 1, 10 })
        {
            var m = Frame.FromTable(left, 2).Merge(Frame.FromTable(right, 1), on: ["k"], how: how, broadcastMaxPartitions: broadcast);
            var t = m.Compute(_s);
            Assert.That(t.Schema.Names, Is.EqualTo(new[] { "k", "a", "x_x", "b", "x_y" }));
            Assert.That(t.Rows().Select(Table.RowText).OrderBy(s => s, StringComparer.Ordinal), Is.EqualTo(expectedRows.OrderBy(s => s, StringComparer.Ordinal)), $"broadcast {broadcast}");
        }
    }

    [Test]
    public void MergeOnDifferentKeyNamesAndStringKeys()
    {
        var trips = Frame.ReadCsv(TripsCsv(100), blockSize: 1024);
        var vendors = Frame.FromTable(Table.Create(("code", Column.Of(Enumerable.Range(0, 20).Select(i => $"V{i:00}").ToArray())), ("region", Column.Of(Enumerable.Range(0, 20).Select(i => (long)(i % 3)).ToArray()))));
        var m = trips.Merge(vendors, leftOn: ["vendor"], rightOn: ["code"]);
        var byRegion = m.GroupBy("region").Agg(Count()).Compute(_s);
        Assert.That(byRegion["count"].Int64s.Take(3), Is.EqualTo(new long[] { 35, 35, 30 }));
    }

    [Test]
    public void ToCsvWritesOneFilePerPartitionAndReadsBack()
    {
        var f = Frame.ReadCsv(TripsCsv(), blockSize: 8192);
        var files = f.ToCsv(Path.Combine(_dir, "out", "part-*.csv"), scheduler: _s);
        Assert.That(files, Has.Length.EqualTo(f.NPartitions));
        var back = Frame.ReadCsv(Path.Combine(_dir, "out", "part-*.csv")).Compute(_s);
        Assert.That(back.ContentEquals(f.Compute(_s)), Is.True);
    }

    [Test]
    public void FromRecordsAndToRecords()
    {
        var recs = Enumerable.Range(0, 10).Select(i => new Rec(i, i % 2 == 0 ? null : $"n{i}")).ToList();
        var f = Frame.FromRecords(recs, 3);
        Assert.That(f.NPartitions, Is.EqualTo(3));
        Assert.That(f.Filter(Col("Name").IsNotNull()).ToRecords<Rec>(_s), Is.EqualTo(recs.Where(r => r.Name is not null).ToList()));
    }

    [Test]
    public void EmptyPartitionsWork()
    {
        var t = Table.Create(("k", Column.Of(new long[] { 1, 2 })), ("v", Column.Of(new double[] { 1, 2 })));
        var f = Frame.FromTable(t, 5); // three partitions are empty
        Assert.That(f.GroupBy("k").Agg(Sum("v")).Compute(_s).RowCount, Is.EqualTo(2));
        Assert.That(f.Merge(f, on: ["k"], broadcastMaxPartitions: 0).Compute(_s).RowCount, Is.EqualTo(2));
        Assert.That(f.Filter(Col("v") > 5).Compute(_s).RowCount, Is.Zero);
    }

    [Test]
    public void SortByIsGlobalAcrossPartitions()
    {
        var rnd = new Random(11);
        var xs = Enumerable.Range(0, 2000).Select(_ => rnd.Next(500)).Select(v => v % 37 == 0 ? (double?)null : v).ToList();
        var t = Table.Create(("x", Column.FromValues(ColumnType.Double, xs.Cast<object?>().ToList())), ("i", Column.Of(Enumerable.Range(0, 2000).Select(i => (long)i).ToArray())));
        var f = Frame.FromTable(t, 6);
        var asc = f.SortBy("x").Compute(_s);
        var expected = xs.Where(x => x is not null).OrderBy(x => x).Cast<double?>().Concat(xs.Where(x => x is null)).ToList();
        Assert.That(Enumerable.Range(0, 2000).Select(r => (double?)asc[r, "x"]), Is.EqualTo(expected));
        var desc = f.SortBy(["x", "i"], [true, false]).Compute(_s);
        Assert.That(Enumerable.Range(0, 2000).Select(r => (double?)desc[r, "x"]).Take(10), Is.EqualTo(xs.Where(x => x is not null).OrderByDescending(x => x).Take(10)));
        Assert.That(desc.ContentEqualsUnordered(t), Is.True);
    }

    [Test]
    public void DropDuplicatesValueCountsAndRepartition()
    {
        var t = Table.Create(("a", Column.Of(new[] { "x", "y", "x", null, null, "z", "x" })), ("b", Column.Of(new long[] { 1, 2, 1, 3, 3, 4, 5 })));
        var f = Frame.FromTable(t, 3);
        var d = f.DropDuplicates().Compute(_s);
        Assert.That(d.ContentEqualsUnordered(t.Take([0, 1, 3, 5, 6], 5)), Is.True);
        Assert.That(f.DropDuplicates("a").Compute(_s).RowCount, Is.EqualTo(4));
        var vc = f.ValueCounts("a").Compute(_s);
        Assert.That(vc.Row(0), Is.EqualTo(new object?[] { "x", 3L }));
        Assert.That(vc.RowCount, Is.EqualTo(3));
        foreach (var n in new[] { 1, 2, 3, 5, 8 })
        {
            var r = f.Repartition(n);
            Assert.That(r.NPartitions, Is.EqualTo(n));
            Assert.That(r.Compute(_s).ContentEquals(t), Is.True, $"repartition {n}");
        }
    }

    public sealed record Rec(int Id, string? Name);
}
