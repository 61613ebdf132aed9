using TaskGraph;

namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>
/// <c>sort_trips</c>: a global sort of trips.csv by fare descending, then id (a range shuffle: sampled boundaries,
/// every block split by them, each output sorted), with duckdb_bench.cs's checksum: <c>rows</c>, <c>first_id</c>,
/// <c>last_id</c> and <c>rank_id_mod_sum</c> = Σ over rows of (rank × id) mod 1,000,000,007, rank counted from 1
/// in sorted order. Only the sorted ids come back to the client. With <c>--memory-limit</c> the shuffle spills.
/// </summary>
public sealed class SortTrips : FrameWorkload
{
    /// <summary>The modulus of <c>rank_id_mod_sum</c>.</summary>
    public const long Modulus = 1_000_000_007;

    /// <inheritdoc />
    public override string Name => "sort_trips";

    /// <inheritdoc />
    public override WorkloadResult Run(WorkloadContext ctx, IScheduler scheduler, string schedulerName)
    {
        var trips = Frame.ReadCsv(ctx.DataFile("trips.csv"), BlockSize(ctx));
        long spilled = SpillFiles;
        var sorted = trips.SortBy(["fare", "id"], [true, false]).Select("id").Compute(Options(ctx, scheduler));
        var r = Checksum(sorted["id"].Int64s.AsSpan(0, sorted.RowCount));
        r.Phases["partitions"] = trips.NPartitions;
        if (ctx.MemoryLimit is not null) r.Phases["spill_files"] = SpillFiles - spilled;
        return r;
    }

    /// <summary>The checksum of ids in sorted order.</summary>
    public static WorkloadResult Checksum(ReadOnlySpan<long> ids)
    {
        long sum = 0;
        for (int i = 0; i < ids.Length; i++) sum += (long)((UInt128)(ulong)(i + 1) * (ulong)ids[i] % Modulus);
        var r = new WorkloadResult();
        r.Checksum["rows"] = (long)ids.Length;
        r.Checksum["first_id"] = ids.Length > 0 ? ids[0] : 0;
        r.Checksum["last_id"] = ids.Length > 0 ? ids[^1] : 0;
        r.Checksum["rank_id_mod_sum"] = sum;
        return r;
    }
}
