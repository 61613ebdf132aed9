using System.Diagnostics;
using System.Xml.Linq;
using static TaskGraph.Tests.Diagnostics.ReportXml;

namespace TaskGraph.Tests.Diagnostics;

/// <summary>The profiler and its report on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ProfilerTests(string schedulerName)
{
    private IScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _scheduler = SchedulerCases.Create(schedulerName);

    private ComputeOptions On => new() { Scheduler = _scheduler, Fuse = false };

    private static int Square(int x) => x * x;

    private static int Total(int[] xs) => xs.Sum();

    /// <summary>
    /// <code>
    ///            total
    ///      /    /    \    \
    ///   square ...  square     (n)
    ///     |          |
    ///   load  ...  load        (n)
    /// </code>
    /// 2n + 2 tasks: n loads, n squares, the collector and the total.
    /// </summary>
    private static Delayed<int> Graph(int n)
        => Delayed.All(Enumerable.Range(0, n).Select(i => Delayed.Run(() => i, "load").Impure().Then(Square, "square")), "gather").Then(Total, "total");

    [Test]
    public void RecordsEveryTaskWithKeyFunctionWorkerAndTimes()
    {
        using var prof = new Profiler();
        Assert.That(Graph(10).Compute(On), Is.EqualTo(Enumerable.Range(0, 10).Sum(i => i * i)));
        var tasks = prof.Tasks;
        Assert.That(tasks, Has.Count.EqualTo(22));
        Assert.That(tasks.Select(t => t.Key).Distinct().Count(), Is.EqualTo(22));
        Assert.That(tasks.GroupBy(t => t.Function).ToDictionary(g => g.Key, g => g.Count()),
            Is.EquivalentTo(new Dictionary<string, int> { ["load"] = 10, ["square"] = 10, ["gather"] = 1, ["total"] = 1 }));
        Assert.That(tasks.All(t => t.End >= t.Start && !t.Failed && t.Worker.Length > 0), Is.True);
        var total = tasks.Single(t => t.Function == "total");
        Assert.That(tasks.Where(t => t != total).All(t => t.End <= total.Start), Is.True, "the total starts after everything it depends on");
    }

    [Test]
    public void ReportDrawsOneRowPerWorkerAndOneBarPerTask()
    {
        using var prof = new Profiler();
        Graph(8).Compute(On);
        var report = prof.Report();
        var html = Parse(report.ToHtml());
        var stream = html.WithClass("svg", "task-stream").Single();
        var bars = stream.WithClass("rect", "task").ToList();
        Assert.That(bars, Has.Count.EqualTo(18));
        var workers = prof.Tasks.Select(t => t.Worker).Distinct().ToList();
        Assert.That(stream.WithClass("g", "worker-row").Select(g => (string)g.Attribute("data-worker")!), Is.EquivalentTo(workers));
        // One colour per function, the same in the bars and the table.
        var colourOf = bars.GroupBy(b => (string)b.Attribute("data-function")!).ToDictionary(g => g.Key, g => g.Select(b => (string)b.Attribute("fill")!).Distinct().Single());
        Assert.That(colourOf.Values.Distinct().Count(), Is.EqualTo(4));
        // Bars of one worker share a row (the same y), different workers different rows.
        var rowY = bars.GroupBy(b => (string)b.Attribute("data-worker")!).ToDictionary(g => g.Key, g => g.Select(b => (string)b.Attribute("y")!).Distinct().Single());
        Assert.That(rowY.Values.Distinct().Count(), Is.EqualTo(workers.Count));
        Assert.That(bars.All(b => b.Element(Svg + "title")!.Value.Contains(" · ")), Is.True, "each bar explains itself on hover");

        var rows = html.WithClass("table", "functions").Single().Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(rows.Select(r => (string)r.Attribute("data-function")!), Is.EquivalentTo(new[] { "load", "square", "gather", "total" }));
        Assert.That(rows[0].Elements("td").Count(), Is.EqualTo(6));
        Assert.That(rows.Single(r => (string)r.Attribute("data-function")! == "square").Elements("td").ElementAt(1).Value, Is.EqualTo("8"));
        Assert.That(report.Functions.Sum(f => f.Share), Is.EqualTo(1).Within(1e-9));
    }

    [Test]
    public void FailedTasksAreRecordedAndMarked()
    {
        using var prof = new Profiler();
        var boom = Delayed.Run<int>(() => throw new InvalidOperationException("boom"), "explode");
        Assert.That(() => boom.Compute(On), Throws.TypeOf<TaskFailedException>());
        var failed = prof.Tasks.Single(t => t.Function == "explode");
        Assert.That(failed.Failed, Is.True);
        var html = Parse(prof.Report().ToHtml());
        Assert.That(html.WithClass("rect", "task").Single().Attribute("stroke")!.Value, Is.EqualTo("#c81e1e"));
        Assert.That(html.WithClass("p", "summary").Single().Value, Does.Contain("1 failed"));
    }

    [Test]
    public void ResourceProfilerSamplesThisProcessDuringTheCompute()
    {
        using var prof = new Profiler();
        using var resources = new ResourceProfiler(TimeSpan.FromMilliseconds(20));
        Graph(20).Compute(On);
        var samples = resources.Samples;
        Assert.That(samples.Count(s => s.Process == "main"), Is.GreaterThanOrEqualTo(2), "a sample at the start and at the end");
        Assert.That(samples.All(s => s.ProcessId == Environment.ProcessId && s.MemoryMB > 1 && s.CpuPercent >= 0), Is.True);
        var html = Parse(prof.Report(resources).ToHtml());
        var plot = html.WithClass("svg", "resources").Single();
        foreach (var kind in new[] { "cpu", "memory" })
        {
            var line = plot.WithClass("polyline", kind).Single();
            Assert.That((string)line.Attribute("data-process")!, Is.EqualTo("main"));
            Assert.That(((string)line.Attribute("points")!).Split(' '), Has.Length.EqualTo(samples.Count));
        }
    }
}

