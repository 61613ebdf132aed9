using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>String and date functions on every scheduler, against the examples in pandas' documentation and loops.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class TextDateSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    private static object?[] Values(Table t, string column) => Enumerable.Range(0, t.RowCount).Select(r => t[r, column]).ToArray();

    [Test]
    public void StringFunctionsMatchPandasExamples()
    {
        // pandas' str.replace, str.contains and str.extract examples (np.nan as a missing value)
        var f = Frame.FromTable(Table.Create(
            ("foo", Column.Of(new[] { "foo", "fuz", null })),
            ("dot", Column.Of(new[] { "f.o", "fuz", null })),
            ("pets", Column.Of(new[] { "Mouse", "dog", "house and parrot" })),
            ("code", Column.Of(new[] { "a1", "b2", "c3" }))), 2);
        var t = f.Select(
                Col("foo").RegexReplace("f.", "ba").As("regex"),
                Col("dot").Replace("f.", "ba").As("literal"),
                Col("pets").IsMatch("house|dog").As("match"),
                Col("pets").IsMatch("^[Mh]ouse").As("anchored"),
                Col("code").Extract(@"([ab])(\d)", 1).As("letter"),
                Col("code").Extract(@"([ab])(\d)", 2).As("digit"),
                Col("pets").Split(" ", -1).As("last_word"),
                Col("pets").Split(" ", 1).As("second_word"))
            .Compute(_s);
        Assert.That(Values(t, "regex"), Is.EqualTo(new object?[] { "bao", "baz", null }));
        Assert.That(Values(t, "literal"), Is.EqualTo(new object?[] { "bao", "fuz", null }));
        Assert.That(Values(t, "match"), Is.EqualTo(new object?[] { false, true, true }));
        Assert.That(Values(t, "anchored"), Is.EqualTo(new object?[] { true, false, true }));
        Assert.That(Values(t, "letter"), Is.EqualTo(new object?[] { "a", "b", null }));
        Assert.That(Values(t, "digit"), Is.EqualTo(new object?[] { "1", "2", null }));
        Assert.That(Values(t, "last_word"), Is.EqualTo(new object?[] { "Mouse", "dog", "parrot" }));
        Assert.That(Values(t, "second_word"), Is.EqualTo(new object?[] { null, null, "and" }));
        Assert.Throws<ArgumentException>(() => Col("pets").IsMatch("(unclosed"));
        Assert.Throws<InvalidOperationException>(() => Frame.FromTable(Table.Create(("n", Column.Of(new[] { 1 })))).WithColumn("x", Col("n").Replace("1", "2")));
    }

    [Test]
    public void StringFunctionsOverCsvDictionaryColumnsAgreeWithLoops()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tg-text-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "t.csv");
            var urls = Enumerable.Range(0, 400).Select(i => $"https://host{i % 5}.example/p/{i % 9}/item-{i % 4}").ToArray();
            File.WriteAllText(path, "url\n" + string.Join("\n", urls) + "\n");
            var t = Frame.ReadCsv(path, blockSize: 2048).Select(
                    Col("url").Split("/", 2).As("host"),
                    Col("url").Extract(@"item-(\d+)").As("item"),
                    Col("url").RegexReplace(@"host(\d)", "h$1").As("short"))
                .Compute(_s);
            Assert.That(Values(t, "host"), Is.EqualTo(urls.Select(u => u.Split("/")[2])));
            Assert.That(Values(t, "item"), Is.EqualTo(urls.Select(u => u[(u.LastIndexOf('-') + 1)..])));
            Assert.That(Values(t, "short"), Is.EqualTo(urls.Select(u => u.Replace("host", "h"))));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void DateFunctionsMatchPandasExamples()
    {
        // pandas' dt.floor example: 11:59, 12:00, 12:01 floored to the hour; dt.strftime's: '%B %d, %Y, %r'
        var times = new[] { new DateTime(2018, 1, 1, 11, 59, 0), new DateTime(2018, 1, 1, 12, 0, 0), new DateTime(2018, 1, 1, 12, 1, 0) };
        var stamps = new[] { new DateTime(2018, 3, 10, 9, 0, 0), new DateTime(2018, 3, 10, 9, 0, 1), new DateTime(2018, 3, 10, 9, 0, 2) };
        var f = Frame.FromTable(Table.Create(("t", Column.Of(times)), ("s", Column.Of(stamps))), 2);
        var t = f.Select(
                Col("t").Floor(TimeSpan.FromHours(1)).As("hour"),
                Col("t").Floor(TimeSpan.FromDays(7)).As("week"),
                Col("s").Format("MMMM dd, yyyy, hh:mm:ss tt").As("text"))
            .Compute(_s);
        Assert.That(Values(t, "hour"), Is.EqualTo(new object[] { new DateTime(2018, 1, 1, 11, 0, 0), new DateTime(2018, 1, 1, 12, 0, 0), new DateTime(2018, 1, 1, 12, 0, 0) }));
        // weeks count from the Unix epoch (a Thursday), as pandas' floor("7D"): 2017-12-28 is the Thursday before
        Assert.That(Values(t, "week"), Is.EqualTo(Enumerable.Repeat<object>(new DateTime(2017, 12, 28), 3)));
        Assert.That(Values(t, "text"), Is.EqualTo(new[] { "March 10, 2018, 09:00:00 AM", "March 10, 2018, 09:00:01 AM", "March 10, 2018, 09:00:02 AM" }));
    }

    [Test]
    public void DateDifferencesAgreeWithTimeSpan()
    {
        var rng = new Random(5);
        int n = 200;
        var start = Enumerable.Range(0, n).Select(_ => new DateTime(2024, 1, 1).AddMinutes(rng.Next(-50_000, 50_000))).ToArray();
        var end = Enumerable.Range(0, n).Select(_ => new DateTime(2024, 1, 1).AddMinutes(rng.Next(-50_000, 50_000))).ToArray();
        var valid = Enumerable.Range(0, n).Select(i => i % 11 != 0).ToArray();
        var d0 = start.Select(DateOnly.FromDateTime).ToArray();
        var d1 = end.Select(DateOnly.FromDateTime).ToArray();
        var f = Frame.FromTable(Table.Create(("a", Column.Of(start, valid)), ("b", Column.Of(end)), ("da", Column.Of(d0)), ("db", Column.Of(d1))), 3);
        var t = f.Select(
                Col("b").DaysSince(Col("a")).As("days"),
                Col("b").SecondsSince(Col("a")).As("seconds"),
                Col("db").DaysSince(Col("da")).As("date_days"),
                Col("da").Format("yyyy/MM/dd").As("date_text"))
            .Compute(_s);
        for (int i = 0; i < n; i++)
        {
            var span = end[i] - start[i];
            Assert.That(t[i, "days"], Is.EqualTo(valid[i] ? (long)Math.Floor(span.TotalDays) : null));
            Assert.That(t[i, "seconds"], Is.EqualTo(valid[i] ? span.TotalSeconds : null));
            Assert.That(t[i, "date_days"], Is.EqualTo((long)(d1[i].DayNumber - d0[i].DayNumber)));
            Assert.That(t[i, "date_text"], Is.EqualTo(d0[i].ToString("yyyy/MM/dd", System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Throws<InvalidOperationException>(() => f.WithColumn("x", Col("b").DaysSince(Col("da"))));
    }
}
