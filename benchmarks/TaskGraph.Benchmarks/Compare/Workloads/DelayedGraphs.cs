using System.Diagnostics;

namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>The delayed graphs of dask_bench.py, built through the public API.</summary>
public static class DelayedGraphs
{
    private static int Inc(int x) => x + 1;
    private static long Add(long x, long y) => x + y;
    private static long IncLong(long x) => x + 1;

    /// <summary>n independent <c>inc(i)</c>, then a pairwise tree of <c>add</c> down to one (n + n - 1 tasks).</summary>
    public static (Delayed<long> Root, int Tasks) FanOutTreeSum(int n)
    {
        var inc = Delayed.Wrap<long, long>(IncLong);
        Func<long, long, long> add = Add;
        var xs = new List<Delayed<long>>(n);
        for (int i = 0; i < n; i++) xs.Add(inc(i));
        int tasks = n;
        while (xs.Count > 1)
        {
            var next = new List<Delayed<long>>(xs.Count / 2 + 1);
            for (int i = 0; i + 1 < xs.Count; i += 2) next.Add(Delayed.Combine(xs[i], xs[i + 1], add));
            if (xs.Count % 2 == 1) next.Add(xs[^1]);
            tasks += xs.Count / 2;
            xs = next;
        }
        return (xs[0], tasks);
    }

    /// <summary><c>x = inc(0)</c>, then <c>x = inc(x)</c> n - 1 more times (n tasks).</summary>
    public static (Delayed<int> Root, int Tasks) Chain(int n)
    {
        var inc = Delayed.Wrap<int, int>(Inc);
        var x = inc(0);
        for (int i = 1; i < n; i++) x = inc(x);
        return (x, n);
    }
}

/// <summary>A delayed-graph workload: the graph is built once per size (timed as build_s), the runs time compute only, with fusion off so every task runs.</summary>
public abstract class DelayedWorkload<T> : IWorkload
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The size option (<c>delayed_n</c> or <c>chain_n</c>) and its default.</summary>
    protected abstract (string Key, long Default) SizeOption { get; }

    /// <summary>The checksum field name.</summary>
    protected abstract string CheckName { get; }

    /// <summary>Builds the graph of size n.</summary>
    protected abstract (Delayed<T> Root, int Tasks) Build(int n);

    private (int N, Delayed<T> Root, int Tasks, double BuildS) Built(WorkloadContext ctx, string sched)
    {
        int n = (int)ctx.Size(SizeOption.Key, sched, SizeOption.Default);
        var key = $"{Name}:{n}";
        if (!ctx.Built.TryGetValue(key, out var built))
        {
            GC.Collect();
            var sw = Stopwatch.StartNew();
            var (root, tasks) = Build(n);
            built = (n, root, tasks, sw.Elapsed.TotalSeconds);
            ctx.Built[key] = built;
        }
        return ((int, Delayed<T>, int, double))built;
    }

    /// <inheritdoc />
    public void Prepare(WorkloadContext context, string scheduler) => Built(context, scheduler);

    /// <inheritdoc />
    public WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName)
    {
        var (n, root, tasks, build) = Built(context, schedulerName);
        var value = root.Compute(new ComputeOptions { Scheduler = scheduler, Fuse = false });
        var r = new WorkloadResult { Size = new() { ["n"] = n, ["tasks"] = tasks } };
        r.Checksum[CheckName] = Convert.ToInt64(value);
        r.Phases["build_s"] = Math.Round(build, 4);
        return r;
    }
}

/// <summary><c>delayed_overhead</c>: 100,000 independent inc tasks plus a tree sum.</summary>
public sealed class DelayedOverhead : DelayedWorkload<long>
{
    public override string Name => "delayed_overhead";
    protected override (string, long) SizeOption => ("delayed_n", 100_000);
    protected override string CheckName => "sum";
    protected override (Delayed<long>, int) Build(int n) => DelayedGraphs.FanOutTreeSum(n);
}

/// <summary><c>delayed_chain</c>: 10,000 linked inc tasks.</summary>
public sealed class DelayedChain : DelayedWorkload<int>
{
    public override string Name => "delayed_chain";
    protected override (string, long) SizeOption => ("chain_n", 10_000);
    protected override string CheckName => "value";
    protected override (Delayed<int>, int) Build(int n) => DelayedGraphs.Chain(n);
}
