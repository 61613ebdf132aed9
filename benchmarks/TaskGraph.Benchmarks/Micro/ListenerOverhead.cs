using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// What watching a computation costs per task: 10,000 trivial tasks (unfused) on the synchronous scheduler,
/// alone, with a progress bar (plain lines to a null writer) and with a profiler recording every task.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class ListenerOverhead
{
    private const int Tasks = 10_000;
    private Delayed<int[]> _graph = null!;

    [GlobalSetup]
    public void Build() => _graph = Delayed.All(Enumerable.Range(0, Tasks).Select(i => Delayed.Value(i).Then(x => x + 1)));

    private int Run(params IComputeListener[] listeners)
        => _graph.Compute(new ComputeOptions { Scheduler = Scheduler.Synchronous, Fuse = false, Listeners = listeners }).Length;

    [Benchmark(Baseline = true)]
    public int NoListener() => Run();

    [Benchmark]
    public int WithProgressBar() => Run(ProgressBar.Listener(new ProgressOptions { Mode = ProgressMode.Lines, Output = TextWriter.Null }));

    [Benchmark]
    public int WithProfiler() => Run(new Profiler(register: false));
}
