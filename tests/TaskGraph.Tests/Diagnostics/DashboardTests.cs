using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskGraph.Diagnostics;

namespace TaskGraph.Tests.Diagnostics;

/// <summary>
/// The live dashboard read from outside, as a browser would: its state endpoint and event stream over HTTP while a
/// computation runs on each scheduler that runs tasks elsewhere (threads, a process pool, a cluster).
/// </summary>
[TestFixtureSource(nameof(Schedulers))]
public class DashboardStateTests(string schedulerName)
{
    public static IEnumerable<string> Schedulers() => ["threads", "processes", "distributed"];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Waits (in another process too) until <paramref name="gate"/> exists, then returns <paramref name="i"/>.</summary>
    private static int Hold(string gate, int i)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(gate) && DateTime.UtcNow < until) Thread.Sleep(5);
        return i;
    }

    [Test]
    public async Task TheStateEndpointFollowsTasksFromWaitingToDoneAndListsTheWorkers()
    {
        var scheduler = SchedulerCases.Create(schedulerName);
        var gate = Path.Combine(Path.GetTempPath(), "taskgraph-dashboard-gate-" + Guid.NewGuid().ToString("N"));
        using var dashboard = Dashboard.Start("127.0.0.1:0", interval: TimeSpan.FromMilliseconds(50));
        Assert.That(dashboard.Address.Port, Is.Not.Zero, "the bound port is read back");
        using var http = new HttpClient { BaseAddress = dashboard.Address };

        var holds = Enumerable.Range(1, 6).Select(i => Delayed.Run(() => Hold(gate, i), "hold").Impure()).ToList();
        var total = Delayed.All(holds, "gather").Then(xs => xs.Sum(), "total");
        var compute = total.ComputeAsync(new ComputeOptions { Scheduler = scheduler, Fuse = false });
        try
        {
            // While the holds wait for the gate: some run, the rest of the graph waits, nothing is done.
            var during = await Until(http, s => Group(s, "hold") is { } g && g.GetProperty("running").GetInt32() > 0
                                                 && s.GetProperty("states").GetProperty("waiting").GetInt32() >= 2);
            var states = during.GetProperty("states");
            Assert.That(states.GetProperty("done").GetInt32(), Is.Zero, During(during));
            Assert.That(Group(during, "hold")!.Value.GetProperty("total").GetInt32(), Is.EqualTo(6));
            Assert.That(Group(during, "total")!.Value.GetProperty("waiting").GetInt32(), Is.EqualTo(1));
            var running = during.GetProperty("computations")[0];
            Assert.That(running.GetProperty("ended").ValueKind, Is.EqualTo(JsonValueKind.Null));
            int id = running.GetProperty("id").GetInt32();
            if (schedulerName != "distributed") // a cluster's workers are known once they send results
                Assert.That(during.GetProperty("workers").EnumerateArray().Sum(w => w.GetProperty("running").GetInt32()), Is.GreaterThan(0), During(during));
        }
        finally
        {
            File.WriteAllText(gate, "");
        }
        Assert.That(await compute, Is.EqualTo(21));
        File.Delete(gate);

        var after = await Until(http, s => s.GetProperty("computations").EnumerateArray().Any(c => c.GetProperty("ended").ValueKind != JsonValueKind.Null
                                                                                                  && Group(s, "total") is { } t && t.GetProperty("done").GetInt32() == 1));
        var ours = after.GetProperty("computations")[0];
        Assert.That(ours.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(ours.GetProperty("done").GetInt32(), Is.EqualTo(ours.GetProperty("tasks").GetInt32()));
        Assert.That(Group(after, "hold")!.Value.GetProperty("done").GetInt32(), Is.EqualTo(6));
        var workers = after.GetProperty("workers").EnumerateArray().ToList();
        Assert.That(workers.Sum(w => w.GetProperty("done").GetInt32()), Is.GreaterThanOrEqualTo(8), During(after));
        var stream = after.GetProperty("stream").EnumerateArray().ToList();
        Assert.That(stream.Count(t => t.GetProperty("group").GetString() == "hold"), Is.EqualTo(6));
        Assert.That(stream.All(t => t.GetProperty("end").GetDouble() >= t.GetProperty("start").GetDouble()));
        var processes = after.GetProperty("processes").EnumerateArray().ToList();
        Assert.That(processes.Select(p => p.GetProperty("name").GetString()), Does.Contain("main"));
        Assert.That(processes.All(p => p.GetProperty("memory").GetInt64() > 0));
        switch (schedulerName)
        {
            case "threads":
                Assert.That(workers.Select(w => w.GetProperty("name").GetString()), Has.All.StartsWith("taskgraph-thread-"));
                Assert.That(workers.Select(w => w.GetProperty("process").GetString()), Has.All.EqualTo("main"));
                break;
            case "processes":
                // Every pool worker that ran a task is listed with its own process, sampled for CPU and memory.
                var pool = ((IWorkerProcessSource)scheduler).WorkerProcesses.ToDictionary(p => p.Name, p => p.ProcessId);
                var ran = workers.Where(w => w.GetProperty("done").GetInt32() > 0 && w.GetProperty("name").GetString() != "parent").ToList();
                Assert.That(ran, Is.Not.Empty, During(after));
                foreach (var w in ran)
                {
                    var name = w.GetProperty("name").GetString()!;
                    Assert.That(pool, Does.ContainKey(name), During(after));
                    Assert.That(w.GetProperty("process").GetString(), Is.EqualTo(name));
                    Assert.That(processes.Any(p => p.GetProperty("pid").GetInt32() == pool[name]), During(after));
                }
                break;
            case "distributed":
                Assert.That(workers.Select(w => w.GetProperty("name").GetString()), Has.None.EqualTo("cluster"), "rows are the workers that ran the tasks, not the dispatcher");
                // A cluster worker (named machine:pid) is on another machine as far as the client knows: its CPU and
                // memory are what it reported with its results.
                var remote = workers.Where(w => w.GetProperty("done").GetInt32() > 0).ToList();
                Assert.That(remote, Is.Not.Empty, During(after));
                foreach (var w in remote)
                {
                    var name = w.GetProperty("name").GetString()!;
                    Assert.That(w.GetProperty("process").GetString(), Is.EqualTo(name), During(after));
                    var row = processes.Single(p => p.GetProperty("name").GetString() == name);
                    Assert.That(row.GetProperty("pid").GetInt32(), Is.EqualTo(int.Parse(name[(name.LastIndexOf(':') + 1)..])), During(after));
                    Assert.That(row.GetProperty("pid").GetInt32(), Is.Not.EqualTo(Environment.ProcessId));
                    Assert.That(row.GetProperty("memory").GetInt64(), Is.GreaterThan(10_000_000), "a .NET worker's resident memory");
                }
                break;
        }
    }

    /// <summary>Spins the CPU for <paramref name="ms"/> milliseconds (in whichever process runs it).</summary>
    private static int Spin(int i, int ms)
    {
        var until = DateTime.UtcNow.AddMilliseconds(ms);
        double x = i;
        while (DateTime.UtcNow < until) x = Math.Sqrt(x + 1);
        return i + (x < 0 ? 1 : 0);
    }

    [Test]
    public async Task BusyWorkersShowTheirCpuWhileTheyRun()
    {
        if (schedulerName == "threads") return; // the main process is sampled by the same code for every scheduler
        var scheduler = SchedulerCases.Create(schedulerName);
        using var dashboard = Dashboard.Start("127.0.0.1:0", interval: TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { BaseAddress = dashboard.Address };
        var spins = Enumerable.Range(0, 200).Select(i => Delayed.Run(() => Spin(i, 100), "spin").Impure()).ToList();
        var total = Delayed.All(spins, "gather").Then(xs => xs.Sum(), "total");
        using var cancel = new CancellationTokenSource();
        var compute = total.ComputeAsync(new ComputeOptions { Scheduler = scheduler, Fuse = false, CancellationToken = cancel.Token });
        try
        {
            // Some worker process other than this one is seen using the CPU while the spins run.
            var busy = await Until(http, s => s.GetProperty("processes").EnumerateArray().Any(p => p.GetProperty("pid").GetInt32() != Environment.ProcessId
                                                                                                  && p.GetProperty("cpu").GetDouble() > 10));
            Assert.That(busy.GetProperty("computations")[0].GetProperty("ended").ValueKind, Is.EqualTo(JsonValueKind.Null), "seen during the compute");
        }
        finally
        {
            cancel.Cancel();
        }
        try { await compute; } catch (OperationCanceledException) { /* cancelled once seen: the rest is not needed */ }
    }

    [Test]
    public async Task TheEventStreamPushesFreshStates()
    {
        using var dashboard = Dashboard.Start("127.0.0.1:0", interval: TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { BaseAddress = dashboard.Address };
        using var cancel = new CancellationTokenSource(Patience);
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var times = new List<double>();
        while (times.Count < 3)
        {
            var line = await reader.ReadLineAsync(cancel.Token);
            Assert.That(line, Is.Not.Null, "the stream stays open");
            if (!line!.StartsWith("data: ")) continue;
            using var doc = JsonDocument.Parse(line[6..]);
            times.Add(doc.RootElement.GetProperty("now").GetDouble());
        }
        Assert.That(times, Is.Ordered.Ascending);
        Assert.That(times[2], Is.GreaterThan(times[0]));
    }

    internal static async Task<JsonElement> Until(HttpClient http, Func<JsonElement, bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        JsonElement last = default;
        while (DateTime.UtcNow < until)
        {
            var json = await http.GetStringAsync("api/state");
            last = JsonDocument.Parse(json).RootElement.Clone();
            if (condition(last)) return last;
            await Task.Delay(20);
        }
        Assert.Fail("The dashboard never showed the expected state; the last one was:\n" + last);
        return last;
    }

    internal static JsonElement? Group(JsonElement state, string name)
    {
        foreach (var g in state.GetProperty("groups").EnumerateArray())
            if (g.GetProperty("name").GetString() == name) return g;
        return null;
    }

    private static string During(JsonElement state) => "state: " + state;
}

/// <summary>Who may read the dashboard: loopback by default, a token for any other address.</summary>
public class DashboardAccessTests
{
    private const string Token = "correct-horse-battery";

    [Test]
    public async Task ANonLoopbackBindingRefusesRequestsWithoutTheRightToken()
    {
        using var dashboard = Dashboard.Start("0.0.0.0:0", Token);
        // Requests travel over loopback only (this machine), to the port bound on every interface.
        var root = new Uri($"http://127.0.0.1:{dashboard.Address.Port}/");
        using var http = new HttpClient { BaseAddress = root };
        foreach (var path in new[] { "", "api/state", "api/events", "index.html" })
        {
            Assert.That((await http.GetAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"/{path} without a token");
            Assert.That((await http.GetAsync(path + "?token=wrong-horse-battery")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"/{path} with a wrong token");
        }
        using (var wrongBearer = new HttpRequestMessage(HttpMethod.Get, "api/state"))
        {
            wrongBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "correct-horse-batterY");
            Assert.That((await http.SendAsync(wrongBearer)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
        var refused = await http.GetStringAsync("api/state").ContinueWith(t => t.Exception?.InnerException);
        Assert.That(refused, Is.InstanceOf<HttpRequestException>());

        var ok = await http.GetAsync("api/state?token=" + Token);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (JsonDocument.Parse(await ok.Content.ReadAsStringAsync())) { }
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "api/state");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.That((await http.SendAsync(bearer)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var page = await http.GetStringAsync("?token=" + Token);
        Assert.That(page, Does.Contain("<svg id=\"stream\"").And.Not.Contain("__STATE__"));
        Assert.That(dashboard.Url.Query, Is.EqualTo("?token=" + Token), "the URL to open carries the token");
        // The script and style sheet hold no data and load without the token.
        Assert.That((await http.GetAsync("dashboard.js")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public void ANonLoopbackAddressWithoutATokenDoesNotStart()
    {
        var e = Assert.Throws<ArgumentException>(() => Dashboard.Start("0.0.0.0:0"));
        Assert.That(e!.Message, Does.Contain("0.0.0.0:0").And.Contain("token"));
        Assert.Throws<ArgumentException>(() => Dashboard.Start("127.0.0.1:0", token: "short"));
        Assert.Throws<ArgumentException>(() => Dashboard.Start("dashboard.example:80", Token));
        Assert.Throws<ArgumentException>(() => Dashboard.Start("127.0.0.1"));
    }

    [Test]
    public async Task ALoopbackDashboardAnswersOnlyToLoopbackHostNames()
    {
        using var dashboard = Dashboard.Start("127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = dashboard.Address };
        Assert.That((await http.GetAsync("api/state")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/state");
        rebound.Headers.Host = "attacker.example";
        Assert.That((await http.SendAsync(rebound)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a DNS-rebinding page cannot read it");
        Assert.That((await http.PostAsync("api/state", new StringContent("x"))).StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That((await http.GetAsync("nothing-here")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}

/// <summary>
/// The demo (examples/Dashboard) in a real browser: headless Chromium loads the page while the demo runs, its DOM
/// has task-stream rectangles and progress bars of non-zero width, and a screenshot is kept for a person to look at.
/// </summary>
public class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task ChromiumShowsTheDemoWithTaskStreamAndProgressBars()
    {
        Assert.That(File.Exists(Chromium), Is.True, $"{Chromium} is needed (apt-get install -y chromium; .ci/run installs it)");
        var demo = typeof(DashboardBrowserTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DashboardDemo").Value!;
        Assert.That(File.Exists(demo), Is.True, $"the demo {demo} is built with the tests");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { demo, "--seconds", "40", "--address", "127.0.0.1:0" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        try
        {
            // The demo prints the URL first.
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(first, Does.StartWith("Dashboard: http://127.0.0.1:"));
            var url = new Uri(first!["Dashboard: ".Length..]);
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            using (var http = new HttpClient { BaseAddress = url })
                await DashboardStateTests.Until(http, s => s.GetProperty("stream").GetArrayLength() > 10 && s.GetProperty("groups").GetArrayLength() > 0);

            var (dom, _) = await RunChromium("--dump-dom", url.ToString());
            var tasks = Widths(dom, "task");
            var bars = Widths(dom, "bar-done");
            Assert.That(tasks, Is.Not.Empty, "task-stream rectangles");
            Assert.That(tasks.Count(w => w > 0), Is.EqualTo(tasks.Count), "every task rectangle has a width");
            Assert.That(bars.Any(w => w > 0), Is.True, "a progress bar with done tasks");
            Assert.That(dom, Does.Contain(">load<").And.Contain(">parse<").And.Contain("taskgraph-thread-"));

            var shot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "dashboard-demo.png");
            File.Delete(shot);
            // A loaded machine may make Chromium give up on a screenshot (it then exits with 0 and no file): once more.
            var log = "";
            for (int attempt = 0; attempt < 3 && !File.Exists(shot); attempt++)
                (_, log) = await RunChromium("--window-size=1400,1000", "--screenshot=" + shot, url.ToString());
            Assert.That(File.Exists(shot), Is.True, "Chromium wrote no screenshot in three attempts; its last log:\n" + log);
            Assert.That(new FileInfo(shot).Length, Is.GreaterThan(10_000), "a screenshot of the page");
            Assert.That(File.ReadAllBytes(shot).AsSpan(1, 3).SequenceEqual("PNG"u8), Is.True);
            TestContext.AddTestAttachment(shot, "the dashboard during the demo");
            TestContext.Progress.WriteLine($"Dashboard screenshot: {shot}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Test]
    public async Task TheEnvironmentVariableStartsTheDashboardWithTheFirstComputation()
    {
        var demo = typeof(DashboardBrowserTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DashboardDemo").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { demo, "--seconds", "40", "--address", "env" }) start.ArgumentList.Add(a);
        start.Environment[Dashboard.AddressVariable] = "127.0.0.1:0";
        using var process = Process.Start(start)!;
        try
        {
            _ = process.StandardOutput.ReadToEndAsync();
            string? line;
            do line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
            while (line is not null && !line.StartsWith("TaskGraph dashboard: "));
            Assert.That(line, Does.StartWith("TaskGraph dashboard: http://127.0.0.1:"));
            _ = process.StandardError.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = new Uri(line!["TaskGraph dashboard: ".Length..]) };
            var state = await DashboardStateTests.Until(http, s => DashboardStateTests.Group(s, "load") is not null);
            Assert.That(state.GetProperty("computations").GetArrayLength(), Is.GreaterThan(0));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static List<double> Widths(string dom, string cls)
        => Regex.Matches(dom, $"<rect class=\"{cls}( failed)?\"[^>]*?width=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static async Task<(string Output, string Log)> RunChromium(params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("taskgraph-chromium-");
        try
        {
            var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                                      "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile.FullName })
                start.ArgumentList.Add(a);
            foreach (var a in args) start.ArgumentList.Add(a);
            using var chromium = Process.Start(start)!;
            var output = chromium.StandardOutput.ReadToEndAsync();
            var errors = chromium.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await chromium.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                chromium.Kill(entireProcessTree: true);
                Assert.Fail("Chromium did not finish within 120 s: " + await errors);
            }
            Assert.That(chromium.ExitCode, Is.Zero, "chromium: " + await errors);
            return (await output, await errors);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