/// <summary>Resource sampling of worker processes through <see cref="IWorkerProcessSource"/> (the process-pool extension point).</summary>
public class WorkerProcessSamplingTests
{
    [Test]
    public void WorkersListedByTheSourceAreSampled()
    {
        using var child = StartIdleProcess();
        try
        {
            var source = new FixedWorkers([new WorkerProcess("worker-0", child.Id)]);
            using var resources = new ResourceProfiler(TimeSpan.FromMilliseconds(20), workers: source);
            Delayed.Run(() => 1).Compute(Scheduler.Synchronous);
            var worker = resources.Samples.Where(s => s.Process == "worker-0").ToList();
            Assert.That(worker, Has.Count.GreaterThanOrEqualTo(2));
            Assert.That(worker.All(s => s.ProcessId == child.Id && s.MemoryMB > 0), Is.True);
            var plot = Parse(new ProfileReport([], resources.Samples).ToHtml()).WithClass("svg", "resources").Single();
            Assert.That(plot.WithClass("polyline", "memory").Select(p => (string)p.Attribute("data-process")!), Is.EquivalentTo(new[] { "main", "worker-0" }));
        }
        finally
        {
            child.Kill();
            child.WaitForExit(5000);
        }
    }

    [Test]
    public void ASchedulerThatListsWorkersIsSampledWhenItIsTheCurrentOne()
    {
        using var child = StartIdleProcess();
        try
        {
            using var scheduler = new SchedulerWithWorkers(Scheduler.Synchronous, [new WorkerProcess("proc-1", child.Id)]);
            using var resources = new ResourceProfiler(TimeSpan.FromMilliseconds(20));
            using (Scheduler.Use(scheduler)) Delayed.Run(() => 2).Compute();
            Assert.That(resources.Samples.Where(s => s.Process == "proc-1").Select(s => s.ProcessId).Distinct(), Is.EqualTo(new[] { child.Id }));
        }
        finally
        {
            child.Kill();
            child.WaitForExit(5000);
        }
    }

    [Test]
    public void AnExitedWorkerIsSkipped()
    {
        var child = StartIdleProcess();
        child.Kill();
        child.WaitForExit(5000);
        using var resources = new ResourceProfiler(workers: new FixedWorkers([new WorkerProcess("gone", child.Id)]), register: false);
        resources.Sample();
        Assert.That(resources.Samples.Select(s => s.Process), Is.EqualTo(new[] { "main" }));
    }

    private static Process StartIdleProcess()
        => Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false }) ?? throw new InvalidOperationException("could not start sleep");

    private sealed class FixedWorkers(IReadOnlyList<WorkerProcess> workers) : IWorkerProcessSource
    {
        public IReadOnlyList<WorkerProcess> WorkerProcesses => workers;
    }

    /// <summary>Stands in for a process pool: runs tasks on <paramref name="inner"/> and lists <paramref name="workers"/>.</summary>
    private sealed class SchedulerWithWorkers(IScheduler inner, IReadOnlyList<WorkerProcess> workers) : IScheduler, IWorkerProcessSource
    {
        public string Name => "fake-pool";
        public IReadOnlyList<WorkerProcess> WorkerProcesses => workers;
        public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context) => inner.ExecuteAsync(plan, context);
        public void Dispose() { }
    }
}

/// <summary>The pieces of the report: natural worker order, round time ticks.</summary>
public class ReportPartsTests
{
    [Test]
    public void WorkersSortNaturally()
        => Assert.That(new[] { "thread-10", "thread-2", "thread-1", "proc" }.Order(NaturalOrder.Instance), Is.EqualTo(new[] { "proc", "thread-1", "thread-2", "thread-10" }));

    [Test]
    public void TicksAreRoundAndCoverTheAxis()
    {
        var axis = new TimeAxis(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.7));
        var ticks = axis.Ticks().Select(t => t.TotalMilliseconds).ToList();
        Assert.That(ticks, Is.EqualTo(new[] { 0.0, 100, 200, 300, 400, 500, 600, 700 }).Within(1e-6));
        Assert.That(axis.X(axis.Start), Is.EqualTo(TimeAxis.Left));
        Assert.That(axis.X(axis.End), Is.EqualTo(TimeAxis.Left + TimeAxis.PlotWidth).Within(1e-9));
    }

    [Test]
    public void AnEmptyReportSaysSo()
    {
        var html = Parse(new ProfileReport([]).ToHtml());
        Assert.That(html.WithClass("p", "empty").Single().Value, Is.EqualTo("No tasks were recorded."));
        Assert.That(html.WithClass("table", "functions").Single().Descendants("tbody").Single().Elements("tr"), Is.Empty);
    }
}
