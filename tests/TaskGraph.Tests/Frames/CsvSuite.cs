using System.Text;
using static TaskGraph.Frames.Agg;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// CSV frames as an unlucky user meets them, on every scheduler: files changed between building a frame and
/// computing it, invalid UTF-8, quoted newlines across block boundaries, and group-by with missing keys kept.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class CsvSuite(string schedulerName) : TempFileTests
{
    private IScheduler _s = null!;

    [SetUp]
    public void CreateScheduler() => _s = SchedulerCases.Create(schedulerName);

    private static string Lines(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => $"{i},v{i % 7},{i * 0.5}\n"));

    /// <summary>The inner exception of a failed compute, of type <typeparamref name="T"/>.</summary>
    private T Fails<T>(Func<object> compute) where T : Exception
    {
        var ex = Assert.Catch<Exception>(() => compute())!;
        var inner = ex as T ?? ex.InnerException as T;
        Assert.That(inner, Is.Not.Null, ex.ToString());
        return inner!;
    }

    // ---- files changed under a plan (issue 12, finding 8) ----

    private static readonly Dictionary<string, Action<string>> Changes = new()
    {
        // Truncated right after a line end: every remaining line parses, so only the stamp can tell.
        ["truncated at a line end"] = p => { var t = File.ReadAllText(p); File.WriteAllText(p, t[..(t.IndexOf("\n2000,", StringComparison.Ordinal) + 1)]); },
        ["rewritten shorter"] = p => File.WriteAllText(p, "id,s,x\n" + Lines(0, 10)),
        ["rewritten at the same length with a new time"] = p =>
        {
            var before = File.GetLastWriteTimeUtc(p);
            File.WriteAllText(p, File.ReadAllText(p).Replace("v1,", "v9,"));
            File.SetLastWriteTimeUtc(p, before.AddSeconds(2));
        },
        ["appended"] = p => File.AppendAllText(p, Lines(4000, 10)),
    };

    [Test]
    public void AFileChangedSinceTheFrameWasBuiltFailsNamingIt([Values("truncated at a line end", "rewritten shorter", "rewritten at the same length with a new time", "appended")] string change)
    {
        var p = Write("trips.csv", "id,s,x\n" + Lines(0, 4000));
        var before = new FileInfo(p);
        long length = before.Length;
        var frame = Frame.ReadCsv(p, blockSize: 8192);
        var grouped = frame.GroupBy("s").Agg(Count());
        Changes[change](p);
        var after = new FileInfo(p);
        foreach (var compute in new Func<object>[] { () => frame.Compute(_s), () => frame.Count(_s), () => grouped.Compute(_s) })
        {
            var ex = Fails<FileChangedException>(compute);
            Assert.That(ex.Path, Is.EqualTo(p));
            Assert.That(ex.BuiltLength, Is.EqualTo(length));
            Assert.That(ex.Length, Is.EqualTo(after.Length));
            Assert.That(ex.LastWriteUtc, Is.EqualTo(after.LastWriteTimeUtc));
            Assert.That(ex.Message, Does.Contain(p).And.Contain("changed since the frame was built").And.Contain("rebuild the frame")
                .And.Contain($"length {length} → {after.Length} bytes"));
        }
        // A frame built over the new file reads it whole.
        var rebuilt = Frame.ReadCsv(p, blockSize: 8192);
        var expected = CsvReader.ReadFile(p);
        Assert.That(rebuilt.Compute(_s).ContentEquals(expected), Is.True);
        Assert.That(rebuilt.GroupBy("s").Agg(Count()).Compute(_s)["count"].Int64s.Take(7).Sum(), Is.EqualTo(expected.RowCount));
    }

    [Test]
    public void OneChangedFileOfAGlobIsNamed()
    {
        Write("p-1.csv", "id,s,x\n" + Lines(0, 100));
        var second = Write("p-2.csv", "id,s,x\n" + Lines(100, 100));
        var frame = Frame.ReadCsv(Path.Combine(Dir, "p-*.csv"), blockSize: 1024);
        File.AppendAllText(second, Lines(200, 1));
        var ex = Fails<FileChangedException>(() => frame.Compute(_s));
        Assert.That(ex.Path, Is.EqualTo(second));
    }

    // ---- invalid UTF-8 (issue 12, finding 8) ----

    private string WriteBytes(string name, byte[] bytes)
    {
        var p = Path.Combine(Dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    [Test]
    public void InvalidUtf8AnywhereFailsNamingFileOffsetAndLine([Values("string", "number", "quoted", "last line")] string where)
    {
        // 3000 good lines (beyond the 4 KB type-inference sample: the bad byte is found at compute), then one bad byte in the chosen place.
        var head = Encoding.UTF8.GetBytes("id,s,x\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i},é{i % 7},{i}.5\n")));
        byte[] bad = where switch
        {
            "string" => [.. "3000,ab"u8, 0xFF, .. "c,1.5\n3001,x,2.5\n"u8],
            "number" => [.. "3000,abc,1"u8, 0xC3, .. "\n3001,x,2.5\n"u8],
            "quoted" => [.. "3000,\"a\nb"u8, 0xE2, 0x82, .. "\",1.5\n3001,x,2.5\n"u8],
            _ => [.. "3000,abc,1.5\n3001,x,2.5"u8, 0x80],
        };
        var p = WriteBytes("bad.csv", [.. head, .. bad]);
        long expectedOffset = head.Length + Array.FindIndex(bad, b => b >= 0x80);
        long expectedLine = 3002 + (where == "quoted" ? 1 : where == "last line" ? 1 : 0);
        var frame = Frame.ReadCsv(p, blockSize: 4096, options: new CsvOptions { SampleBytes = 4096 });
        // Whichever columns a query reads: here only "id", so the bad byte is in a column never parsed.
        foreach (var compute in new Func<object>[] { () => frame.Compute(_s), () => frame.Select("id").Compute(_s), () => frame.GroupBy("id").Agg(Count()).Compute(_s) })
        {
            var ex = Fails<InvalidUtf8Exception>(compute);
            Assert.That(ex.Path, Is.EqualTo(p));
            Assert.That(ex.ByteOffset, Is.EqualTo(expectedOffset));
            Assert.That(ex.Line, Is.EqualTo(expectedLine));
            Assert.That(ex.Message, Does.Contain(p).And.Contain($"byte offset {expectedOffset}").And.Contain($"line {expectedLine}"));
        }
        // Opt in to replacement: U+FFFD per invalid sequence, every line read.
        var replaced = Frame.ReadCsv(p, blockSize: 4096, options: new CsvOptions { InvalidUtf8 = InvalidUtf8Handling.Replace, SampleBytes = 4096, ColumnTypes = new Dictionary<string, ColumnType> { ["x"] = ColumnType.String } });
        var t = replaced.Compute(_s);
        Assert.That(t.RowCount, Is.EqualTo(3002));
        Assert.That(t.Rows().Count(r => r.Any(v => v is string s && s.Contains('\uFFFD'))), Is.EqualTo(1));
    }

    [Test]
    public void InvalidUtf8InTheHeaderOrSampleFailsAtBuildTime()
    {
        var p = WriteBytes("h.csv", [.. "id,s"u8, 0xFE, .. "\n1,a\n"u8]);
        var ex = Assert.Throws<InvalidUtf8Exception>(() => Frame.ReadCsv(p))!;
        Assert.That(ex.ByteOffset, Is.EqualTo(4));
        Assert.That(ex.Line, Is.EqualTo(1));
        var sample = WriteBytes("s.csv", [.. "id,s\n1,a\n2,"u8, 0xC0, 0xAF, .. "\n"u8]);
        Assert.That(Assert.Throws<InvalidUtf8Exception>(() => Frame.ReadCsv(sample))!.Line, Is.EqualTo(3));
        var t = Frame.ReadCsv(p, options: new CsvOptions { InvalidUtf8 = InvalidUtf8Handling.Replace }).Compute(_s);
        Assert.That(t.Schema.Names, Is.EqualTo(new[] { "id", "s\uFFFD" }));
        Assert.That(t.Row(0), Is.EqualTo(new object?[] { 1L, "a" }));
    }

    // ---- quoted newlines across block boundaries (issue 13, finding 3) ----

    [Test]
    public void QuotedNewlinesGiveTheSameTableAtEveryBlockSize([Values(1, 100, 1000, 4096, 1 << 20)] long blockSize)
    {
        // Long multi-line quoted fields (with separators and doubled quotes) so that most block starts fall inside one.
        var sb = new StringBuilder("id,note,x\n");
        for (int i = 0; i < 300; i++)
            sb.Append(i).Append(",\"").Append(i % 3 == 0 ? "\n" : "").Append(string.Join("\n", Enumerable.Range(0, i % 5 + 1).Select(k => $"line {k}, of \"\"{i}\"\""))).Append("\",").Append(i).Append(".5\r\n");
        var p = Write("quoted.csv", sb.ToString());
        var expected = CsvReader.ReadFile(p);
        Assert.That(expected.RowCount, Is.EqualTo(300));
        Assert.That(expected[4, "note"], Is.EqualTo("line 0, of \"4\"\nline 1, of \"4\"\nline 2, of \"4\"\nline 3, of \"4\"\nline 4, of \"4\""));
        var frame = Frame.ReadCsv(p, blockSize);
        Assert.That(frame.Compute(_s).ContentEquals(expected), Is.True);
        Assert.That(frame.Count(_s), Is.EqualTo(300));
        var sums = frame.GroupBy("note").Agg(Sum("x")).Compute(_s);
        Assert.That(sums["x_sum"].Doubles.Take(sums.RowCount).Sum(), Is.EqualTo(Enumerable.Range(0, 300).Sum(i => i + 0.5)));
    }

    // ---- group-by with missing keys kept (issue 13, finding 6) ----

    private static Table OneKey() => Table.Create(
        ("k", Column.Of(new[] { "a", "b", "a", null, "b", null })),
        ("v", Column.Of(new double[] { 1, 2, 3, 100, 4, 5 }, [true, true, true, true, true, true])));

    private static readonly Aggregation[] EveryAgg =
        [Sum("v"), Mean("v"), Count("v"), Count().As("size"), Min("v"), Max("v"), Var("v"), Std("v"), NUnique("v"), First("v"), Last("v")];

    private static object?[][] OneKeyExpected(bool dropNa)
    {
        object?[][] rows =
        [
            ["a", 4.0, 2.0, 2L, 2L, 1.0, 3.0, 2.0, Math.Sqrt(2), 2L, 1.0, 3.0],
            ["b", 6.0, 3.0, 2L, 2L, 2.0, 4.0, 2.0, Math.Sqrt(2), 2L, 2.0, 4.0],
            // the missing key: rows 3 and 5 (v = 100, 5), sorted last as pandas does
            [null, 105.0, 52.5, 2L, 2L, 5.0, 100.0, 4512.5, Math.Sqrt(4512.5), 2L, 100.0, 5.0],
        ];
        return dropNa ? rows[..2] : rows;
    }

    [Test]
    public void GroupByDropNaFalseKeepsTheMissingKeyAsAGroup([Values] bool dropNa, [Values(1, 3)] int splitOut)
    {
        var f = Frame.FromTable(OneKey(), 3);
        var g = f.GroupBy(["k"], dropNa).SplitEvery(2).SplitOut(splitOut).Agg(EveryAgg).Compute(_s);
        var expected = OneKeyExpected(dropNa);
        var rows = g.Rows().OrderBy(r => r[0] is null ? "~" : (string)r[0]!, StringComparer.Ordinal).ToList();
        Assert.That(rows, Has.Count.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
            for (int c = 0; c < expected[i].Length; c++)
                Assert.That(rows[i][c], expected[i][c] is double d ? Is.EqualTo(d).Within(1e-9) : Is.EqualTo(expected[i][c]), $"group {i}, column {g.Schema.Names[c]}");
        if (splitOut == 1) Assert.That(g.Rows().Select(r => r[0]), Is.EqualTo(expected.Select(r => r[0])), "sorted, missing last");
        Assert.That(f.GroupBy("k").Agg(Count()).Compute(_s).RowCount, Is.EqualTo(2), "the default drops missing keys");
    }

    [Test]
    public void GroupByDropNaWithSeveralKeysDropsARowIfAnyKeyIsMissing([Values] bool dropNa)
    {
        var t = Table.Create(
            ("k1", Column.Of(new[] { "x", "x", null, "y", null, "x" })),
            ("k2", Column.FromValues(ColumnType.Int64, new object?[] { 1L, null, 1L, 2L, null, 1L })),
            ("v", Column.Of(new double[] { 1, 2, 3, 4, 5, 6 })));
        var g = Frame.FromTable(t, 2).GroupBy(["k1", "k2"], dropNa).Agg(Sum("v"), Count()).Compute(_s);
        // pandas: df.groupby(["k1", "k2"], dropna=...).agg(...), keys sorted with missing last in each column
        var expected = dropNa
            ? new[] { "x|1|7|2", "y|2|4|1" }
            : new[] { "x|1|7|2", "x|∅|2|1", "y|2|4|1", "∅|1|3|1", "∅|∅|5|1" };
        Assert.That(g.Rows().Select(Table.RowText), Is.EqualTo(expected));
    }

    [Test]
    public void GroupByDropNaFalseOverCsvWindowsAndSplitOut([Values(1, 2)] int splitOut)
    {
        // Empty fields are missing keys; the CSV group-by reduces each read window (read-csv-agg-chunk).
        var rnd = new Random(7);
        var rows = Enumerable.Range(0, 3000).Select(i => (K: rnd.Next(6) == 0 ? null : $"k{rnd.Next(5)}", J: rnd.Next(5) == 0 ? (long?)null : rnd.Next(3), V: i % 10)).ToList();
        var p = Write("keys.csv", "k,j,v\n" + string.Concat(rows.Select(r => $"{r.K},{r.J},{r.V}\n")));
        var saved = CsvReader.WindowBytes;
        CsvReader.WindowBytes = 1000;
        try
        {
            var g = Frame.ReadCsv(p, blockSize: 5000).GroupBy(["k", "j"], dropNa: false).SplitOut(splitOut).Agg(Sum("v"), Count()).Compute(_s);
            var expected = rows.GroupBy(r => (r.K, r.J)).Select(x => Table.RowText([x.Key.K, x.Key.J, (long)x.Sum(r => r.V), (long)x.Count()]));
            Assert.That(g.Rows().Select(Table.RowText).OrderBy(s => s, StringComparer.Ordinal), Is.EqualTo(expected.OrderBy(s => s, StringComparer.Ordinal)));
            var kept = Frame.ReadCsv(p, blockSize: 5000).GroupBy("k", dropNa: false).Agg(Count()).Compute(_s);
            Assert.That(kept.Row(kept.RowCount - 1), Is.EqualTo(new object?[] { null, (long)rows.Count(r => r.K is null) }));
        }
        finally
        {
            CsvReader.WindowBytes = saved;
        }
    }
}
