using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>ToCsv to one file and row-wise user functions in expressions, on every scheduler, checked against loops.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class SingleCsvApplySuite(string schedulerName)
{
    private IScheduler _s = null!;
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _s = SchedulerCases.Create(schedulerName);
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-single-" + Guid.NewGuid().ToString("N")));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private sealed record Trip(long Id, string Vendor, double Fare);

    private static readonly Trip[] Trips = Enumerable.Range(0, 500).Select(i => new Trip(i, i % 7 == 0 ? "a,\"b\"" : $"V{i % 3}", i * 0.25)).ToArray();

    [Test]
    public void ToCsvSingleFileWritesOneHeaderAndEveryPartitionInOrder()
    {
        var f = Frame.FromRecords(Trips, 6);
        var path = Path.Combine(_dir, "out", "all.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, new string('x', 100_000)); // an older, longer file leaves nothing behind
        Assert.That(f.ToCsv(path, singleFile: true, scheduler: _s), Is.EqualTo(new[] { path }));
        var expected = "Id,Vendor,Fare\n" + string.Concat(Trips.Select(t =>
            $"{t.Id},{(t.Vendor.Contains(',') ? "\"a,\"\"b\"\"\"" : t.Vendor)},{t.Fare.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}\n"));
        Assert.That(File.ReadAllText(path), Is.EqualTo(expected));
        // and it reads back as the same table
        Assert.That(Frame.ReadCsv(path).Compute(_s).ContentEquals(f.Compute(_s)), Is.True);
        // without a header, a filter applied per partition first
        var noHeader = Path.Combine(_dir, "fares.csv");
        f.Filter(Col("Fare") > 100.0).Select("Id").ToCsv(noHeader, singleFile: true, new CsvOptions { Header = false }, _s);
        Assert.That(File.ReadAllLines(noHeader), Is.EqualTo(Trips.Where(t => t.Fare > 100).Select(t => t.Id.ToString())));
    }

    [Test]
    public void MapAndApplyRunTypedUserFunctionsRowByRow()
    {
        var ids = Enumerable.Range(0, 300).Select(i => (long)i).ToArray();
        var fares = Enumerable.Range(0, 300).Select(i => i * 1.5).ToArray();
        var fareValid = Enumerable.Range(0, 300).Select(i => i % 10 != 4).ToArray();
        var days = Enumerable.Range(0, 300).Select(i => new DateOnly(2024, 1, 1).AddDays(i)).ToArray();
        var f = Frame.FromTable(Table.Create(("id", Column.Of(ids)), ("fare", Column.Of(fares, fareValid)), ("day", Column.Of(days))), 4);
        var t = f.Select(
                Col("fare").Map((double x) => x < 100 ? "low" : "high").As("band"),
                Col("fare").Map((double? x) => x is null ? -1L : (long)x).As("fare_or_minus_one"),
                Apply(Col("id"), Col("fare"), (long id, double fare) => id % 2 == 0 ? fare : -fare).As("signed"),
                Apply(Col("id"), Col("fare"), Col("day"), (long id, double? fare, DateOnly day) => day.AddDays((int)id % 5 + (fare is null ? 100 : 0))).As("due"),
                Col("id").Map((long id) => id % 3 == 0 ? (int?)null : (int)id).As("maybe"))
            .Compute(_s);
        Assert.That(t.Schema.ToString(), Is.EqualTo("{band: String, fare_or_minus_one: Int64, signed: Double, due: Date, maybe: Int32}"));
        for (int i = 0; i < 300; i++)
        {
            bool has = fareValid[i];
            Assert.That(t[i, "band"], Is.EqualTo(has ? (fares[i] < 100 ? "low" : "high") : null));
            Assert.That(t[i, "fare_or_minus_one"], Is.EqualTo(has ? (long)fares[i] : -1L));
            Assert.That(t[i, "signed"], Is.EqualTo(has ? (i % 2 == 0 ? fares[i] : -fares[i]) : null));
            Assert.That(t[i, "due"], Is.EqualTo(days[i].AddDays(i % 5 + (has ? 0 : 100))));
            Assert.That(t[i, "maybe"], Is.EqualTo(i % 3 == 0 ? null : i));
        }
        // a filter on a user function's result
        Assert.That(f.Filter(Col("id").Map((long id) => id % 7 == 0)).Count(_s), Is.EqualTo(ids.Count(i => i % 7 == 0)));
        // a parameter type that is not the column's fails when the frame is built, naming both
        var ex = Assert.Throws<InvalidOperationException>(() => f.WithColumn("bad", Col("id").Map((int x) => x)));
        Assert.That(ex!.Message, Does.Contain("Int64").And.Contain("Int32"));
    }
}
