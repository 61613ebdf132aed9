using BenchmarkDotNet.Attributes;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// One group-by chunk task over a Parquet row group of 1M trips-shaped rows (parquet_groupby's query: fare &gt; 0, by
/// vendor: fare sum and mean, tip max, id count), computed page by page (<see cref="ParquetPageAggregation"/>) or from
/// whole decoded columns (<see cref="ParquetScanNode.ChunkWholeColumns"/>), single-threaded.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *ParquetGroupByBenchmarks* --inProcess</c>.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ParquetGroupByBenchmarks
{
    private const int Rows = 1_000_000;
    private static readonly string[] Keys = ["vendor"];
    private static readonly Aggregation[] Aggs = [Sum("fare"), Mean("fare"), Max("tip"), Count("id", "n")];
    private static readonly Expr Predicate = Col("fare") > 0;
    private static readonly string[] Columns = ["id", "vendor", "fare", "tip"];
    private ParquetScanNode _scan = null!;

    /// <summary>Writes the file once (one row group) and plans the frame.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(Path.GetTempPath(), "tg-parquet-groupby-bench.parquet");
        if (!File.Exists(path))
        {
            var rnd = new Random(42);
            var vendors = Enumerable.Range(0, 20).Select(v => $"V{v:00}").ToArray();
            ParquetTableWriter.WriteFile(Table.Create(
                ("id", Column.Of(Enumerable.Range(0, Rows).Select(i => (long)i).ToArray())),
                ("vendor", Column.Of(Enumerable.Range(0, Rows).Select(_ => vendors[rnd.Next(20)]).ToArray())),
                ("fare", Column.Of(Enumerable.Range(0, Rows).Select(_ => Math.Round(rnd.NextDouble() * 80 - 2, 2)).ToArray())),
                ("tip", Column.Of(Enumerable.Range(0, Rows).Select(_ => Math.Round(rnd.NextDouble() * 10, 2)).ToArray()))), path, rowGroupSize: Rows);
        }
        _scan = (ParquetScanNode)Frame.ReadParquet(path).Source;
    }

    /// <summary>Whole decoded columns, then the table's partial aggregate.</summary>
    [Benchmark(Baseline = true)]
    public int WholeColumns() => ParquetScanNode.ChunkWholeColumns(_scan.Parts[0], _scan.Schema, Columns, [], Keys, Aggs, Predicate).Groups;

    /// <summary>Page by page into an accumulator.</summary>
    [Benchmark]
    public int PageByPage() => ParquetPageAggregation.TryChunk(_scan.Parts[0], _scan.Schema, [], Keys, Aggs, Predicate, true)!.Groups;
}
