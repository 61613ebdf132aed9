using System.Diagnostics;
using System.Reflection;
using System.Runtime;
using System.Text.Json;

namespace TaskGraph.Benchmarks.Compare;

/// <summary>
/// <c>compare [--data DIR] [--schedulers sync,threads,...] [--runs N] [--out FILE] [--size-override key:sched=N]
/// [--dashboard host:port] [--memory-limit 1GB] [--name value ...] [workload ...]</c>: runs workloads under each scheduler with dask_bench.py's measurement
/// protocol (a warm-up; 3 timed runs if it took ≤ 10 s, 1 if ≤ 30 s, else the warm-up alone) and prints one
/// JSON line per (workload, scheduler) with dask_bench.py's field names.
/// </summary>
public static class CompareRunner
{
    /// <summary>Workers per scheduler: 2 as in dask_bench.py, or <c>--workers N</c>.</summary>
    public static int Workers { get; private set; } = 2;

    /// <summary>Every workload in this assembly, by name.</summary>
    public static IReadOnlyDictionary<string, IWorkload> Workloads { get; } = typeof(CompareRunner).Assembly.GetTypes()
        .Where(t => typeof(IWorkload).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (IWorkload)Activator.CreateInstance(t)!)
        .OrderBy(w => w.Name, StringComparer.Ordinal)
        .ToDictionary(w => w.Name);

