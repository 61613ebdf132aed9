using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// CPU-bound scaling: 64 tasks of about 20 ms of arithmetic each. On 2 cores the thread pool should be at least
/// 1.8x faster than the synchronous scheduler (compare the two means in one run).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class CpuScalingBenchmarks
{
    private Delayed<double> _graph = null!;

    /// <summary>The scheduler under test.</summary>
    [Params("sync", "threads")]
    public string Scheduler = "";

    /// <summary>About 20 ms of floating-point work that the JIT cannot remove.</summary>
    public static double Work(int seed)
    {
        double acc = seed;
        for (int i = 0; i < 6_000_000; i++) acc = acc * 0.999999 + Math.Sqrt(i + seed);
        return acc;
    }

    /// <summary>Builds 64 independent work tasks and their sum.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var work = Delayed.Wrap<int, double>(Work);
        _graph = Delayed.All(Enumerable.Range(0, 64).Select(i => work(i))).Then(v => v.Sum());
    }

    /// <summary>Runs the 64 tasks.</summary>
    [Benchmark]
    public double SixtyFourTasks() => _graph.Compute(Scheduler == "threads" ? TaskGraph.Scheduler.Threads(2) : TaskGraph.Scheduler.Synchronous);
}
