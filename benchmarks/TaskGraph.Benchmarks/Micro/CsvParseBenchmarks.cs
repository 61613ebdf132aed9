using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using TaskGraph;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// CSV parsing throughput on one core: 32 MB of trips-shaped lines (the columns of trips.csv), parsed from one
/// file block (in the page cache), all columns and the four columns csv_groupby needs, into one table per block
/// (<see cref="CsvReader.ReadBlock"/>) or window by window into reused column buffers, as a group-by over CSV
/// consumes it (<see cref="CsvReader.ForEachWindow"/>); and the two checks every block pays besides parsing (UTF-8
/// validation, the quote-parity pass of block boundaries). MB/s = 32 / mean seconds.
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
// The runtime's default background GC, as an application gets it: BenchmarkDotNet otherwise runs a blocking GC,
// under which each whole-block read (45 MB of fresh column arrays) pays for a blocking gen-2 collection.
[GcConcurrent(true)]
public class CsvParseBenchmarks
{
    private string _path = null!;
    private CsvLayout _layout = null!;
    private CsvBlock _block = null!;
    private byte[] _bytes = null!;
    private static readonly CsvOptions Options = new();

    /// <summary>Writes the data file once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), "tg-csv-bench.csv");
        var rnd = new Random(42);
        var sb = new StringBuilder("id,vendor,passenger_count,distance,fare,tip,pickup_day,flag\n");
        for (long i = 0; sb.Length < 32 << 20; i++)
        {
            double dist = Math.Round(rnd.NextDouble() * 15, 2);
            sb.Append(i).Append(",V").Append(rnd.Next(20).ToString("00")).Append(',').Append(rnd.Next(1, 6)).Append(',')
              .Append(dist.ToString("F2", CultureInfo.InvariantCulture)).Append(',')
              .Append((2.5 + dist * 2.5).ToString("F2", CultureInfo.InvariantCulture)).Append(',')
              .Append((rnd.NextDouble() * 5).ToString("F2", CultureInfo.InvariantCulture)).Append(",2023-")
              .Append(rnd.Next(1, 13).ToString("00")).Append('-').Append(rnd.Next(1, 29).ToString("00")).Append(',')
              .Append(rnd.Next(2) == 0 ? "false" : "true").Append('\n');
        }
        File.WriteAllText(_path, sb.ToString());
        _layout = CsvReader.Sniff(_path, Options);
        _block = new CsvBlock(_path, 0, new FileInfo(_path).Length, _layout.DataStart);
        _bytes = File.ReadAllBytes(_path);
    }

    /// <summary>UTF-8 validation alone over the same 32 MB (every parsed window is validated first).</summary>
    [Benchmark]
    public bool Utf8Validation() => System.Text.Unicode.Utf8.IsValid(_bytes);

    /// <summary>The quote-parity pass of a block (a csv-boundary task: read and count quotes, no parsing).</summary>
    [Benchmark]
    public bool QuoteParity() => CsvReader.EndsInQuotes(_block);

    /// <summary>Removes the data file.</summary>
    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    /// <summary>Every column (int64, string, int64, double, double, double, date, bool).</summary>
    [Benchmark(Baseline = true)]
    public int AllColumns() => CsvReader.ReadBlock(_block, _layout, null, Options, out _).RowCount;

    /// <summary>The four columns csv_groupby reads (projection pushdown skips the rest).</summary>
    [Benchmark]
    public int FourColumns() => CsvReader.ReadBlock(_block, _layout, ["id", "vendor", "fare", "tip"], Options, out _).RowCount;

    /// <summary>Every column, window by window (the rows are counted, the buffers reused).</summary>
    [Benchmark]
    public int AllColumnsWindowed()
    {
        int rows = 0;
        CsvReader.ForEachWindow(_block, _layout, null, Options, t => rows += t.RowCount, out _);
        return rows;
    }

    /// <summary>The four csv_groupby columns, window by window.</summary>
    [Benchmark]
    public int FourColumnsWindowed()
    {
        int rows = 0;
        CsvReader.ForEachWindow(_block, _layout, ["id", "vendor", "fare", "tip"], Options, t => rows += t.RowCount, out _);
        return rows;
    }
}
