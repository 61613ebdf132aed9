using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// Parquet frames on every scheduler: CSV → Parquet → frame round trips (every column type, missing values, empty
/// row groups, many files), files written by DuckDB read back value for value (and ours read by DuckDB), row groups
/// skipped by their statistics, and bad files failing with the file and row group named.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ParquetSuite(string schedulerName) : TempFileTests
{
    private IScheduler _s = null!;

    [SetUp]
    public void CreateScheduler() => _s = SchedulerCases.Create(schedulerName);

    private static readonly Dictionary<string, ColumnType> AllTypes = new()
    {
        ["i32"] = ColumnType.Int32, ["i64"] = ColumnType.Int64, ["x"] = ColumnType.Double, ["b"] = ColumnType.Bool,
        ["s"] = ColumnType.String, ["d"] = ColumnType.Date, ["t"] = ColumnType.DateTime,
    };

    /// <summary>A CSV with every column type; every 7th row misses a value in one column (a different one each time).</summary>
    private string AllTypesCsv(int rows)
    {
        var sb = new StringBuilder("i32,i64,x,b,s,d,t\n");
        for (int i = 0; i < rows; i++)
        {
            string[] f =
            [
                (i - 50).ToString(CultureInfo.InvariantCulture), ((long)i * 3_000_000_000L).ToString(CultureInfo.InvariantCulture),
                (i * 0.25 - 3).ToString("R", CultureInfo.InvariantCulture), i % 3 == 0 ? "true" : "false", $"v{i % 5}",
                new DateOnly(2020, 1, 1).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                new DateTime(2021, 6, 1, 0, 0, 0).AddSeconds(i * 3_601L).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ];
            if (i % 7 == 3) f[i / 7 % f.Length] = "";
            sb.Append(string.Join(',', f)).Append('\n');
        }
        return Write("all.csv", sb.ToString());
    }

    private Frame ReadAllTypes(int rows, long blockSize = 4096)
        => Frame.ReadCsv(AllTypesCsv(rows), blockSize, new CsvOptions { ColumnTypes = AllTypes });

    [Test]
    public void CsvToParquetToFrameKeepsEveryValueTypeAndMissingValueAcrossManyFilesAndRowGroups()
    {
        var csv = ReadAllTypes(1000);
        Assert.That(csv.NPartitions, Is.GreaterThan(3));
        var expected = csv.Compute(_s);
        Assert.That(expected.Columns.All(c => c.NullCount > 0), "every column has a missing value");
        var files = csv.ToParquet(Path.Combine(Dir, "out-*.parquet"), rowGroupSize: 50, scheduler: _s);
        Assert.That(files, Has.Length.EqualTo(csv.NPartitions));
        var back = Frame.ReadParquet(Path.Combine(Dir, "out-*.parquet"));
        Assert.That(back.Schema, Is.EqualTo(csv.Schema));
        // one partition per row group: each file holds ceil(rows / 50) of them
        var perFile = csv.ToDelayedPartitions().Select(p => p.Compute(_s).RowCount).Select(n => Math.Max(1, (n + 49) / 50)).Sum();
        Assert.That(back.NPartitions, Is.EqualTo(perFile));
        var got = back.Compute(_s);
        Assert.That(got.ContentEquals(expected), "\n" + got + "\n" + expected);
        Assert.That(back.ToDelayedPartitions()[0].Compute(_s)["s"].Codes, Is.Not.Null, "strings come back dictionary-coded");
        // merged row groups (one partition per file at most 1 MB): the same rows
        var merged = Frame.ReadParquet(Path.Combine(Dir, "out-*.parquet"), blockSize: 1 << 20);
        Assert.That(merged.NPartitions, Is.EqualTo(files.Length));
        Assert.That(merged.Compute(_s).ContentEquals(expected));
    }

    [Test]
    public void EmptyPartitionsBecomeEmptyRowGroupsThatReadBackWithTheirSchema()
    {
        var csv = ReadAllTypes(600, blockSize: 2048);
        var some = csv.Filter(Col("i32") < 0); // rows -50..-1 sit in the first block(s) only
        var files = some.ToParquet(Path.Combine(Dir, "part-*.parquet"), scheduler: _s);
        Assert.That(files.Length, Is.GreaterThan(2));
        var back = Frame.ReadParquet(Path.Combine(Dir, "part-*.parquet"));
        Assert.That(back.Schema, Is.EqualTo(csv.Schema));
        var expected = some.Compute(_s);
        Assert.That(expected.RowCount, Is.InRange(40, 50));
        Assert.That(back.Count(_s), Is.EqualTo(expected.RowCount));
        Assert.That(back.Compute(_s).ContentEquals(expected));
        Assert.That(back.Filter(Col("i32") > 1000).Compute(_s).RowCount, Is.EqualTo(0));
    }

    [Test]
    public void GroupByOverParquetEqualsGroupByOverTheCsv()
    {
        var csv = ReadAllTypes(2000);
        csv.ToParquet(Path.Combine(Dir, "g-*.parquet"), rowGroupSize: 100, scheduler: _s);
        var pq = Frame.ReadParquet(Path.Combine(Dir, "g-*.parquet"));
        Table Query(Frame f) => f.Filter(Col("x") > 10).GroupBy("s").Agg(Sum("x"), Max("i64"), Count("i32", "n")).SortBy("s").Compute(_s);
        Assert.That(Query(pq).ContentEquals(Query(csv)));
    }

    // ---- DuckDB: files it writes read back equal, and it reads ours ----

    private static List<object?[]> DuckRows(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static void DuckExec(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>A value as a column of <paramref name="type"/> holds it, whichever CLR type DuckDB or the frame gives it.</summary>
    private static object? Norm(object? v, ColumnType type) => v is null ? null : type switch
    {
        ColumnType.Int32 or ColumnType.Int64 => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        ColumnType.Double => Convert.ToDouble(v, CultureInfo.InvariantCulture),
        ColumnType.Date => v is DateTime dt ? DateOnly.FromDateTime(dt) : v,
        _ => v,
    };

    [Test]
    public void FilesWrittenByDuckDbReadBackWithEqualValues([Values("SNAPPY", "UNCOMPRESSED", "ZSTD")] string codec, [Values("V1", "V2")] string version)
    {
        var path = Path.Combine(Dir, "duck.parquet");
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        string query = """
            SELECT i::INTEGER AS i32, (i * 3000000000)::BIGINT AS i64, CASE WHEN i % 7 = 3 THEN NULL ELSE i * 0.25 END AS x,
                   i % 3 = 0 AS b, CASE WHEN i % 11 = 0 THEN NULL ELSE 'v' || (i % 5) END AS s,
                   DATE '2020-01-01' + i::INTEGER AS d, TIMESTAMP '2021-06-01' + to_seconds(i * 3601) AS t, (i % 100)::SMALLINT AS small, i::FLOAT / 4 AS f
            FROM range(5000) r(i)
            """;
        DuckExec(c, $"COPY ({query}) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000, COMPRESSION {codec}, PARQUET_VERSION {version})");
        var frame = Frame.ReadParquet(path);
        if (version == "V2")
        {
            // DuckDB's v2 files store dates and timestamps DELTA_BINARY_PACKED, which Parquet.Net 6.1 cannot decode
            // as dates: those columns fail naming the file, row group and column; the others read back below
            foreach (var col in new[] { "d", "t" })
            {
                var ex = Fails<ParquetFileException>(() => frame.Select(col).Compute(_s));
                Assert.That(ex.Path, Is.EqualTo(path));
                Assert.That(ex.RowGroup, Is.Not.Null);
                Assert.That(ex.Message, Does.Contain($"'{col}'"));
            }
            frame = frame.Drop("d", "t");
            query = query.Replace("DATE '2020-01-01' + i::INTEGER AS d, TIMESTAMP '2021-06-01' + to_seconds(i * 3601) AS t, ", "");
        }
        var types = new (string, ColumnType)[] { ("i32", ColumnType.Int32), ("i64", ColumnType.Int64), ("x", ColumnType.Double), ("b", ColumnType.Bool),
            ("s", ColumnType.String), ("d", ColumnType.Date), ("t", ColumnType.DateTime), ("small", ColumnType.Int32), ("f", ColumnType.Double) };
        Assert.That(frame.Schema, Is.EqualTo(Schema.Of(types.Where(f => version == "V1" || f.Item1 is not ("d" or "t")).ToArray())));
        var got = frame.Compute(_s);
        var expected = DuckRows(c, $"SELECT * FROM ({query}) ORDER BY i32");
        Assert.That(got.RowCount, Is.EqualTo(expected.Count));
        for (int r = 0; r < got.RowCount; r++)
        {
            var row = got.Row(r);
            var want = expected[r];
            for (int k = 0; k < row.Length; k++)
                Assert.That(Norm(row[k], got.Schema[k].Type), Is.EqualTo(Norm(want[k], got.Schema[k].Type)), $"row {r} column {got.Schema[k].Name}");
        }
    }

    [Test]
    public void DuckDbReadsOurFilesWithEqualValues()
    {
        var csv = ReadAllTypes(800);
        var expected = csv.Compute(_s);
        csv.ToParquet(Path.Combine(Dir, "ours-*.parquet"), rowGroupSize: 100, scheduler: _s);
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        var rows = DuckRows(c, $"SELECT i32, i64, x, b, s, d, t FROM read_parquet('{Path.Combine(Dir, "ours-*.parquet")}', filename = true, file_row_number = true) ORDER BY filename, file_row_number");
        Assert.That(rows, Has.Count.EqualTo(expected.RowCount));
        for (int r = 0; r < rows.Count; r++)
        {
            var want = expected.Row(r);
            for (int k = 0; k < want.Length; k++)
                Assert.That(Norm(rows[r][k], expected.Schema[k].Type), Is.EqualTo(Norm(want[k], expected.Schema[k].Type)), $"row {r} column {expected.Schema[k].Name}");
        }
    }

    // ---- bad files ----

    private T Fails<T>(Func<object> compute) where T : Exception
    {
        var ex = Assert.Catch<Exception>(() => compute())!;
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is T t) return t;
        Assert.Fail(ex.ToString());
        return null!;
    }

    [Test]
    public void ATruncatedFileFailsNamingIt()
    {
        var path = Path.Combine(Dir, "t.parquet");
        ParquetTableWriter.WriteFile(Table.Create(("id", Column.Of(Enumerable.Range(0, 1000).Select(i => (long)i).ToArray()))), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<ParquetFileException>(() => Frame.ReadParquet(path))!;
        Assert.That(ex.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.Contain(path));
        Assert.That(Assert.Throws<ParquetFileException>(() => Frame.ReadParquet(Write("not.parquet", "id\n1\n")))!.Message, Does.Contain("not.parquet"));
    }

    [Test]
    public void ACorruptRowGroupFailsNamingTheFileAndRowGroup()
    {
        var path = Path.Combine(Dir, "c.parquet");
        var ids = Enumerable.Range(0, 3000).Select(i => (long)i * 7919 % 100_003).ToArray();
        ParquetTableWriter.WriteFile(Table.Create(("id", Column.Of(ids))), path, rowGroupSize: 1000);
        // overwrite the start of row group 1's column chunk (its page header) with garbage; the footer stays intact
        long offset;
        using (var fs = File.OpenRead(path))
        {
            var reader = Parquet.ParquetReader.CreateAsync(fs).GetAwaiter().GetResult();
            offset = reader.RowGroups[1].RowGroup.Columns[0].MetaData!.DataPageOffset;
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.Position = offset;
            fs.Write(Enumerable.Repeat((byte)0xEE, 64).ToArray());
        }
        var frame = Frame.ReadParquet(path);
        Assert.That(frame.Filter(Col("id") < 0).Compute(_s).RowCount, Is.EqualTo(0), "row groups ruled out by statistics are not read");
        var ex = Fails<ParquetFileException>(() => frame.Compute(_s));
        Assert.That(ex.Path, Is.EqualTo(path));
        Assert.That(ex.RowGroup, Is.EqualTo(1));
        Assert.That(ex.Message, Does.Contain("row group 1").And.Contain("'id'"));
    }

    [Test]
    public void AFileChangedSinceTheFrameWasBuiltFailsNamingIt()
    {
        var path = Path.Combine(Dir, "ch.parquet");
        ParquetTableWriter.WriteFile(Table.Create(("id", Column.Of(new long[] { 1, 2, 3 }))), path);
        var frame = Frame.ReadParquet(path);
        ParquetTableWriter.WriteFile(Table.Create(("id", Column.Of(new long[] { 1, 2, 3, 4 }))), path);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(5));
        var ex = Fails<FileChangedException>(() => frame.Compute(_s));
        Assert.That(ex.Path, Is.EqualTo(path));
    }
}

/// <summary>Row groups skipped by their statistics, proven by counting the row groups decoded (a counter of the process that reads: in-process schedulers).</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.InProcess))]
public class ParquetSkippingSuite(string schedulerName) : TempFileTests
{
    private IScheduler _s = null!;

    [SetUp]
    public void CreateScheduler() => _s = SchedulerCases.Create(schedulerName);

    [Test]
    public void FiltersSkipRowGroupsTheirStatisticsRuleOut()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => (long)i).ToArray();
        var names = Enumerable.Range(0, 1000).Select(i => $"n{i / 100}").ToArray();
        var path = Path.Combine(Dir, "sorted.parquet");
        ParquetTableWriter.WriteFile(Table.Create(("id", Column.Of(ids)), ("name", Column.Of(names)), ("x", Column.Of(ids.Select(i => i * 0.5).ToArray()))), path, rowGroupSize: 100);
        var frame = Frame.ReadParquet(path);
        Assert.That(frame.NPartitions, Is.EqualTo(10));

        long Decoded(Func<Table> compute, out Table result)
        {
            long before = ParquetFiles.RowGroupsDecoded(path);
            result = compute();
            return ParquetFiles.RowGroupsDecoded(path) - before;
        }

        Assert.That(Decoded(() => frame.Compute(_s), out var all), Is.EqualTo(10));
        Assert.That(all.RowCount, Is.EqualTo(1000));
        Assert.That(Decoded(() => frame.Filter(Col("id") >= 950).Compute(_s), out var tail), Is.EqualTo(1));
        Assert.That(tail.RowCount, Is.EqualTo(50));
        Assert.That(Decoded(() => frame.Filter((Col("id") < 150) | (Col("name") == "n7")).Select("id").Compute(_s), out var two), Is.EqualTo(3));
        Assert.That(two.RowCount, Is.EqualTo(250));
        Assert.That(Decoded(() => frame.Filter((Col("x") > 100.0) & (Col("id") <= 299)).Compute(_s), out var mid), Is.EqualTo(1));
        Assert.That(mid.RowCount, Is.EqualTo(99));
        // a group-by's filter skips row groups too
        Assert.That(Decoded(() => frame.Filter(Col("id") < 100).GroupBy("name").Agg(Count("id", "n")).Compute(_s), out var g), Is.EqualTo(1));
        Assert.That(g.Rows().Single(), Is.EqualTo(new object?[] { "n0", 100L }));
        // a filter on a computed column says nothing about the file's statistics: every group is read
        Assert.That(Decoded(() => frame.WithColumn("id", Col("id") * 0).Filter(Col("id") == 0).Compute(_s), out var computed), Is.EqualTo(10));
        Assert.That(computed.RowCount, Is.EqualTo(1000));
    }


    [Test]
    public void CommonChunksOfDuckDbFilesAreDecodedDirectlyWithStringCodes()
    {
        var path = Path.Combine(Dir, "direct.parquet");
        using (var c = new DuckDBConnection("Data Source=:memory:"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"COPY (SELECT i AS id, 'V' || lpad((i % 20)::VARCHAR, 2, '0') AS vendor, CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 1000) / 4.0 END::DOUBLE AS fare, i::INTEGER AS n FROM range(30000) r(i)) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 10000)";
            cmd.ExecuteNonQuery();
        }
        var frame = Frame.ReadParquet(path);
        long before = ParquetFiles.DirectChunks(path);
        var t = frame.Compute(_s);
        Assert.That(ParquetFiles.DirectChunks(path) - before, Is.EqualTo(frame.NPartitions * 4), "every chunk decoded directly");
        Assert.That(t.RowCount, Is.EqualTo(30000));
        for (int r = 0; r < t.RowCount; r += 997)
        {
            long i = (long)t[r, "id"]!;
            Assert.That(t.Row(r), Is.EqualTo(new object?[] { i, $"V{i % 20:00}", i % 9 == 0 ? null : (i % 1000) / 4.0, (int)i }));
        }
        var part = frame.ToDelayedPartitions()[1].Compute(_s);
        Assert.That(part["vendor"].Dictionary, Has.Length.EqualTo(20));
        Assert.That(Enumerable.Range(0, part.RowCount).All(r => part["vendor"].Dictionary![part["vendor"].Codes![r]] == (string)part[r, "vendor"]!));
        Assert.That(part["fare"].NullCount, Is.EqualTo(part["id"].Int64s.Take(part.RowCount).Count(i => i % 9 == 0)));
    }
}
