using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace TaskGraph.Diagnostics;

/// <summary>
/// The dashboard's listener and its view of what runs. On the workers' hot path it only stores a timestamp and a
/// worker name in per-node slots (each node runs at most once per computation, so no lock and no contention);
/// <see cref="Snapshot"/>, called on the dashboard's own timer, scans those slots, aggregates them and writes the
/// JSON state the page shows.
/// </summary>
internal sealed class DashboardRecorder : IComputeListener
{
    // What the page keeps: the task stream of the last StreamWindow, at most MaxStream tasks; the last MaxFailures
    // failures; MaxWorkers workers (names come from other processes on a cluster, so the table is bounded).
    internal static readonly TimeSpan StreamWindow = TimeSpan.FromSeconds(30);
    private const int MaxStream = 4000;
    private const int MaxFailures = 50;
    private const int MaxWorkers = 128;
    private const int MaxRecent = 8;
    private const int MaxName = 120;

    private readonly object _gate = new();
    private readonly List<Run> _runs = [];        // running, or ended but not scanned since: guarded by _gate
    private volatile Run? _last;                  // the newest run, found without the lock
    private int _nextId;

    // Owned by the snapshot thread (Snapshot is never called concurrently).
    private readonly Queue<StreamTask> _stream = new();
    private readonly Queue<Failure> _failures = new();
    private readonly Dictionary<string, WorkerView> _workers = new(StringComparer.Ordinal);
    private readonly List<RunSummary> _recent = [];
    private readonly Dictionary<int, CpuMark> _cpu = [];
    private readonly List<WeakReference<IWorkerProcessSource>> _sources = []; // guarded by _gate
    private readonly Dictionary<string, RemoteProcess> _remote = new(StringComparer.Ordinal); // guarded by _gate

    // A remote worker's CPU percentage is computed between its two latest distinct samples; a worker that sent
    // nothing for RemoteIdleAfter (no results: idle) shows 0 %.
    private static readonly TimeSpan RemoteIdleAfter = TimeSpan.FromSeconds(2);

    void IComputeListener.OnComputeScheduled(ExecutionPlan plan, IScheduler scheduler)
    {
        if (scheduler is IWorkerProcessSource source) Remember(source);
    }

    void IComputeListener.OnComputeStarted(ExecutionPlan plan)
    {
        var run = new Run(plan, Interlocked.Increment(ref _nextId));
        lock (_gate) _runs.Add(run);
        _last = run;
    }

    /// <summary>Keeps the worker-process lists of the schedulers seen (a few, weakly: a disposed pool goes away).</summary>
    private void Remember(IWorkerProcessSource source)
    {
        lock (_gate)
        {
            _sources.RemoveAll(w => !w.TryGetTarget(out _));
            if (_sources.Any(w => w.TryGetTarget(out var s) && ReferenceEquals(s, source))) return;
            if (_sources.Count >= 8) _sources.RemoveAt(0);
            _sources.Add(new WeakReference<IWorkerProcessSource>(source));
        }
    }

    void IComputeListener.OnTaskStarted(ExecutionPlan plan, int node, string worker)
    {
        if (RunOf(plan) is not { } r) return;
        r.Worker[node] = worker;
        Volatile.Write(ref r.Start[node], Stopwatch.GetTimestamp());
    }

    void IComputeListener.OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
    {
        if (RunOf(plan) is not { } r) return;
        // A remote scheduler names the dispatcher at the start and the worker that ran the task at the end.
        if (!ReferenceEquals(r.Worker[node], worker)) r.Worker[node] = worker;
        if (failed) r.Failed[node] = true;
        Volatile.Write(ref r.End[node], Stopwatch.GetTimestamp());
    }

