using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// A group-by right after a broadcast join runs fused (the big side grouped by the join key, the groups mapped onto
/// the small table): the result must equal the group-by of the materialized join and an independent LINQ
/// computation, with duplicate and missing keys on both sides, left joins, filters and every state-merging
/// aggregation; the fused graph holds no join tasks.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class BroadcastAggregationSuite(string schedulerName)
{
    private IScheduler _s = null!;
    private Table _trips = null!;
    private Table _vendors = null!;
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _s = SchedulerCases.Create(schedulerName);
        var rnd = new Random(5);
        int n = 4000;
        _trips = Table.Create(
            ("id", Column.Of(Enumerable.Range(0, n).Select(i => (long)i).ToArray())),
            ("vendor", Column.Of(Enumerable.Range(0, n).Select(i => i % 13 == 0 ? null : $"V{rnd.Next(10):00}").ToArray())),
            ("fare", Column.FromValues(ColumnType.Double, Enumerable.Range(0, n).Select(i => i % 17 == 0 ? null : (object?)Math.Round(rnd.NextDouble() * 50 - 5, 2)).ToList())));
        // V03 twice (two regions), V07 and V09 absent, a null vendor, a vendor with no region.
        _vendors = Table.Create(
            ("vendor", Column.Of(new[] { "V00", "V01", "V02", "V03", "V03", "V04", "V05", "V06", "V08", null, "V11" })),
            ("region", Column.FromValues(ColumnType.Int64, new object?[] { 1L, 2L, 1L, 3L, 4L, 2L, null, 5L, 1L, 6L, 7L }.ToList())),
            ("tier", Column.Of(new long[] { 1, 1, 2, 2, 2, 1, 1, 2, 1, 1, 3 })));
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-bcagg-" + Guid.NewGuid().ToString("N")));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private Frame Trips => Frame.FromTable(_trips, 5);
    private Frame Vendors => Frame.FromTable(_vendors, 1);

    // The same group-by over the join computed first (no fusion possible over a table source).
    private Table Unfused(Frame joined, Func<Frame, Frame> query) => query(Frame.FromTable(joined.Compute(_s), 3)).Compute(_s);

    private static IEnumerable<string> FunctionsOf(Frame f) => ExecutionPlan.Compile(f.LowerPartitions()).Tasks.Select(t => t.Function?.Name ?? "");

    private static void AssertFused(Frame f)
    {
        var functions = FunctionsOf(f).ToList();
        Assert.That(functions, Has.Some.EqualTo("agg-broadcast-finalize"));
        Assert.That(functions, Has.None.Contains("join"));
    }

    [Test]
    public void InnerJoinThenGroupBySmallSideColumnEqualsTheJoinedRowsAndLinq()
    {
        Func<Frame, Frame> q = m => m.GroupBy("region").Agg(Sum("fare"), Count("fare"), Mean("fare"), Min("fare"), Max("fare"), Var("fare"), Count());
        var m = Trips.Merge(Vendors, on: ["vendor"]);
        var fused = q(m);
        AssertFused(fused);
        var t = fused.Compute(_s);
        Assert.That(t.ContentEquals(Unfused(m, q), 1e-9), Is.True);
        // LINQ: every trip once per vendor row with its vendor (null matches null), groups without region dropped.
        var rows = from r in Enumerable.Range(0, _trips.RowCount)
                   from v in Enumerable.Range(0, _vendors.RowCount)
                   where Equals(_trips[r, "vendor"], _vendors[v, "vendor"]) && _vendors[v, "region"] is not null
                   select (Region: (long)_vendors[v, "region"]!, Fare: (double?)_trips[r, "fare"]);
        var expected = rows.GroupBy(x => x.Region).OrderBy(g => g.Key).ToList();
        Assert.That(t["region"].Int64s.Take(t.RowCount), Is.EqualTo(expected.Select(g => g.Key)));
        for (int i = 0; i < expected.Count; i++)
        {
            var fares = expected[i].Where(x => x.Fare is not null).Select(x => x.Fare!.Value).ToList();
            Assert.That((double)t[i, "fare_sum"]!, Is.EqualTo(fares.Sum()).Within(1e-6));
            Assert.That((long)t[i, "fare_count"]!, Is.EqualTo(fares.Count));
            Assert.That((long)t[i, "count"]!, Is.EqualTo(expected[i].Count()));
            Assert.That((double)t[i, "fare_min"]!, Is.EqualTo(fares.Min()));
            Assert.That((double)t[i, "fare_max"]!, Is.EqualTo(fares.Max()));
        }
    }

    [Test]
    public void LeftJoinKeepsUnmatchedTripsAsMissingKeys()
    {
        Func<Frame, Frame> q = m => m.GroupBy(["region"], dropNa: false).Agg(Sum("fare"), Count());
        var m = Trips.Merge(Vendors, on: ["vendor"], how: JoinType.Left);
        var fused = q(m);
        AssertFused(fused);
        var t = fused.Compute(_s);
        Assert.That(t.ContentEquals(Unfused(m, q), 1e-9), Is.True);
        Assert.That(t["count"].Int64s.Take(t.RowCount).Sum(), Is.EqualTo(
            Enumerable.Range(0, _trips.RowCount).Sum(r => (long)Math.Max(1, Enumerable.Range(0, _vendors.RowCount).Count(v => Equals(_trips[r, "vendor"], _vendors[v, "vendor"]))))),
            "every trip once per matching vendor row, unmatched ones once");
    }

    [Test]
    public void GroupByJoinKeyAndSmallColumnWithAFilteredBigSide()
    {
        Func<Frame, Frame> q = m => m.GroupBy("vendor", "tier").Agg(Sum("fare"), Mean("fare"), Std("fare"));
        var m = Trips.Filter(Col("fare") > 0).Merge(Vendors, on: ["vendor"]);
        var fused = q(m);
        AssertFused(fused);
        Assert.That(fused.Compute(_s).ContentEquals(Unfused(m, q), 1e-9), Is.True);
    }

    [Test]
    public void FromCsvTheBigSideIsGroupedWhileItIsRead()
    {
        var csv = Path.Combine(_dir, "trips.csv");
        File.WriteAllText(csv, "id,vendor,fare\n" + string.Join("\n", Enumerable.Range(0, _trips.RowCount)
            .Select(r => $"{_trips[r, "id"]},{_trips[r, "vendor"]},{(_trips[r, "fare"] is double f ? f.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}")) + "\n");
        var trips = Frame.ReadCsv(csv, blockSize: 8192);
        Assert.That(trips.NPartitions, Is.GreaterThan(3));
        Func<Frame, Frame> q = m => m.GroupBy("region").Agg(Sum("fare"), Count("fare"));
        var m = trips.Merge(Vendors, on: ["vendor"]);
        var fused = q(m);
        AssertFused(fused);
        Assert.That(fused.Compute(_s).ContentEquals(Unfused(m, q), 1e-9), Is.True);
    }

    [Test]
    public void ShapesThatCannotFuseRunAsJoinThenGroupBy()
    {
        var m = Trips.Merge(Vendors, on: ["vendor"]);
        // An aggregation over the small side, First (order-dependent), a step between join and group-by.
        foreach (var q in new Func<Frame, Frame>[]
                 {
                     f => f.GroupBy("region").Agg(Sum("tier")),
                     f => f.GroupBy("region").Agg(First("fare")),
                     f => f.Filter(Col("tier") > 1).GroupBy("region").Agg(Sum("fare")),
                 })
        {
            Assert.That(FunctionsOf(q(m)), Has.None.EqualTo("agg-broadcast-finalize"));
            Assert.That(q(m).Compute(_s).ContentEquals(Unfused(m, q), 1e-9), Is.True);
        }
    }
}
