using System.Globalization;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// The batched CSV fast path (field positions first, then one typed loop per column), its short-field parsers, and
/// group-bys that reduce each read window as it is parsed: all checked against the framework's parsers, the general
/// parser and in-memory tables.
/// </summary>
public class CsvBatchTests : TempFileTests
{
    [Test]
    public void ShortDecimalsParseLikeTheFramework()
    {
        // Every shape near the 8-character fast path, valid or not, in the middle of a buffer and at its very end.
        var rnd = new Random(3);
        const string alphabet = "0123456789.-+e";
        for (int t = 0; t < 20000; t++)
        {
            int len = rnd.Next(1, 11);
            var text = new string(Enumerable.Range(0, len).Select(_ => alphabet[rnd.Next(t % 3 == 0 ? alphabet.Length : 11)]).ToArray());
            bool want = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double expected);
            var bytes = System.Text.Encoding.ASCII.GetBytes("9,9," + text + ",123456789");
            bool got = Utf8Parsers.TryParseDouble(bytes, 4, 4 + len, out double value);
            Assert.That(got, Is.EqualTo(want), text);
            if (want) Assert.That(value, Is.EqualTo(expected), text);
            var atEnd = System.Text.Encoding.ASCII.GetBytes("x," + text);
            Assert.That(Utf8Parsers.TryParseDouble(atEnd, 2, 2 + len, out double v2), Is.EqualTo(want), text);
            if (want) Assert.That(v2, Is.EqualTo(expected), text);
        }
        foreach (var text in new[] { "0.00", "-0.00", "12.44", "99999999", "9999999.9", ".5", "5.", "-.5", "00000001" })
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(text + "        ");
            Assert.That(Utf8Parsers.TryParseDouble(bytes, 0, text.Length, out double v), Is.True, text);
            Assert.That(v, Is.EqualTo(double.Parse(text, CultureInfo.InvariantCulture)), text);
            Assert.That(double.IsNegative(v), Is.EqualTo(text.StartsWith('-')), text);
        }
    }

    [Test]
    public void DatesParseToTheirDayNumbers()
    {
        for (var d = new DateOnly(1600, 1, 1); d <= new DateOnly(2400, 12, 31); d = d.AddDays(1))
        {
            var text = System.Text.Encoding.ASCII.GetBytes(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Assert.That(Utf8Parsers.TryParseDate(text, out int day), Is.True);
            if (day != d.DayNumber) Assert.Fail($"{d:yyyy-MM-dd}: {day} != {d.DayNumber}");
        }
        foreach (var bad in new[] { "2023-02-29", "1900-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00", "0000-01-01", "2023-1a-01" })
            Assert.That(Utf8Parsers.TryParseDate(System.Text.Encoding.ASCII.GetBytes(bad), out _), Is.False, bad);
        Assert.That(Utf8Parsers.TryParseDate("0001-01-01"u8, out int first), Is.True);
        Assert.That(first, Is.EqualTo(DateOnly.MinValue.DayNumber));
        Assert.That(Utf8Parsers.TryParseDate("9999-12-31"u8, out int last), Is.True);
        Assert.That(last, Is.EqualTo(DateOnly.MaxValue.DayNumber));
    }

    private static string Lines(int n, Func<int, string> line) => string.Join("\n", Enumerable.Range(0, n).Select(line)) + "\n";

    [Test]
    public void BatchesAgreeWithTheGeneralParser()
    {
        // Several batches of lines, missing values in every column, CRLF endings and blank lines; the same text with
        // one quoted field takes the general parser.
        string Row(int i) => i % 997 == 5 ? "" : $"{(i % 11 == 0 ? "" : i.ToString())},{(i % 7 == 0 ? "" : "V" + i % 13)},{(i % 5 == 0 ? "" : (i % 300 * 0.25).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "" : $"2024-02-{1 + i % 29:00}")},{(i % 2 == 0 ? "true" : "")}" + (i % 4 == 0 ? "\r" : "");
        var types = new Dictionary<string, ColumnType> { ["a"] = ColumnType.Int64, ["b"] = ColumnType.String, ["c"] = ColumnType.Double, ["d"] = ColumnType.Date, ["e"] = ColumnType.Bool };
        var opts = new CsvOptions { ColumnTypes = types };
        var body = Lines(5000, Row);
        var fast = CsvReader.Parse("a,b,c,d,e\n" + body, opts);
        var general = CsvReader.Parse("a,b,c,d,e\n\"0\",x,,,\n" + body, opts);
        Assert.That(fast.RowCount, Is.EqualTo(5000 - 6));
        Assert.That(general.RowCount, Is.EqualTo(fast.RowCount + 1));
        Assert.That(general.Slice(1, fast.RowCount).ContentEquals(fast), Is.True);
        Assert.That(fast[0, "a"], Is.Null);
        Assert.That(fast[1, "c"], Is.EqualTo(0.25));
        Assert.That(fast[2, "d"], Is.EqualTo(new DateOnly(2024, 2, 3)));
    }

    [Test]
    public void TheFirstBadLineIsNamedAcrossBatches()
    {
        // A bad value at line 2,602 comes before a short line at line 2,901 in the same batch: the value is named.
        var text = "a,b\n" + Lines(3000, i => i == 2600 ? "1,x" : i == 2899 ? "7" : $"{i},{i * 2}");
        var opts = new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["a"] = ColumnType.Int64, ["b"] = ColumnType.Int64 } };
        var ex = Assert.Throws<CsvFormatException>(() => CsvReader.Parse(text, opts))!;
        Assert.That(ex.Line, Is.EqualTo(2602));
        Assert.That(ex.ColumnName, Is.EqualTo("b"));
        var shortFirst = "a,b\n" + Lines(3000, i => i == 2600 ? "7" : i == 2899 ? "1,x" : $"{i},{i * 2}");
        ex = Assert.Throws<CsvFormatException>(() => CsvReader.Parse(shortFirst, opts))!;
        Assert.That(ex.Line, Is.EqualTo(2602));
        Assert.That(ex.Message, Does.Contain("expected 2 fields, found 1"));
        // Skipped instead: every other line survives, in order, whichever batch the bad ones fell in.
        var skip = opts with { SkipBadLines = true };
        var bad = new HashSet<int> { 0, 1023, 1024, 2047, 2600, 2899, 2999 };
        var mixed = "a,b\n" + Lines(3000, i => !bad.Contains(i) ? $"{i},{i * 2}" : i % 2 == 0 ? $"{i}" : $"{i},y{i}");
        var t = CsvReader.Parse(mixed, skip, out int badLines);
        Assert.That(badLines, Is.EqualTo(bad.Count));
        var want = Enumerable.Range(0, 3000).Where(i => !bad.Contains(i)).ToArray();
        Assert.That(t["a"].Int64s.Take(t.RowCount), Is.EqualTo(want.Select(i => (long)i)));
        Assert.That(t["b"].Int64s.Take(t.RowCount), Is.EqualTo(want.Select(i => (long)i * 2)));
    }

    [Test]
    public void GroupByReducesWindowsLikeWholePartitions([Values(64, 1000, 1 << 20)] int window)
    {
        var p = Write("trips.csv", "id,vendor,fare,tip,day\n" + Lines(4000, i =>
            $"{i},V{i % 17:00},{(i % 9 == 0 ? "" : (i % 23 - 3 + 0.5).ToString(CultureInfo.InvariantCulture))},{i % 5}.25,2024-01-{1 + i % 28:00}"));
        var saved = CsvReader.WindowBytes;
        CsvReader.WindowBytes = window;
        try
        {
            var sumSq = Custom<double, double>("tip", "tip_sq", c => c.Doubles.Take(c.Length).Sum(x => x * x), (a, b) => a + b, s => s);
            Frame Query(Frame f) => f.Filter(Col("fare") > 0).WithColumn("pct", Col("tip") / Col("fare"));
            Aggregation[] aggs = [Sum("fare"), Mean("pct"), Max("tip"), Min("day"), Count("id", "n"), NUnique("tip"), First("id"), Last("id"), Std("fare"), sumSq];
            var csv = Frame.ReadCsv(p, blockSize: 30_000);
            var memory = Frame.FromTable(CsvReader.ReadFile(p), csv.NPartitions);
            var windowed = Query(csv).GroupBy("vendor").Agg(aggs);
            var chunks = windowed.LowerPartitions().Single().Dependencies.SelectMany(d => d.Dependencies.Prepend(d)).Select(d => d.Function?.Name).ToHashSet();
            Assert.That(chunks, Does.Contain("read-csv-agg-chunk"));
            var got = windowed.Compute(Scheduler.Synchronous);
            var want = Query(memory).GroupBy("vendor").Agg(aggs).Compute(Scheduler.Synchronous);
            Assert.That(got.RowCount, Is.EqualTo(17));
            Assert.That(got.ContentEquals(want, 1e-9), Is.True, got + "\n" + want);
            var whole = Query(csv).Agg(Sum("fare"), Count()).Compute(Scheduler.Threads(2));
            Assert.That(whole.ContentEquals(Query(memory).Agg(Sum("fare"), Count()).Compute(Scheduler.Synchronous), 1e-9), Is.True);
            // A whole-partition function still sees whole partitions (no windows): one row per partition here.
            var perPartition = csv.MapPartitions(t => Table.Create(("rows", Column.Of(new long[] { t.RowCount }))), new Schema([new Field("rows", ColumnType.Int64)]));
            var counted = perPartition.Agg(Count(), Sum("rows")).Compute(Scheduler.Synchronous);
            Assert.That(counted.Row(0), Is.EqualTo(new object?[] { (long)csv.NPartitions, 4000L }));
        }
        finally
        {
            CsvReader.WindowBytes = saved;
        }
    }
}
