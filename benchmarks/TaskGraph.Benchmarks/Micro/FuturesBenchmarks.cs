using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// The cost of futures over a plain computation: 10,000 trivial items as one <c>Map</c> whose futures are taken in
/// completion order (<c>AsCompleted</c>), against the same tasks as one <c>Delayed.All</c>; and 1,000 separate
/// <c>Submit</c>s (one computation each). Divide the mean by the item count for the cost per future.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
[GcServer(false)]
public class FuturesBenchmarks
{
    private IScheduler _scheduler = null!;
    private TaskGraphClient _client = null!;
    private int[] _items = [];

    /// <summary>The scheduler under test.</summary>
    [Params("sync", "threads")]
    public string Scheduler = "";

    private static int Inc(int x) => x + 1;

    /// <summary>Creates the scheduler and client.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _scheduler = Scheduler == "threads" ? TaskGraph.Scheduler.Threads(2) : TaskGraph.Scheduler.Synchronous;
        _client = TaskGraphClient.Connect(_scheduler);
        _items = Enumerable.Range(0, 10_000).ToArray();
    }

    /// <summary>Disposes the client.</summary>
    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();

    /// <summary>10,000 items: one graph, futures taken as they finish.</summary>
    [Benchmark]
    public async Task<long> MapAsCompleted()
    {
        long sum = 0;
        await foreach (var f in _client.AsCompleted(_client.Map(Inc, _items))) sum += f.Result;
        return sum;
    }

    /// <summary>The same 10,000 tasks as one delayed computation (no futures).</summary>
    [Benchmark(Baseline = true)]
    public long DelayedAll() => Delayed.All(_items.Select(i => Delayed.Call<int>((Func<int, int>)Inc, TaskInvokers.Call1<int, int>, null, TaskArg.Value(i))))
        .Compute(_scheduler).Sum(x => (long)x);

    /// <summary>1,000 separate submits, then gathered.</summary>
    [Benchmark]
    public async Task<long> SubmitThousand()
    {
        var futures = new Future<int>[1000];
        for (int i = 0; i < futures.Length; i++) futures[i] = _client.Submit(Inc, i);
        return (await _client.Gather(futures)).Sum(x => (long)x);
    }
}
