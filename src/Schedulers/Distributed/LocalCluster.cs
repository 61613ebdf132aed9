using System.Diagnostics;

namespace TaskGraph.Distributed;

/// <summary>
/// Worker processes on this machine attached to a broker, like Dask's <c>LocalCluster</c>: each runs
/// <c>dotnet TaskGraph.Worker.dll --app &lt;this application's folder&gt;</c> exactly as a worker on another
/// machine would, with the broker address and a cluster secret generated for this cluster passed in its
/// environment (<c>TASKGRAPH_BROKER</c>, <c>TASKGRAPH_CLUSTER_SECRET</c>), never on its command line. The cluster is
/// itself a scheduler (<c>x.Compute(cluster)</c>), through its client <see cref="Scheduler"/>; disposing it stops the workers.
/// </summary>
public sealed class LocalCluster : IPersistingScheduler
{
    private readonly List<Process> _workers = new();
    private readonly BrokerAddress _address;
    private readonly string _secret;
    private readonly int _threads;
    private readonly Action<string>? _log;

    /// <summary>The work queue of this cluster.</summary>
    public string Queue { get; }

    /// <summary>A client of this cluster.</summary>
    public DistributedScheduler Scheduler { get; }

    /// <summary>The worker processes (a test may kill one).</summary>
    public IReadOnlyList<Process> Workers { get { lock (_workers) return _workers.ToArray(); } }

    /// <summary>
    /// Starts <paramref name="workers"/> workers of <paramref name="threadsPerWorker"/> threads on <paramref name="queue"/>
    /// and waits (up to 60 s each) until they are connected. Worker output goes to <paramref name="log"/> (default: discarded).
    /// A compute fails when no worker has served the queue for <paramref name="workerTimeout"/> (default 30 s).
    /// </summary>
    public LocalCluster(string broker, int workers = 2, int threadsPerWorker = 1, string queue = Topology.Tasks, Action<string>? log = null, TimeSpan? workerTimeout = null)
    {
        _address = BrokerAddress.Parse(broker);
        _threads = threadsPerWorker;
        _log = log;
        Queue = queue;
        Scheduler = new DistributedScheduler(_address, queue: queue, secret: ClusterSecret.Generate(out _secret), workerTimeout: workerTimeout);
        try
        {
            for (int i = 0; i < workers; i++) StartWorker();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Name => "distributed";

    /// <inheritdoc />
    public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context) => Scheduler.ExecuteAsync(plan, context);

    /// <inheritdoc />
    public Task<PersistedResults> PersistAsync(ExecutionPlan plan, ComputeContext context) => Scheduler.PersistAsync(plan, context);

    /// <summary>Starts one more worker and waits until it is connected.</summary>
    public Process StartWorker()
    {
        var bin = AppContext.BaseDirectory;
        var dll = Path.Combine(bin, "TaskGraph.Worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("TaskGraph.Worker.dll is not next to this application (reference the TaskGraph.Schedulers package or project).", dll);
        var psi = new ProcessStartInfo("dotnet", [dll, "--app", bin, "--threads", _threads.ToString(), "--queue", Queue])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Secrets by environment: a command line is readable by every local user, an environment only by its owner.
        psi.Environment[BrokerAddress.Variable] = _address.Uri.AbsoluteUri;
        psi.Environment[ClusterSecret.Variable] = _secret;
        psi.Environment.Remove(ClusterSecret.FileVariable);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start a worker process.");
        using var ready = new ManualResetEventSlim();
        bool exited = false, connected = false;
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.Contains("connected to", StringComparison.Ordinal))
            {
                Volatile.Write(ref connected, true);
                try { ready.Set(); } catch (ObjectDisposedException) { }
            }
            _log?.Invoke($"[worker {p.Id}] {_address.Scrub(e.Data)}");
        };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) _log?.Invoke($"[worker {p.Id}] {e.Data}"); };
        p.EnableRaisingEvents = true;
        p.Exited += (_, _) => { exited = true; try { ready.Set(); } catch (ObjectDisposedException) { } };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        // A worker that connected and then died at once (its first task ended it) did start: it is a worker that
        // died, as a killed one is, not a failure to start one. Its stderr may be read after its exit: wait for it.
        bool started = ready.Wait(TimeSpan.FromSeconds(60));
        if (started && exited) { p.WaitForExit(); started = Volatile.Read(ref connected); }
        if (!started)
        {
            try { p.Kill(true); } catch (InvalidOperationException) { }
            throw new BrokerUnavailableException($"A local worker did not connect to the broker at {_address.Redacted} within 60 s{(exited ? $" (it exited with code {p.ExitCode})" : "")}.");
        }
        lock (_workers) _workers.Add(p);
        return p;
    }

    /// <summary>
    /// Grows or shrinks the cluster to <paramref name="workers"/> worker processes, like Dask's <c>cluster.scale(n)</c>.
    /// New workers take tasks from the shared queue at once, also during a running compute. Removed workers (the
    /// newest first) are asked to stop: each finishes the task in hand, publishes its result and exits; a task it had
    /// not acknowledged goes back to the queue for the others. Returns when the new workers are connected and the
    /// removed ones have exited (a removed worker still running after <paramref name="drain"/>, default 60 s, is killed
    /// and its task redelivered).
    /// </summary>
    public void Scale(int workers, TimeSpan? drain = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        while (Workers.Count < workers) StartWorker();
        List<Process> leaving;
        lock (_workers)
        {
            int extra = _workers.Count - workers;
            if (extra <= 0) return;
            leaving = _workers.GetRange(_workers.Count - extra, extra);
            _workers.RemoveRange(_workers.Count - extra, extra);
        }
        Stop(leaving, drain ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGTERM to each (a worker finishes the task in hand and exits with 0), SIGKILL when <paramref name="grace"/> is over.</summary>
    private static void Stop(List<Process> processes, TimeSpan grace)
    {
        foreach (var p in processes)
            if (!OperatingSystem.IsWindows() && !p.HasExited) _ = Terminate(p.Id, 15);
        var deadline = DateTime.UtcNow + grace;
        foreach (var p in processes)
        {
            try
            {
                var left = deadline - DateTime.UtcNow;
                if (!p.HasExited && (left <= TimeSpan.Zero || !p.WaitForExit(left))) p.Kill(true);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
    }

    /// <summary>Stops the client and every worker: SIGTERM first (a worker finishes the task in hand and exits with 0), SIGKILL after 3 s.</summary>
    public void Dispose()
    {
        Scheduler.Dispose();
        List<Process> all;
        lock (_workers)
        {
            all = [.. _workers];
            _workers.Clear();
        }
        Stop(all, TimeSpan.FromSeconds(3));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Terminate(int pid, int signal);
}
