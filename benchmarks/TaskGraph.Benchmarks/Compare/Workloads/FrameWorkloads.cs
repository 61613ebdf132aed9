using TaskGraph;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>
/// The frame workloads of dask_bench.py (<c>csv_groupby</c>, <c>merge_riders</c>, <c>merge_riders_shuffle</c>,
/// <c>merge_vendors</c>): same files, same queries, same checksums.
/// </summary>
public abstract class FrameWorkload : IWorkload
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<string>? DefaultSchedulers => ["sync", "threads"];

    /// <summary>The trips block size (<c>--blocksize</c>, default 64 MB like dask_bench.py).</summary>
    protected static long BlockSize(WorkloadContext ctx) => WorkloadContext.ParseSize(ctx.Option("blocksize", "64MB"));

    /// <summary>The options of every compute of a frame workload: the scheduler and <c>--memory-limit</c> (none by default).</summary>
    protected static ComputeOptions Options(WorkloadContext ctx, IScheduler scheduler) => new() { Scheduler = scheduler, MemoryLimit = ctx.MemoryLimit };

    /// <summary>Shuffle spill files written in this process so far (the <c>spill_files</c> phase: threads and sync schedulers).</summary>
    protected static long SpillFiles => TaskGraph.Collections.SpillCounters.Files;

    /// <inheritdoc />
    public abstract WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName);

    /// <summary>Σ over groups of w(vendor)·value.</summary>
    protected static long Weighted(Table g, string vendorColumn, Func<int, long> value)
    {
        long s = 0;
        for (int r = 0; r < g.RowCount; r++) s += Checksums.VendorWeight((string)g[r, vendorColumn]!) * value(r);
        return s;
    }

    /// <summary>
    /// The query of both merge_riders workloads: trips ⋈ riders on id, by vendor: rating mean and count. They differ
    /// only in the riders' block size and whether the small side may be broadcast (0: a hash-shuffle join).
    /// </summary>
    protected static WorkloadResult RatingsByVendor(WorkloadContext ctx, IScheduler scheduler, long ridersBlockSize, int broadcastMaxPartitions)
    {
        var trips = Frame.ReadCsv(ctx.DataFile("trips.csv"), BlockSize(ctx));
        var riders = Frame.ReadCsv(ctx.DataFile("riders.csv"), ridersBlockSize);
        var m = trips.Merge(riders, on: ["id"], how: JoinType.Inner, broadcastMaxPartitions: broadcastMaxPartitions);
        long spilled = SpillFiles;
        var g = m.GroupBy("vendor").Agg(Mean("rating"), Count("rating")).Compute(Options(ctx, scheduler));
        var r = RatingChecksum(g, new[] { trips.NPartitions, riders.NPartitions, m.NPartitions });
        if (ctx.MemoryLimit is not null) r.Phases["spill_files"] = SpillFiles - spilled;
        return r;
    }

    /// <summary>The rating checksum of the two merge_riders workloads.</summary>
    protected static WorkloadResult RatingChecksum(Table g, object partitions)
    {
        var r = new WorkloadResult();
        var mean = g["rating_mean"].Doubles;
        var count = g["rating_count"].Int64s;
        r.Checksum["groups"] = g.RowCount;
        r.Checksum["rows"] = count.Take(g.RowCount).Sum();
        r.Checksum["rows_weighted"] = Weighted(g, "vendor", i => count[i]);
        r.Checksum["rating_mean_sum"] = Checksums.Round(mean.Take(g.RowCount).Sum(), 9);
        double w = 0;
        for (int i = 0; i < g.RowCount; i++) w += Checksums.VendorWeight((string)g[i, "vendor"]!) * mean[i];
        r.Checksum["rating_mean_weighted"] = Checksums.Round(w, 9);
        r.Phases["partitions"] = partitions;
        return r;
    }
}

/// <summary><c>csv_groupby</c>: trips with fare &gt; 0, by vendor: fare sum and mean, tip max, id count.</summary>
public sealed class CsvGroupBy : FrameWorkload
{
    /// <inheritdoc />
    public override string Name => "csv_groupby";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
        => Query(Frame.ReadCsv(ctx.DataFile("trips.csv"), BlockSize(ctx)), Options(ctx, scheduler));

