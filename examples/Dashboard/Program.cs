// A demo pipeline with the live dashboard on: `dotnet run --project examples/Dashboard` serves it on
// http://127.0.0.1:8787/ for about a minute while rounds of a small pipeline run (loads that wait like I/O,
// CPU-bound parse and square steps, a tree of sums, and now and then a task that fails on purpose).
// Options: --seconds N (how long; default 60), --address host:port (default 127.0.0.1:8787; port 0 picks a free
// one; `env`: start none here, TASKGRAPH_DASHBOARD does), --token T (needed for a non-loopback address). The
// scheduler is TASKGRAPH_SCHEDULER's (threads by default; `distributed` with TASKGRAPH_BROKER, the cluster secret and
// workers started as `dotnet TaskGraph.Worker.dll --app <this folder>`).
using TaskGraph;
using TaskGraph.Diagnostics;

double seconds = 60;
string address = Dashboard.DefaultAddress;
string? token = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--address": address = args[i + 1]; break;
        case "--token": token = args[i + 1]; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]} (use --seconds, --address, --token)."); return 2;
    }
}

using var dashboard = address == "env" ? null : Dashboard.Start(address, token);
Console.WriteLine(dashboard is null ? $"Dashboard: from {Dashboard.AddressVariable} (its URL goes to standard error)" : $"Dashboard: {dashboard.Url}");
Console.Out.Flush();

var until = DateTime.UtcNow.AddSeconds(seconds);
for (int round = 1; DateTime.UtcNow < until; round++)
{
    var loads = Enumerable.Range(0, 24).Select(i => Delayed.Run(() => { Thread.Sleep(60 + i % 5 * 40); return i; }, "load").Impure()).ToList();
    var parsed = loads.Select(l => l.Then(i => Demo.Burn(1_500_000 + i * 60_000), "parse")).ToList();
    var squares = parsed.Select(p => p.Then(v => Demo.Burn(800_000) + v * v, "square")).ToList();
    // Every third round one task fails on purpose, so the failure log has something to show.
    if (round % 3 == 0) squares[5] = squares[5].Then(v => v > 0 ? throw new InvalidDataException($"record {v:F1} failed validation (on purpose)") : v, "validate");
    var level = squares;
    while (level.Count > 1)
        level = level.Chunk(4).Select(g => Delayed.All(g, "combine").Then(v => v.Sum(), "sum")).ToList();
    try
    {
        var total = level[0].Compute(new ComputeOptions { Fuse = false });
        Console.WriteLine($"round {round}: total = {total:F3}");
    }
    catch (TaskFailedException e)
    {
        Console.WriteLine($"round {round}: failed as planned: {e.Message}");
    }
}
return 0;

static class Demo
{
    public static double Burn(int n)
    {
        double s = 0;
        for (int i = 1; i < n; i++) s += Math.Sqrt(i) / i;
        return s;
    }
}
