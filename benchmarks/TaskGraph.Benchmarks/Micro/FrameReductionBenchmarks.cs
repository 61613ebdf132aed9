using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using static TaskGraph.Frames.Agg;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Whole-frame reductions over the same 1M trips-shaped rows in 8 partitions, read from CSV (as the issue measured)
/// or held in memory, on the thread pool: the group-by baseline (sum of fare by vendor), <c>NLargest(10)</c> (per-partition top-k
/// and a tree) against the global sort it replaces (<c>SortBy(desc).Head(10)</c>), a plain sum, quantiles and describe.
/// The targets: NLargest within 1.5× of the group-by, quantiles within 2× of the sum.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *FrameReductionBenchmarks*</c>
/// (add <c>--inProcess</c> on a loaded machine, where building the generated project can time out).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class FrameReductionBenchmarks
{
    private const int Rows = 1_000_000;
    private string _path = null!;
    private Frame _frame = null!;
    private IScheduler _threads = null!;

    /// <summary>Where the rows come from.</summary>
    [Params("csv", "memory")]
    public string Source { get; set; } = "csv";

    /// <summary>Writes the CSV file once (about 30 MB) and builds the frame.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _threads = Scheduler.Threads(2);
        _path = Path.Combine(Path.GetTempPath(), "tg-frame-reduction-bench.csv");
        if (!File.Exists(_path))
        {
            var rnd = new Random(42);
            var sb = new StringBuilder("id,vendor,fare,tip\n");
            for (int i = 0; i < Rows; i++)
                sb.Append(i).Append(",V").Append(rnd.Next(20).ToString("00")).Append(',')
                  .Append((rnd.NextDouble() * 80).ToString("F2", CultureInfo.InvariantCulture)).Append(',')
                  .Append((rnd.NextDouble() * 10).ToString("F2", CultureInfo.InvariantCulture)).Append('\n');
            File.WriteAllText(_path, sb.ToString());
        }
        var csv = Frame.ReadCsv(_path, blockSize: new FileInfo(_path).Length / 8 + 1);
        _frame = Source == "csv" ? csv : Frame.FromTable(csv.Compute(_threads), 8);
    }

    /// <summary>The baseline: fare summed by vendor (20 groups).</summary>
    [Benchmark(Baseline = true)]
    public int GroupBySum() => _frame.GroupBy("vendor").Agg(Agg.Sum("fare")).Compute(_threads).RowCount;

    /// <summary>The 10 largest fares: per-partition top-k, then a tree.</summary>
    [Benchmark]
    public int NLargest10() => _frame.NLargest(10, "fare").Compute(_threads).RowCount;

    /// <summary>What NLargest replaces: a global sort, then the first 10 rows.</summary>
    [Benchmark]
    public int SortHead10() => _frame.SortBy("fare", descending: true).Head(10, _threads).RowCount;

    /// <summary>A whole-frame sum of one column.</summary>
    [Benchmark]
    public int SumFare() => _frame.Agg(Agg.Sum("fare")).Compute(_threads).RowCount;

    /// <summary>Three quantiles of one column: per-partition summaries (a sort of the partition's values) and a tree.</summary>
    [Benchmark]
    public int QuantilesFare() => _frame.Quantile([0.25, 0.5, 0.75], "fare").Compute(_threads).RowCount;

    /// <summary>pandas' describe of two columns (moments and quartiles in one pass).</summary>
    [Benchmark]
    public int DescribeFareTip() => _frame.Describe(null, "fare", "tip").Compute(_threads).RowCount;
}