    /// <summary>The query and its checksum over trips from any source (parquet_groupby runs it over trips.parquet).</summary>
    internal static WorkloadResult Query(Frame trips, ComputeOptions options)
    {
        var scheduler = options.Scheduler;
        long movedBefore = (scheduler as ProcessPoolScheduler)?.BytesMoved ?? 0;
        var g = trips.Filter(Col("fare") > 0)
            .GroupBy("vendor")
            .Agg(Sum("fare"), Mean("fare"), Max("tip"), Count("id", "n"))
            .Compute(options);
        var r = new WorkloadResult();
        // What crossed the process boundary (tasks, partial aggregates, results): the partitions themselves stay put.
        if (scheduler is ProcessPoolScheduler pool) r.Phases["bytes_moved"] = pool.BytesMoved - movedBefore;
        var fareSum = g["fare_sum"].Doubles;
        var n = g["n"].Int64s;
        var tipMax = g["tip_max"].Doubles;
        r.Checksum["groups"] = g.RowCount;
        r.Checksum["rows"] = n.Take(g.RowCount).Sum();
        r.Checksum["rows_weighted"] = Weighted(g, "vendor", i => n[i]);
        r.Checksum["fare_sum_cents"] = fareSum.Take(g.RowCount).Sum(Checksums.Cents);
        r.Checksum["fare_sum_cents_weighted"] = Weighted(g, "vendor", i => Checksums.Cents(fareSum[i]));
        r.Checksum["fare_mean_sum"] = Checksums.Round(g["fare_mean"].Doubles.Take(g.RowCount).Sum(), 6);
        r.Checksum["tip_max_cents_weighted"] = Weighted(g, "vendor", i => Checksums.Cents(tipMax[i]));
        r.Phases["partitions"] = trips.NPartitions;
        return r;
    }
}

/// <summary><c>merge_riders</c>: trips ⋈ riders on id (riders is one partition: a broadcast join), by vendor: rating mean and count.</summary>
public sealed class MergeRiders : FrameWorkload
{
    /// <inheritdoc />
    public override string Name => "merge_riders";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
        => RatingsByVendor(ctx, scheduler, BlockSize(ctx), broadcastMaxPartitions: 1);
}

/// <summary><c>merge_riders_shuffle</c>: the same query with riders in 8 MB blocks and a forced hash-shuffle join.</summary>
public sealed class MergeRidersShuffle : FrameWorkload
{
    /// <inheritdoc />
    public override string Name => "merge_riders_shuffle";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
        => RatingsByVendor(ctx, scheduler, 8L << 20, broadcastMaxPartitions: 0);
}

/// <summary><c>merge_vendors</c>: trips ⋈ vendors on vendor (20 rows, broadcast), by region: fare sum and count.</summary>
public sealed class MergeVendors : FrameWorkload
{
    /// <inheritdoc />
    public override string Name => "merge_vendors";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
    {
        var trips = Frame.ReadCsv(ctx.DataFile("trips.csv"), BlockSize(ctx));
        var vendors = Frame.ReadCsv(ctx.DataFile("vendors.csv"));
        var m = trips.Merge(vendors, on: ["vendor"]);
        var s = m.GroupBy("region").Agg(Sum("fare"), Count("fare")).Compute(Options(ctx, scheduler));
        var r = new WorkloadResult();
        var region = s["region"].Int64s;
        var sum = s["fare_sum"].Doubles;
        long cents = 0, weighted = 0;
        for (int i = 0; i < s.RowCount; i++) { long c = Checksums.Cents(sum[i]); cents += c; weighted += region[i] * c; }
        r.Checksum["groups"] = s.RowCount;
        r.Checksum["rows"] = s["fare_count"].Int64s.Take(s.RowCount).Sum();
        r.Checksum["fare_sum_cents"] = cents;
        r.Checksum["fare_sum_cents_weighted"] = weighted;
        r.Phases["partitions"] = new[] { trips.NPartitions, vendors.NPartitions, m.NPartitions };
        return r;
    }
}
