using TaskGraph;

namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>
/// <c>parquet_groupby</c>: csv_groupby's query (trips with fare &gt; 0, by vendor: fare sum and mean, tip max, id
/// count) over trips.parquet (DuckDB's <c>--make-parquet</c>: row groups of 1M rows, Snappy), with the same checksum.
/// One partition per row group; only vendor, fare, tip and id are decoded.
/// </summary>
public sealed class ParquetGroupBy : FrameWorkload
{
    /// <inheritdoc />
    public override string Name => "parquet_groupby";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
    {
        var file = ctx.DataFile("trips.parquet");
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file} is missing: write it with `dotnet run duckdb_bench.cs -- --data {ctx.DataDir} --make-parquet`.", file);
        return CsvGroupBy.Query(Frame.ReadParquet(file), Options(ctx, scheduler));
    }
}
