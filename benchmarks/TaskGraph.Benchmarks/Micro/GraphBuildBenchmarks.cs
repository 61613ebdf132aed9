using BenchmarkDotNet.Attributes;
using TaskGraph.Benchmarks.Compare.Workloads;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Building graphs through the public API: a fan-out of n tasks plus a tree sum (2n - 1 tasks). Building must be
/// linear in the task count (no graph copying): 10k, 100k and 1M should scale by 10x steps.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class GraphBuildBenchmarks
{
    /// <summary>Tasks in the graph (n inc tasks plus n - 1 add tasks, about 2n).</summary>
    [Params(10_000, 100_000, 1_000_000)]
    public int Tasks;

    /// <summary>Builds the fan-out plus tree-sum graph.</summary>
    [Benchmark]
    public object FanOutTreeSum() => DelayedGraphs.FanOutTreeSum(Tasks / 2).Root;

    /// <summary>Builds and compiles the plan (cull, order) without running it.</summary>
    [Benchmark]
    public int BuildAndPlan() => ExecutionPlan.Compile([DelayedGraphs.FanOutTreeSum(Tasks / 2).Root.Spec], fuse: false).Count;
}
