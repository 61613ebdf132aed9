using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>Tables as Arrow record batches (numeric columns shared, not copied) and frames through Arrow IPC files, on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrowSuite(string schedulerName) : TempFileTests
{
    private IScheduler _s = null!;

    [SetUp]
    public void CreateScheduler() => _s = SchedulerCases.Create(schedulerName);

    private Frame AllTypes(int rows)
    {
        var sb = new StringBuilder("i32,i64,x,b,s,d,t\n");
        for (int i = 0; i < rows; i++)
        {
            string[] f =
            [
                (i - 50).ToString(CultureInfo.InvariantCulture), ((long)i * 3_000_000_000L).ToString(CultureInfo.InvariantCulture),
                (i * 0.25 - 3).ToString("R", CultureInfo.InvariantCulture), i % 3 == 0 ? "true" : "false", i % 13 == 0 ? "\"\"" : $"v{i % 5}é",
                new DateOnly(1960, 1, 1).AddDays(i * 17).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                new DateTime(1969, 12, 31, 23, 0, 0).AddSeconds(i * 3_601L).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ];
            if (i % 7 == 3) f[i / 7 % f.Length] = "";
            sb.Append(string.Join(',', f)).Append('\n');
        }
        var p = Path.Combine(Dir, "all.csv");
        File.WriteAllText(p, sb.ToString());
        return Frame.ReadCsv(p, 2048, new CsvOptions
        {
            ColumnTypes = new Dictionary<string, ColumnType>
            {
                ["i32"] = ColumnType.Int32, ["i64"] = ColumnType.Int64, ["x"] = ColumnType.Double, ["b"] = ColumnType.Bool,
                ["s"] = ColumnType.String, ["d"] = ColumnType.Date, ["t"] = ColumnType.DateTime,
            },
        });
    }

    [Test]
    public void ATableBecomesARecordBatchSharingItsNumericColumnsAndComesBackEqual()
    {
        var table = AllTypes(300).Compute(_s);
        using var batch = table.ToRecordBatch();
        Assert.That(batch.Length, Is.EqualTo(300));
        foreach (var name in new[] { "i32", "i64", "x" })
        {
            var values = MemoryMarshal.AsBytes(name switch
            {
                "i32" => MemoryMarshal.AsBytes(((Int32Array)batch.Column(name)).Values),
                "i64" => MemoryMarshal.AsBytes(((Int64Array)batch.Column(name)).Values),
                _ => MemoryMarshal.AsBytes(((DoubleArray)batch.Column(name)).Values),
            });
            ref byte own = ref MemoryMarshal.GetArrayDataReference(table[name].Data);
            Assert.That(Unsafe.AreSame(ref MemoryMarshal.GetReference(values), ref own), $"{name}: Arrow reads the column's own array");
        }
        Assert.That(batch.Column("s").NullCount, Is.EqualTo(table["s"].NullCount));
        var back = batch.ToTable();
        Assert.That(back.ContentEquals(table), "\n" + back + "\n" + table);
        Assert.That(back["i64"].Data, Is.SameAs(table["i64"].Data), "the way back takes the array, no copy");
        Assert.That(back["x"].Data, Is.SameAs(table["x"].Data));
    }

    [Test]
    public void FramesRoundTripThroughArrowIpcFiles()
    {
        var csv = AllTypes(900);
        var expected = csv.Compute(_s);
        var files = csv.Filter(Col("i32") < 400).ToArrow(Path.Combine(Dir, "out-*.arrow"), _s);
        Assert.That(files, Has.Length.EqualTo(csv.NPartitions));
        var back = Frame.ReadArrow(Path.Combine(Dir, "out-*.arrow"));
        Assert.That(back.Schema, Is.EqualTo(csv.Schema));
        Assert.That(back.NPartitions, Is.EqualTo(files.Length));
        var want = csv.Filter(Col("i32") < 400).Compute(_s);
        Assert.That(want.RowCount, Is.LessThan(expected.RowCount), "some partitions are empty files");
        Assert.That(back.Compute(_s).ContentEquals(want));
        Assert.That(back.Select("s", "t").Filter(Col("s") == "v1é").Compute(_s).ContentEquals(want.Select(["s", "t"]).Take(
            Enumerable.Range(0, want.RowCount).Where(r => (string?)want[r, "s"] == "v1é").ToArray(), want.Rows().Count(r => (string?)r[4] == "v1é"))));
    }

    [Test]
    public void ABadArrowFileFailsNamingIt()
    {
        var p = Path.Combine(Dir, "bad.arrow");
        File.WriteAllText(p, "not arrow at all");
        var ex = Assert.Catch<IOException>(() => Frame.ReadArrow(p))!;
        Assert.That(ex.Message, Does.Contain(p));
    }
}
