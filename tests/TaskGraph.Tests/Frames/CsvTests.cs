namespace TaskGraph.Tests.Frames;

public class CsvTests : TempFileTests
{
    [Test]
    public void InfersTypesFromTheSample()
    {
        var t = CsvReader.Parse("i,d,b,s,day,ts\n1,1.5,true,x,2024-01-02,2024-01-02 03:04:05\n-2,,false,,2024-02-29,2024-03-01T00:00:00\n");
        Assert.That(t.Schema.ToString(), Is.EqualTo("{i: Int64, d: Double, b: Bool, s: String, day: Date, ts: DateTime}"));
        Assert.That(t[1, "i"], Is.EqualTo(-2L));
        Assert.That(t[1, "d"], Is.Null);
        Assert.That(t[1, "s"], Is.Null);
        Assert.That(t[0, "ts"], Is.EqualTo(new DateTime(2024, 1, 2, 3, 4, 5)));
        Assert.That(t[1, "day"], Is.EqualTo(new DateOnly(2024, 2, 29)));
    }

    [Test]
    public void ParsesDoublesExactly()
    {
        var values = new[] { "0.1", "33.78", "-5.71", "1e-3", "123456789.123456", "0.30000000000000004", "17976931348623157e292" };
        var t = CsvReader.Parse("x\n" + string.Join("\n", values) + "\n");
        for (int i = 0; i < values.Length; i++)
            Assert.That(t["x"].Doubles[i], Is.EqualTo(double.Parse(values[i], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Rfc4180QuotingWithSeparatorsQuotesAndNewlines()
    {
        var t = CsvReader.Parse("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",\"\"\r\nplain,z\r\n");
        Assert.That(t.RowCount, Is.EqualTo(3));
        Assert.That(t[0, "a"], Is.EqualTo("x, y"));
        Assert.That(t[0, "b"], Is.EqualTo("say \"hi\""));
        Assert.That(t[1, "a"], Is.EqualTo("multi\nline"));
        Assert.That(t[1, "b"], Is.EqualTo(""));
        Assert.That(t[2, "b"], Is.EqualTo("z"));
    }

    [Test]
    public void OtherSeparatorAndNoHeaderAndGivenTypes()
    {
        var opts = new CsvOptions { Separator = ';', Header = false, ColumnTypes = new Dictionary<string, ColumnType> { ["column0"] = ColumnType.Double } };
        var t = CsvReader.Parse("1;a\n2;b\n", opts);
        Assert.That(t.Schema.ToString(), Is.EqualTo("{column0: Double, column1: String}"));
        Assert.That(t[1, "column0"], Is.EqualTo(2.0));
    }

    [Test]
    public void WrongFieldCountNamesFileLineAndColumn()
    {
        var p = Write("bad.csv", "a,b,c\n1,2,3\n4,5\n");
        var ex = Assert.Throws<CsvFormatException>(() => CsvReader.ReadFile(p));
        Assert.That(ex!.File, Is.EqualTo(p));
        Assert.That(ex.Line, Is.EqualTo(3));
        Assert.That(ex.Message, Does.Contain("bad.csv: line 3").And.Contain("expected 3 fields, found 2"));
    }

    [Test]
    public void UnparsableValueNamesColumn()
    {
        var p = Write("bad.csv", "a,b\n1,2\n3,x\n");
        var opts = new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["b"] = ColumnType.Int64 } };
        var ex = Assert.Throws<CsvFormatException>(() => CsvReader.ReadFile(p, opts));
        Assert.That(ex!.Line, Is.EqualTo(3));
        Assert.That(ex.ColumnNumber, Is.EqualTo(2));
        Assert.That(ex.ColumnName, Is.EqualTo("b"));
        Assert.That(ex.Message, Does.Contain("'x' is not a valid Int64"));
    }

    [Test]
    public void UnbalancedQuoteIsReported()
    {
        var ex = Assert.Throws<CsvFormatException>(() => CsvReader.Parse("a,b\n1,\"open\n2,3\n"));
        Assert.That(ex!.Message, Does.Contain("unbalanced quote").And.Contain("line 2"));
    }

    [Test]
    public void SkipBadLinesCountsThem()
    {
        var opts = new CsvOptions { SkipBadLines = true, ColumnTypes = new Dictionary<string, ColumnType> { ["b"] = ColumnType.Int64 } };
        var t = CsvReader.Parse("a,b\n1,2\n3\n4,x\n5,6,7\n8,9\n", opts, out int bad);
        Assert.That(bad, Is.EqualTo(3));
        Assert.That(t["a"].Int64s.Take(t.RowCount), Is.EqualTo(new long[] { 1, 8 }));
        Assert.That(t["b"].Int64s.Take(t.RowCount), Is.EqualTo(new long[] { 2, 9 }));
    }

    [Test]
    public void ErrorLineIsRightInALaterBlock()
    {
        var lines = Enumerable.Range(0, 200).Select(i => $"{i},{i * 2}").ToList();
        lines[150] = "150";
        var p = Write("late.csv", "a,b\n" + string.Join("\n", lines) + "\n");
        var f = Frame.ReadCsv(p, blockSize: 256);
        var ex = Assert.Throws<TaskFailedException>(() => f.Compute(Scheduler.Synchronous));
        var inner = ex!.InnerException as CsvFormatException;
        Assert.That(inner, Is.Not.Null);
        Assert.That(inner!.Line, Is.EqualTo(152));
    }

    [Test]
    public void BlocksCoverEveryLineExactlyOnce([Values(1, 7, 64, 1000, 1 << 20)] int blockSize)
    {
        var lines = Enumerable.Range(0, 300).Select(i => $"{i},v{i % 7},{i * 0.5}");
        var p = Write("blocks.csv", "id,s,x\n" + string.Join("\n", lines) + "\n");
        var layout = CsvReader.Sniff(p, new CsvOptions());
        var blocks = CsvReader.Blocks([(p, layout.DataStart)], blockSize);
        var ids = blocks.SelectMany(b => { var t = CsvReader.ReadBlock(b, layout, ["id"], new CsvOptions(), out _); return t["id"].Int64s.Take(t.RowCount); }).ToList();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(0, 300).Select(i => (long)i)));
    }

