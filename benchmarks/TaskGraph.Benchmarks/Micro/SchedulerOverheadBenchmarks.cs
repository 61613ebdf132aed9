using BenchmarkDotNet.Attributes;
using TaskGraph.Benchmarks.Compare.Workloads;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Scheduler overhead per trivial task (fusion off, every task runs): the delayed_overhead graph (100,000 inc
/// tasks plus a tree sum, 199,999 tasks) and the delayed_chain graph (10,000 linked tasks). Divide the mean by the
/// task count for microseconds per task.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class SchedulerOverheadBenchmarks
{
    private Delayed<long> _fanOut = null!;
    private Delayed<int> _chain = null!;
    private IScheduler _scheduler = null!;

    /// <summary>The scheduler under test.</summary>
    [Params("sync", "threads")]
    public string Scheduler = "";

    /// <summary>Builds the graphs once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _fanOut = DelayedGraphs.FanOutTreeSum(100_000).Root;
        _chain = DelayedGraphs.Chain(10_000).Root;
        _scheduler = Scheduler == "threads" ? TaskGraph.Scheduler.Threads(2) : TaskGraph.Scheduler.Synchronous;
    }

    /// <summary>199,999 tasks: fan-out plus tree sum.</summary>
    [Benchmark]
    public long DelayedOverhead() => _fanOut.Compute(new ComputeOptions { Scheduler = _scheduler, Fuse = false });

    /// <summary>10,000 linked tasks.</summary>
    [Benchmark]
    public int DelayedChain() => _chain.Compute(new ComputeOptions { Scheduler = _scheduler, Fuse = false });
}