    /// <summary>Runs the comparison; returns 1 if any workload failed.</summary>
    public static int Run(string[] args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine("compare [--data DIR] [--schedulers sync,threads,processes,distributed] [--runs N] [--workers N] [--out FILE]");
            Console.WriteLine("        [--memory-limit 1GB] [--size-override key:sched=N] [--dashboard host:port] [workload ...]");
            Console.WriteLine("workloads: " + string.Join(", ", Workloads.Keys));
            Console.WriteLine("distributed needs TASKGRAPH_BROKER (an AMQP URI); one JSON line per (workload, scheduler) on stdout.");
            return 0;
        }
        var options = new Dictionary<string, string>();
        var overrides = new Dictionary<string, long>(WorkloadContext.DefaultOverrides);
        var names = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) { names.Add(args[i]); continue; }
            var key = args[i][2..].Replace('-', '_');
            if (i + 1 >= args.Length) throw new ArgumentException($"Option --{key} needs a value.");
            var value = args[++i];
            if (key == "size_override")
            {
                var eq = value.IndexOf('=');
                overrides[value[..eq]] = long.Parse(value[(eq + 1)..]);
            }
            else options[key] = value;
        }
        foreach (var n in names)
            if (!Workloads.ContainsKey(n)) throw new ArgumentException($"Unknown workload '{n}'. Known: {string.Join(", ", Workloads.Keys)}.");
        var ctx = new WorkloadContext(options.GetValueOrDefault("data", "/tmp/tg-data"), options, overrides);
        int runs = int.Parse(options.GetValueOrDefault("runs", "3"));
        if (options.TryGetValue("workers", out var w))
            Workers = int.TryParse(w, out var n) && n > 0 ? n : throw new ArgumentException($"--workers needs a positive count, not '{w}'.");
        var restrict = options.TryGetValue("schedulers", out var s) ? s.Split(',', StringSplitOptions.RemoveEmptyEntries) : null;
        var env = Environment();
        if (ctx.MemoryLimit is { } limit) env["memory_limit"] = limit;
        // --dashboard: measure with the live dashboard on (its listener on every task, its server snapshotting).
        using var dashboard = options.TryGetValue("dashboard", out var dashboardAddress) ? TaskGraph.Diagnostics.Dashboard.Start(dashboardAddress) : null;
        if (dashboard is not null)
        {
            env["dashboard"] = dashboard.Address.ToString();
            Console.Error.WriteLine($"[compare] dashboard on at {dashboard.Url}");
        }
        Console.Error.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["environment"] = env }));
        using var output = options.TryGetValue("out", out var outPath) ? new StreamWriter(outPath, append: true) : null;
        int failures = 0;
        foreach (var workload in names.Count > 0 ? names.Select(n => Workloads[n]) : Workloads.Values)
        {
            ctx.Built.Clear();
            var schedulers = restrict ?? (workload.DefaultSchedulers ?? AllSchedulers()).ToArray();
            foreach (var sched in schedulers)
            {
                var line = RunOne(ctx, workload, sched, runs, env, ref failures);
                Console.WriteLine(line);
                output?.WriteLine(line);
                output?.Flush();
            }
        }
        return failures > 0 ? 1 : 0;
    }

    /// <summary>The scheduler names the project has (registered ones, without aliases).</summary>
    public static IEnumerable<string> AllSchedulers() => SchedulerRegistry.Names.Where(n => n != "synchronous");

    /// <summary>Creates the scheduler called <paramref name="name"/> with <see cref="Workers"/> workers where that applies.</summary>
    public static IScheduler CreateScheduler(string name) => SchedulerFactory.Create(name, Workers);

    private static string RunOne(WorkloadContext ctx, IWorkload workload, string sched, int runs, Dictionary<string, object?> env, ref int failures)
    {
        var rec = new Dictionary<string, object?>
        {
            ["workload"] = workload.Name,
            ["scheduler"] = sched,
            ["workers"] = sched == "sync" ? 1 : Workers,
        };
        Console.Error.WriteLine($"[compare {DateTime.Now:HH:mm:ss}] {workload.Name} / {sched} ...");
        var wall = Stopwatch.StartNew();
        IScheduler? scheduler = null;
        try
        {
            scheduler = CreateScheduler(sched); // created outside the timed region, like dask_bench.py's pools
            workload.Prepare(ctx, sched);
            var clientBytes = ClientBytes(scheduler);
            var (times, warm, cold, result) = Measure(() =>
            {
                long before = clientBytes?.Invoke() ?? 0;
                var r = workload.Run(ctx, scheduler, sched);
                // Bytes the client (or the pool's parent) received during this run: with data staying on the
                // workers, the outputs and completions only.
                if (clientBytes is not null) r.Phases["client_bytes"] = clientBytes() - before;
                return r;
            }, runs);
            double median = Median(times);
            rec["seconds"] = Math.Round(median, 4);
            rec["runs_s"] = times.Select(t => Math.Round(t, 4)).ToArray();
            rec["warmup_s"] = Math.Round(warm, 4);
            rec["cold_only"] = cold;
            rec["phases"] = result.Phases;
            if (result.Size is { } size)
            {
                rec["size"] = size;
                if (size.TryGetValue("tasks", out var tasksObj) && result.Phases.TryGetValue("build_s", out var buildObj))
                {
                    double tasks = Convert.ToDouble(tasksObj), build = Convert.ToDouble(buildObj);
                    rec["us_per_task"] = Math.Round(median / tasks * 1e6, 3);
                    rec["build_us_per_task"] = Math.Round(build / tasks * 1e6, 3);
                    rec["seconds_incl_build"] = Math.Round(median + build, 4);
                }
            }
            rec["checksum"] = result.Checksum;
        }
        catch (Exception e)
        {
            failures++;
            var msg = $"{e.GetType().Name}: {e.Message}";
            rec["error"] = msg.Length > 2000 ? msg[..2000] : msg;
        }
        finally
        {
            scheduler?.Dispose();
        }
        rec["wall_s"] = Math.Round(wall.Elapsed.TotalSeconds, 2);
        rec["timestamp"] = DateTime.Now.ToString("s");
        rec["env"] = env;
        return JsonSerializer.Serialize(rec);
    }

    /// <summary>The counter of bytes received by the client for the out-of-process schedulers; null for in-process ones.</summary>
    private static Func<long>? ClientBytes(IScheduler scheduler) => scheduler switch
    {
        TaskGraph.Processes.ProcessPoolScheduler p => () => p.BytesReceived,
        LocalCluster c => () => c.Scheduler.BytesReceived,
        DistributedScheduler d => () => d.BytesReceived,
        _ => null,
    };

    private static (List<double> Times, double Warm, bool Cold, WorkloadResult Result) Measure(Func<WorkloadResult> run, int runs)
    {
        (double, WorkloadResult) Once()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var sw = Stopwatch.StartNew();
            var r = run();
            return (sw.Elapsed.TotalSeconds, r);
        }
        var (warm, result) = Once();
        int n = warm <= 10 ? runs : warm <= 30 ? 1 : 0;
        if (n == 0) return ([warm], warm, true, result);
        var times = new List<double>();
        var expected = JsonSerializer.Serialize(result.Checksum);
        for (int i = 0; i < n; i++)
        {
            var (t, r) = Once();
            var got = JsonSerializer.Serialize(r.Checksum);
            if (got != expected) throw new InvalidOperationException($"checksum changed between runs: {expected} vs {got}");
            times.Add(t);
            result = r;
        }
        return (times, warm, false, result);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static Dictionary<string, object?> Environment() => new()
    {
        ["machine"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString(),
        ["nproc"] = System.Environment.ProcessorCount,
        ["dotnet"] = System.Environment.Version.ToString(),
        ["taskgraph"] = typeof(Delayed).Assembly.GetName().Version?.ToString(),
        ["gc"] = GCSettings.IsServerGC ? "server" : "workstation",
    };
}

/// <summary>Creates schedulers by name with a worker count (schedulers beyond sync/threads register here as they arrive).</summary>
public static class SchedulerFactory
{
    /// <summary>Factories taking a worker count, by scheduler name.</summary>
    public static readonly Dictionary<string, Func<int, IScheduler>> WithWorkers = new()
    {
        ["threads"] = n => Scheduler.Threads(n),
        ["processes"] = n => Scheduler.Processes(n),
        // Like dask_bench.py's LocalCluster: n worker processes of one thread on this machine, started before and
        // stopped after the workload's runs (not timed). The broker comes from TASKGRAPH_BROKER.
        ["distributed"] = n => new LocalCluster(BrokerFromEnvironment(), workers: n, threadsPerWorker: 1, queue: "taskgraph.bench"),
    };

    private static string BrokerFromEnvironment()
    {
        BrokerAddress.FromEnvironment(); // a clear error when TASKGRAPH_BROKER is not set
        return Environment.GetEnvironmentVariable(BrokerAddress.Variable)!;
    }

    /// <summary>The scheduler called <paramref name="name"/> with <paramref name="workers"/> workers when it takes a count.</summary>
    public static IScheduler Create(string name, int workers)
        => WithWorkers.TryGetValue(name, out var f) ? f(workers) : Scheduler.FromName(name);
}
