// TaskGraph quickstart: build a lazy graph, run it on local threads, switch schedulers with one option.
using System.Diagnostics;
using TaskGraph;

static int Slow(int x)
{
    // ~20 ms of arithmetic, standing in for real work (parsing, tokenizing, feature extraction).
    double acc = 0;
    for (int i = 0; i < 4_000_000; i++) acc += Math.Sqrt(i + x);
    return (int)(acc % 1000) + x;
}

// 1. Delayed values: nothing runs yet.
var slow = Delayed.Wrap<int, int>(Slow);
var parts = Enumerable.Range(0, 16).Select(i => slow(i)).ToList();
var total = Delayed.All(parts).Then(values => values.Sum(), "sum");
Console.WriteLine($"Built {total}: {ExecutionPlan.Compile([total.Spec]).Count} tasks, nothing computed yet.");

// 2. Compute on the default scheduler (a thread pool with one worker per core).
var sw = Stopwatch.StartNew();
int threaded = total.Compute();
Console.WriteLine($"threads:     {threaded} in {sw.ElapsedMilliseconds} ms on {Environment.ProcessorCount} cores");

// 3. The same graph on the calling thread, for debugging: one option.
sw.Restart();
int synchronous = total.Compute(Scheduler.Synchronous);
Console.WriteLine($"synchronous: {synchronous} in {sw.ElapsedMilliseconds} ms");

// 4. Several outputs in one graph share their common work.
var shared = slow(100);
var (a, b) = Delayed.Compute(shared.Then(x => x * 2), shared.Then(x => x + 1));
Console.WriteLine($"shared work: {a}, {b} (Slow(100) ran once)");

// 5. Failures name the task.
try
{
    Delayed.Value(0).Then(x => 10 / x, "divide").Compute();
}
catch (TaskFailedException e)
{
    Console.WriteLine($"failure:     {e.Message}");
}

// 6. A picture of the graph.
var svg = Path.Combine(Path.GetTempPath(), "taskgraph-quickstart.svg");
Delayed.All(parts.Take(4)).Then(v => v.Sum(), "sum").Visualize(svg);
Console.WriteLine($"graph:       {svg}");
