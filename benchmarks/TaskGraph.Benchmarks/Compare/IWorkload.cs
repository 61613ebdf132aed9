namespace TaskGraph.Benchmarks.Compare;

/// <summary>
/// One workload of the comparison runner, defined exactly as in <c>../shared/bench/dask_bench.py</c> (same name,
/// same data, same checksum), so TaskGraph's JSON lines can be put next to Dask's. Implementations are found by
/// reflection: adding a workload is adding a file under <c>Compare/Workloads</c>.
/// </summary>
public interface IWorkload
{
    /// <summary>The workload name used by dask_bench.py (<c>delayed_overhead</c>, <c>csv_groupby</c>, …).</summary>
    string Name { get; }

    /// <summary>Schedulers it runs on by default; null for every scheduler the project has.</summary>
    IReadOnlyList<string>? DefaultSchedulers => null;

    /// <summary>Work done once before the timed runs (e.g. building a delayed graph, timed as <c>build_s</c>).</summary>
    void Prepare(WorkloadContext context, string scheduler) { }

    /// <summary>One timed run on <paramref name="scheduler"/>.</summary>
    WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName);
}

/// <summary>What one run reports: the checksum dask_bench.py defines, phases and size.</summary>
public sealed class WorkloadResult
{
    /// <summary>Checksum fields, exactly as dask_bench.py names and computes them.</summary>
    public SortedDictionary<string, object> Checksum { get; } = new(StringComparer.Ordinal);

    /// <summary>Workload-specific phases (<c>build_s</c>, <c>partitions</c>, <c>bytes_moved</c>, …).</summary>
    public Dictionary<string, object> Phases { get; } = new();

    /// <summary>Size parameters (<c>n</c>, <c>tasks</c>, <c>chunk</c>), when the size is a parameter.</summary>
    public Dictionary<string, object>? Size { get; set; }
}