    void IComputeListener.OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed, long started, long ended)
    {
        if (RunOf(plan) is not { } r) return;
        if (!ReferenceEquals(r.Worker[node], worker)) r.Worker[node] = worker;
        if (failed) r.Failed[node] = true;
        // The worker's own measure replaces the batch's send time; End is written last (the scan reads it first).
        Volatile.Write(ref r.Start[node], started);
        Volatile.Write(ref r.End[node], ended);
    }

    void IComputeListener.OnWorkerReport(ExecutionPlan plan, WorkerReport report)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (!_remote.TryGetValue(report.Worker, out var p))
            {
                // Names come from other machines: the table is bounded, the longest-silent worker makes room.
                if (_remote.Count >= MaxWorkers) _remote.Remove(_remote.MinBy(kv => kv.Value.HeardAt).Key);
                _remote[report.Worker] = p = new RemoteProcess();
            }
            p.HeardAt = now;
            if (p.Last is { } last && last.CpuTime == report.CpuTime && last.WorkingSet == report.WorkingSet) return;
            p.Previous = p.Last;
            p.PreviousAt = p.LastAt;
            p.Last = report;
            p.LastAt = now;
        }
    }

    void IComputeListener.OnComputeFinished(ExecutionPlan plan, Exception? error)
    {
        if (RunOf(plan) is not { } r) return;
        r.Error = error;
        Volatile.Write(ref r.EndedAt, Stopwatch.GetTimestamp());
        if (ReferenceEquals(_last, r)) _last = null;
    }

    private Run? RunOf(ExecutionPlan plan)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.Plan, plan)) return last;
        lock (_gate)
        {
            for (int i = _runs.Count - 1; i >= 0; i--)
                if (ReferenceEquals(_runs[i].Plan, plan) && Volatile.Read(ref _runs[i].EndedAt) == 0) return _runs[i];
        }
        return null;
    }

    /// <summary>Scans the runs, updates the view and returns it as UTF-8 JSON. Called by one thread at a time.</summary>
    public byte[] Snapshot()
    {
        Run[] runs;
        lock (_gate) runs = [.. _runs];
        long now = Stopwatch.GetTimestamp();
        foreach (var w in _workers.Values) w.Running = 0;
        var groups = new List<GroupView>();
        var active = new List<RunSummary>();
        var ended = new List<Run>();
        foreach (var run in runs)
        {
            // EndedAt is read before the scan: a run seen ended is scanned once more completely, then dropped.
            bool isEnded = Volatile.Read(ref run.EndedAt) != 0;
            var summary = Scan(run);
            if (isEnded) { ended.Add(run); _recent.Add(summary); }
            else { active.Add(summary); groups.AddRange(summary.Groups); }
        }
        if (ended.Count > 0)
        {
            lock (_gate) _runs.RemoveAll(ended.Contains);
            if (_recent.Count > MaxRecent) _recent.RemoveRange(0, _recent.Count - MaxRecent);
        }

        // A worker row lasts while it runs or has run something: a remote scheduler's dispatcher ("cluster"), named
        // at a task's start only, goes once the workers that ran the tasks report.
        foreach (var idle in _workers.Values.Where(w => w.Running == 0 && w.Done == 0 && w.Failed == 0).ToList()) _workers.Remove(idle.Name);

        var cutoff = DiagnosticsClock.At(now) - StreamWindow;
        while (_stream.Count > 0 && (_stream.Peek().End < cutoff || _stream.Count > MaxStream)) _stream.Dequeue();

        // Progress rows: the running computations' groups; between computations, the last one's.
        if (groups.Count == 0 && _recent.Count > 0) groups.AddRange(_recent[^1].Groups);

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteNumber("now", Seconds(DiagnosticsClock.At(now)));
            j.WriteNumber("window", StreamWindow.TotalSeconds);
            WriteCounts(j, active.Count > 0 ? active : [.. _recent.TakeLast(1)]);
            j.WriteStartArray("groups");
            foreach (var g in MergeByName(groups))
            {
                j.WriteStartObject();
                j.WriteString("name", g.Name);
                j.WriteNumber("total", g.Total);
                j.WriteNumber("waiting", g.Total - g.Running - g.Done - g.Failed);
                j.WriteNumber("running", g.Running);
                j.WriteNumber("done", g.Done);
                j.WriteNumber("failed", g.Failed);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            WriteComputations(j, active);
            WriteStream(j);
            WriteWorkers(j);
            j.WriteStartArray("failures");
            foreach (var f in _failures.Reverse())
            {
                j.WriteStartObject();
                j.WriteNumber("time", Seconds(f.Time));
                j.WriteNumber("computation", f.Computation);
                j.WriteString("key", f.Key);
                j.WriteString("function", f.Function);
                j.WriteString("worker", f.Worker);
                j.WriteString("message", f.Message ?? "");
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One pass over a run's slots: states per group, new finished tasks into the stream, failures.</summary>
    private RunSummary Scan(Run run)
    {
        var plan = run.Plan;
        // Group names are computed here, once per run, so the computation's own thread pays nothing for them.
        if (run.GroupOf is null)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            run.GroupOf = new int[plan.Count];
            run.Pending = new int[plan.Count];
            for (int n = 0; n < plan.Count; n++)
            {
                var name = Clip(plan.FunctionOf(n));
                if (!index.TryGetValue(name, out int gi)) index[name] = gi = index.Count;
                run.GroupOf[n] = gi;
                run.Pending[n] = n;
            }
            run.PendingCount = plan.Count;
            run.Groups = new GroupView[index.Count];
            foreach (var (name, gi) in index) run.Groups[gi] = new GroupView(name);
            foreach (var gi in run.GroupOf) run.Groups[gi].Total++;
        }
        // Only nodes not finished at the last scan are looked at (kept in place, in order): a finished node is
        // counted once, so a long computation's scans get shorter as it progresses.
        foreach (var g in run.Groups!) g.Running = 0;
        var pending = run.Pending!;
        int kept = 0;
        for (int i = 0; i < run.PendingCount; i++)
        {
            int n = pending[i];
            var g = run.Groups[run.GroupOf[n]];
            long end = Volatile.Read(ref run.End[n]);
            if (end == 0)
            {
                pending[kept++] = n;
                if (Volatile.Read(ref run.Start[n]) != 0)
                {
                    g.Running++;
                    if (run.Worker[n] is { } rw) Worker(Clip(rw)).Running++;
                }
                continue;
            }
            bool failed = run.Failed[n];
            if (failed) g.Failed++; else g.Done++;
            long start = Volatile.Read(ref run.Start[n]);
            var worker = Clip(run.Worker[n] ?? "?");
            var w = Worker(worker);
            if (failed) w.Failed++; else w.Done++;
            var endAt = DiagnosticsClock.At(end);
            w.LastTask = endAt;
            _stream.Enqueue(new StreamTask(worker, g.Name, DiagnosticsClock.At(start == 0 ? end : start), endAt, failed));
            if (failed)
            {
                _failures.Enqueue(new Failure(endAt, run.Id, Clip(plan.KeyOf(n).ToString()), g.Name, worker));
                while (_failures.Count > MaxFailures) _failures.Dequeue();
            }
        }
        run.PendingCount = kept;
        if (_stream.Count > 2 * MaxStream) while (_stream.Count > MaxStream) _stream.Dequeue();
        var summary = new RunSummary(run.Id, plan.Count, run.Groups, DiagnosticsClock.At(run.StartedAt));
        long ended = Volatile.Read(ref run.EndedAt);
        if (ended != 0)
        {
            summary.Ended = DiagnosticsClock.At(ended);
            // The computation's error names the failed task and its cause: it goes with that run's failures.
            if (run.Error is { } error)
            {
                var message = Clip(error.GetType().Name + ": " + error.Message, 400);
                bool attached = false;
                foreach (var f in _failures)
                    if (f.Computation == run.Id && f.Message is null) { f.Message = message; attached = true; }
                if (!attached && error is not OperationCanceledException)
                {
                    _failures.Enqueue(new Failure(summary.Ended.Value, run.Id, "", "", "", message));
                    while (_failures.Count > MaxFailures) _failures.Dequeue();
                }
                summary.Error = message;
            }
        }
        return summary;
    }

    private WorkerView Worker(string name)
    {
        if (_workers.TryGetValue(name, out var w)) return w;
        if (_workers.Count >= MaxWorkers)
        {
            var oldest = _workers.Values.Where(v => v.Running == 0).MinBy(v => v.LastTask);
            if (oldest is not null) _workers.Remove(oldest.Name);
        }
        return _workers[name] = new WorkerView(name);
    }

    private void WriteCounts(Utf8JsonWriter j, List<RunSummary> active)
    {
        int waiting = 0, running = 0, done = 0, failed = 0;
        foreach (var r in active)
            foreach (var g in r.Groups)
            {
                running += g.Running; done += g.Done; failed += g.Failed;
                waiting += g.Total - g.Running - g.Done - g.Failed;
            }
        j.WriteStartObject("states");
        j.WriteNumber("waiting", waiting);
        j.WriteNumber("running", running);
        j.WriteNumber("done", done);
        j.WriteNumber("failed", failed);
        j.WriteEndObject();
    }

    private void WriteComputations(Utf8JsonWriter j, List<RunSummary> active)
    {
        j.WriteStartArray("computations");
        foreach (var r in active.Concat(Enumerable.Reverse(_recent)))
        {
            j.WriteStartObject();
            j.WriteNumber("id", r.Id);
            j.WriteNumber("tasks", r.Tasks);
            j.WriteNumber("done", r.Groups.Sum(g => g.Done));
            j.WriteNumber("failed", r.Groups.Sum(g => g.Failed));
            j.WriteNumber("started", Seconds(r.Started));
            if (r.Ended is { } e) j.WriteNumber("ended", Seconds(e)); else j.WriteNull("ended");
            if (r.Error is { } err) j.WriteString("error", err); else j.WriteNull("error");
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private void WriteStream(Utf8JsonWriter j)
    {
        j.WriteStartArray("stream");
        foreach (var t in _stream)
        {
            j.WriteStartObject();
            j.WriteString("worker", t.Worker);
            j.WriteString("group", t.Group);
            j.WriteNumber("start", Seconds(t.Start));
            j.WriteNumber("end", Seconds(t.End));
            if (t.Failed) j.WriteBoolean("failed", true);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private void WriteWorkers(Utf8JsonWriter j)
    {
        // Processes: this one ("main", where thread workers run) and a process pool's workers, sampled now.
        List<IWorkerProcessSource> sources;
        lock (_gate) sources = [.. _sources.Select(w => w.TryGetTarget(out var s) ? s : null).OfType<IWorkerProcessSource>()];
        var processes = new List<(string Name, int Pid, long? Held)> { ("main", Environment.ProcessId, null) };
        foreach (var source in sources)
        {
            try { processes.AddRange(source.WorkerProcesses.Select(p => (p.Name, p.ProcessId, p.HeldBytes))); }
            catch (ObjectDisposedException) { /* a pool disposed meanwhile: no workers */ }
        }
        var byName = new Dictionary<string, ProcessFigures>(StringComparer.Ordinal);
        var alive = new HashSet<int>();
        foreach (var (name, pid, held) in processes)
            if (Measure(pid) is { } f) { byName[name] = f with { Held = held }; alive.Add(pid); }
        foreach (var pid in _cpu.Keys.Where(p => !alive.Contains(p)).ToList()) _cpu.Remove(pid);
        AddRemote(byName);

        j.WriteStartArray("workers");
        foreach (var w in _workers.Values.OrderBy(w => w.Name, NaturalOrder.Instance))
        {
            j.WriteStartObject();
            j.WriteString("name", w.Name);
            j.WriteNumber("running", w.Running);
            j.WriteNumber("done", w.Done);
            j.WriteNumber("failed", w.Failed);
            // A thread worker runs in this process; a pool worker is its own process; a cluster worker is elsewhere.
            var process = byName.ContainsKey(w.Name) ? w.Name : w.Name.StartsWith("taskgraph-thread-", StringComparison.Ordinal) || w.Name.StartsWith("sync-", StringComparison.Ordinal) || w.Name == "parent" ? "main" : null;
            if (process is null) j.WriteNull("process"); else j.WriteString("process", process);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("processes");
        foreach (var (name, f) in byName)
        {
            j.WriteStartObject();
            j.WriteString("name", name);
            j.WriteNumber("pid", f.Pid);
            j.WriteNumber("cpu", Math.Round(f.Cpu, 1));
            j.WriteNumber("memory", f.Memory);
            if (f.Heap is { } heap) j.WriteNumber("heap", heap); else j.WriteNull("heap");
            if (f.Held is { } held) j.WriteNumber("held", held); else j.WriteNull("held");
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    /// <summary>The workers on other machines, from what they reported (a local process of the same name wins).</summary>
    private void AddRemote(Dictionary<string, ProcessFigures> byName)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var (name, p) in _remote)
            {
                if (p.Last is not { } last || byName.ContainsKey(name)) continue;
                double percent = 0;
                if (p.Previous is { } before && Stopwatch.GetElapsedTime(p.HeardAt, now) < RemoteIdleAfter)
                {
                    var wall = Stopwatch.GetElapsedTime(p.PreviousAt, p.LastAt);
                    if (wall > TimeSpan.Zero) percent = (last.CpuTime - before.CpuTime) / wall * 100;
                }
                byName[Clip(name)] = new ProcessFigures(last.ProcessId, Math.Max(0, percent), Math.Max(0, last.WorkingSet), null, last.HeldBytes);
            }
        }
    }

    /// <summary>CPU (percent of one core since the last sample), resident memory, and for this process the managed heap.</summary>
    private ProcessFigures? Measure(int pid)
    {
        try
        {
            using var p = pid == Environment.ProcessId ? Process.GetCurrentProcess() : Process.GetProcessById(pid);
            var now = Stopwatch.GetTimestamp();
            var cpu = p.TotalProcessorTime;
            double percent = 0;
            if (_cpu.TryGetValue(pid, out var before))
            {
                var wall = Stopwatch.GetElapsedTime(before.At, now);
                if (wall > TimeSpan.Zero) percent = (cpu - before.Cpu) / wall * 100;
            }
            _cpu[pid] = new CpuMark(now, cpu);
            long? heap = pid == Environment.ProcessId ? GC.GetTotalMemory(false) : null;
            return new ProcessFigures(pid, Math.Max(0, percent), p.WorkingSet64, heap);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null; // the worker exited between listing and sampling
        }
    }

    private static IEnumerable<GroupView> MergeByName(List<GroupView> groups)
    {
        var merged = new Dictionary<string, GroupView>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            if (!merged.TryGetValue(g.Name, out var m)) merged[g.Name] = m = new GroupView(g.Name);
            m.Total += g.Total; m.Running += g.Running; m.Done += g.Done; m.Failed += g.Failed;
        }
        return merged.Values;
    }

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 4);

    private static string Clip(string s, int max = MaxName) => s.Length <= max ? s : s[..(max - 1)] + "…";

    /// <summary>
    /// Raw times of one running computation, indexed by node: a worker writes only its own node's slots.
    /// The group fields belong to the snapshot thread.
    /// </summary>
    private sealed class Run(ExecutionPlan plan, int id)
    {
        public readonly ExecutionPlan Plan = plan;
        public readonly int Id = id;
        public readonly long StartedAt = Stopwatch.GetTimestamp();
        public readonly long[] Start = new long[plan.Count];
        public readonly long[] End = new long[plan.Count];
        public readonly string?[] Worker = new string?[plan.Count];
        public readonly bool[] Failed = new bool[plan.Count];
        public int[]? Pending;
        public int PendingCount;
        public long EndedAt;
        public Exception? Error;
        public int[]? GroupOf;
        public GroupView[]? Groups;
    }

    private sealed record GroupView(string Name)
    {
        public int Total, Running, Done, Failed;
    }

    private sealed class RunSummary(int id, int tasks, GroupView[] groups, TimeSpan started)
    {
        public readonly int Id = id;
        public readonly int Tasks = tasks;
        public readonly GroupView[] Groups = [.. groups.Select(g => g with { })];
        public readonly TimeSpan Started = started;
        public TimeSpan? Ended;
        public string? Error;
    }

    private sealed class WorkerView(string name)
    {
        public readonly string Name = name;
        public int Running, Done, Failed;
        public TimeSpan LastTask;
    }

    private readonly record struct StreamTask(string Worker, string Group, TimeSpan Start, TimeSpan End, bool Failed);

    private sealed class Failure(TimeSpan time, int computation, string key, string function, string worker, string? message = null)
    {
        public readonly TimeSpan Time = time;
        public readonly int Computation = computation;
        public readonly string Key = key, Function = function, Worker = worker;
        public string? Message = message;
    }

    private readonly record struct CpuMark(long At, TimeSpan Cpu);

    /// <summary>A remote worker's two latest distinct reports and when they (and any report) arrived.</summary>
    private sealed class RemoteProcess
    {
        public WorkerReport? Last, Previous;
        public long LastAt, PreviousAt, HeardAt;
    }

    /// <summary>A process's figures; <see cref="Held"/>: bytes of results a pool worker keeps for running computations.</summary>
    private readonly record struct ProcessFigures(int Pid, double Cpu, long Memory, long? Heap, long? Held = null);
}
