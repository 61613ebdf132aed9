// Writes a sample TaskGraph profile report (task stream, CPU/memory, time per function) to the path given.
// Run: dotnet run examples/ProfileReport/report.cs -- /tmp/profile.html     (.ci/report-screenshot.sh does this)
#:project ../../src/Collections/TaskGraph.Collections.csproj
#:property PublishAot=false
using TaskGraph;
using TaskGraph.Diagnostics;

var path = args.Length > 0 ? args[0] : "profile.html";

// A small pipeline with a few kinds of work: "load" waits (I/O-like), "parse" and "square" burn CPU, then a tree
// of "combine" tasks and a final "total" — enough for the task stream to show rows, colours and dependencies.
static double Burn(int n)
{
    double s = 0;
    for (int i = 1; i < n; i++) s += Math.Sqrt(i) / i;
    return s;
}

var loads = Enumerable.Range(0, 24).Select(i => Delayed.Run(() => { Thread.Sleep(15 + i % 4 * 10); return i; }, "load").Impure()).ToList();
var parsed = loads.Select(l => l.Then(i => Burn(2_000_000 + i * 50_000), "parse")).ToList();
var squares = parsed.Select(p => p.Then(v => Burn(1_000_000) + v * v, "square")).ToList();
var level = squares;
while (level.Count > 1)
    level = level.Chunk(4).Select(g => Delayed.All(g, "combine").Then(v => v.Sum(), "sum")).ToList();

var prof = new Profiler();
var resources = new ResourceProfiler(TimeSpan.FromMilliseconds(25));
double total;
using (prof)
using (resources)
using (new ProgressBar(new ProgressOptions { Mode = ProgressMode.Lines, Interval = TimeSpan.FromMilliseconds(250) }))
    total = level[0].Compute(new ComputeOptions { Scheduler = Scheduler.Threads(4), Fuse = false });

var report = prof.Report(resources);
Console.WriteLine($"total = {total:F3}; {report}");
Console.WriteLine(report.Save(path));