    [Test]
    public void SmallReadWindowsCarryPartialLinesAndQuotedNewlines([Values(16, 50, 4096)] int window)
    {
        var saved = CsvReader.WindowBytes;
        CsvReader.WindowBytes = window;
        try
        {
            var lines = Enumerable.Range(0, 200).Select(i => i % 10 == 0 ? $"{i},\"multi\nline, {i}\"" : $"{i},plain{i}");
            var p = Write("w.csv", "id,s\n" + string.Join("\n", lines) + "\n");
            var t = CsvReader.ReadFile(p);
            Assert.That(t["id"].Int64s.Take(t.RowCount), Is.EqualTo(Enumerable.Range(0, 200).Select(i => (long)i)));
            Assert.That(t[30, "s"], Is.EqualTo("multi\nline, 30"));
            var noQuotes = Write("n.csv", "id,s\n" + string.Join("\n", Enumerable.Range(0, 300).Select(i => $"{i},{new string('x', i % 40)}")));
            var layout = CsvReader.Sniff(noQuotes, new CsvOptions());
            var ids = CsvReader.Blocks([(noQuotes, layout.DataStart)], 333).SelectMany(b => { var x = CsvReader.ReadBlock(b, layout, ["id"], new CsvOptions(), out _); return x["id"].Int64s.Take(x.RowCount); });
            Assert.That(ids, Is.EqualTo(Enumerable.Range(0, 300).Select(i => (long)i)));
        }
        finally
        {
            CsvReader.WindowBytes = saved;
        }
    }

    [Test]
    public void EmptyFileAndHeaderOnlyFile()
    {
        var header = Write("h.csv", "a,b\n");
        var t = CsvReader.ReadFile(header);
        Assert.That(t.RowCount, Is.Zero);
        Assert.That(t.Schema.Names, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Frame.ReadCsv(header).Compute(Scheduler.Synchronous).RowCount, Is.Zero);
        var empty = Write("e.csv", "");
        Assert.That(CsvReader.ReadFile(empty).RowCount, Is.Zero);
    }

    [Test]
    public void ADirectoryOrAGlobMatchingNothingSaysSo()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Dir, "data.csv")).FullName;
        var ex = Assert.Throws<IOException>(() => Frame.ReadCsv(dir))!;
        Assert.That(ex.Message, Does.Contain($"{dir} is a directory").And.Contain(Path.Combine(dir, "*.csv")));
        Assert.That(ex, Is.Not.InstanceOf<FileNotFoundException>());
        var none = Assert.Throws<FileNotFoundException>(() => Frame.ReadCsv(Path.Combine(Dir, "*.tsv")))!;
        Assert.That(none.Message, Does.Contain("No file matches").And.Contain("*.tsv"));
        var noDir = Assert.Throws<FileNotFoundException>(() => Frame.ReadCsv(Path.Combine(Dir, "nope", "*.csv")))!;
        Assert.That(noDir.Message, Does.Contain("does not exist"));
        Assert.That(Assert.Throws<FileNotFoundException>(() => Frame.ReadCsv(Path.Combine(Dir, "missing.csv")))!.Message, Does.Contain("CSV file not found"));
    }

    [Test]
    public void BlocksRecordTheFileLengthAndLastWriteTime()
    {
        var p = Write("s.csv", "a,b\n1,2\n3,4\n");
        var info = new FileInfo(p);
        var blocks = CsvReader.Blocks([(p, 4L)], 3);
        Assert.That(blocks.Select(b => (b.FileLength, b.LastWriteUtcTicks)).Distinct(), Is.EqualTo(new[] { (info.Length, info.LastWriteTimeUtc.Ticks) }));
        // A block planned over another version of the file is refused, naming both versions.
        var layout = CsvReader.Sniff(p, new CsvOptions());
        var stale = blocks[0] with { FileLength = info.Length + 1 };
        var ex = Assert.Throws<FileChangedException>(() => CsvReader.ReadBlock(stale, layout, null, new CsvOptions(), out _))!;
        Assert.That(ex.Message, Does.Contain($"length {info.Length + 1} → {info.Length} bytes"));
    }

    [Test]
    public void WriterRoundTripsThroughReader()
    {
        var t = Table.Create(
            ("s", Column.Of(new[] { "plain", "with,comma", "with \"quote\"", "two\nlines", "", null })),
            ("x", Column.Of(new[] { 1.5, -0.1, 1e300, 0, 2, 3 }, new[] { true, true, true, true, true, false })),
            ("n", Column.Of(new long[] { 1, 2, 3, 4, 5, 6 })));
        var back = CsvReader.Parse(CsvWriter.ToText(t));
        Assert.That(back.ContentEquals(t), Is.True, back.ToString());
    }
}
