using System.Text.Json;
using TaskGraph.Diagnostics;
using TaskGraph.Processes;

namespace TaskGraph.Tests.Diagnostics;

/// <summary>
/// What the process pool tells diagnostics beyond starts and ends: when each task really ran in its worker (tasks
/// travel in batches) and how many bytes of large results each worker keeps.
/// </summary>
public class DashboardPoolTests
{
    private static int Work(int i)
    {
        Thread.Sleep(15);
        return i;
    }

    /// <summary>Waits (in the worker process) until <paramref name="gate"/> exists, then returns <paramref name="n"/>.</summary>
    private static int Hold(string gate, int n)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(gate) && DateTime.UtcNow < until) Thread.Sleep(5);
        return n;
    }

    [Test]
    public async Task APoolWorkersTasksFollowOneAnotherInTheStreamAndTheProfiler()
    {
        using var pool = new ProcessPoolScheduler(2);
        using var dashboard = Dashboard.Start("127.0.0.1:0", interval: TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { BaseAddress = dashboard.Address };
        var profiler = new Profiler(register: false);

        // Many short tasks: the pool sends them to each worker in batches, which run one after another there.
        var works = Enumerable.Range(0, 40).Select(i => Delayed.Run(() => Work(i), "work").Impure()).ToList();
        var total = Delayed.All(works, "gather").Then(xs => xs.Sum(), "total");
        var sum = await total.ComputeAsync(new ComputeOptions { Scheduler = pool, Fuse = false, Listeners = [profiler] });
        Assert.That(sum, Is.EqualTo(Enumerable.Range(0, 40).Sum()));

        var tasks = profiler.Tasks.Where(t => t.Function == "work").ToList();
        Assert.That(tasks, Has.Count.EqualTo(40));
        AssertRowsDoNotOverlap(tasks.Select(t => (t.Worker, t.Start.TotalSeconds, t.End.TotalSeconds)), "profiler");

        var state = await DashboardStateTests.Until(http, s => s.GetProperty("stream").EnumerateArray().Count(t => t.GetProperty("group").GetString() == "work") == 40);
        var stream = state.GetProperty("stream").EnumerateArray().Where(t => t.GetProperty("group").GetString() == "work")
            .Select(t => (t.GetProperty("worker").GetString()!, t.GetProperty("start").GetDouble(), t.GetProperty("end").GetDouble()));
        AssertRowsDoNotOverlap(stream, "dashboard stream");
    }

    private static void AssertRowsDoNotOverlap(IEnumerable<(string Worker, double Start, double End)> tasks, string where)
    {
        var rows = tasks.GroupBy(t => t.Worker).ToList();
        Assert.That(rows.Select(r => r.Key), Has.All.StartsWith("process-"), where);
        Assert.That(rows.Max(r => r.Count()), Is.GreaterThan(1), $"{where}: a worker ran several tasks");
        foreach (var row in rows)
        {
            var ordered = row.OrderBy(t => t.Start).ToList();
            for (int i = 0; i < ordered.Count; i++)
            {
                Assert.That(ordered[i].End, Is.GreaterThanOrEqualTo(ordered[i].Start), $"{where}: {row.Key}'s task {i}");
                if (i > 0)
                    Assert.That(ordered[i].Start, Is.GreaterThanOrEqualTo(ordered[i - 1].End),
                        $"{where}: on {row.Key}, a task starts before the previous one ended:\n{string.Join("\n", ordered)}");
            }
        }
    }

    [Test]
    public async Task TheWorkersTableShowsTheBytesOfLargeResultsAWorkerHolds()
    {
        using var pool = new ProcessPoolScheduler(2);
        var gate = Path.Combine(Path.GetTempPath(), "taskgraph-dashboard-held-" + Guid.NewGuid().ToString("N"));
        using var dashboard = Dashboard.Start("127.0.0.1:0", interval: TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { BaseAddress = dashboard.Address };

        // A 1 MB result (over the 64 KB that travel back) stays in its worker while two tasks still need it.
        var big = Delayed.Run(() => new byte[1 << 20], "big").Impure();
        var held = big.Then(b => Hold(gate, b.Length), "hold");
        var length = big.Then(b => b.Length, "length");
        var total = Delayed.All([held, length], "gather").Then(xs => xs.Sum(), "total");
        var compute = total.ComputeAsync(new ComputeOptions { Scheduler = pool, Fuse = false });
        try
        {
            var during = await DashboardStateTests.Until(http, s => Held(s).Any(h => h.Bytes >= 1 << 20));
            var holder = Held(during).First(h => h.Bytes >= 1 << 20);
            Assert.That(holder.Name, Does.StartWith("process-"), "state: " + during);
            var row = during.GetProperty("workers").EnumerateArray().Where(w => w.GetProperty("process").ValueKind == JsonValueKind.String)
                .Select(w => w.GetProperty("process").GetString()).ToList();
            Assert.That(row, Does.Contain(holder.Name), "the holder has a row in the workers table: " + during);
        }
        finally
        {
            File.WriteAllText(gate, "");
        }
        Assert.That(await compute, Is.EqualTo(2 << 20));
        File.Delete(gate);

        // Released once nothing needs it (and dropped when the computation ends): every worker shows 0 bytes.
        var after = await DashboardStateTests.Until(http, s => Held(s).Count == 2 && Held(s).All(h => h.Bytes == 0));
        Assert.That(Held(after).Select(h => h.Name), Is.EquivalentTo(new[] { "process-0", "process-1" }));
        Assert.That(after.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "main").GetProperty("held").ValueKind,
            Is.EqualTo(JsonValueKind.Null), "this process holds no results for a pool");
    }

    /// <summary>The pool workers' held bytes from a dashboard state.</summary>
    private static List<(string Name, long Bytes)> Held(JsonElement state)
        => [.. state.GetProperty("processes").EnumerateArray()
            .Where(p => p.GetProperty("held").ValueKind == JsonValueKind.Number)
            .Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("held").GetInt64()))];
}
