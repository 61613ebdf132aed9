using System.Diagnostics;

namespace TaskGraph.Diagnostics;

/// <summary>
/// Records every task of every computation while alive, like Dask's <c>with Profiler() as prof:</c>: its key,
/// function, worker and start/end times. <see cref="Report"/> draws them as a task stream (one row per worker,
/// coloured by function) with a table of time per function, optionally with a <see cref="ResourceProfiler"/>'s
/// CPU and memory plot on the same time axis.
/// <code>
/// using var prof = new Profiler();
/// using var res = new ResourceProfiler();
/// total.Compute();
/// prof.Report(res).Save("profile.html");
/// </code>
/// </summary>
[TypeFormatterSource(typeof(ProfilerFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public sealed class Profiler : IComputeListener, IDisposable
{
    private readonly object _gate = new();
    private readonly List<TaskRecord> _tasks = [];
    private readonly Dictionary<ExecutionPlan, Timeline> _running = new(ReferenceEqualityComparer.Instance);
    private readonly IDisposable? _registration;
    // The last computation's timeline, read without the lock: nearly every callback is for it.
    private volatile Timeline? _last;

    /// <summary>Starts recording every computation (<paramref name="register"/> false: only those it is passed to in <see cref="ComputeOptions.Listeners"/>).</summary>
    public Profiler(bool register = true)
    {
        if (register) _registration = ComputeListeners.Register(this);
    }

    /// <summary>The tasks of the computations that have finished so far, by start time.</summary>
    public IReadOnlyList<TaskRecord> Tasks
    {
        get
        {
            lock (_gate) return [.. _tasks.OrderBy(t => t.Start).ThenBy(t => t.Worker, StringComparer.Ordinal)];
        }
    }

    /// <summary>The report of the tasks recorded so far, with <paramref name="resources"/>' samples when given.</summary>
    public ProfileReport Report(ResourceProfiler? resources = null) => new(Tasks, resources?.Samples ?? []);

    /// <summary>Forgets the tasks recorded so far.</summary>
    public void Clear()
    {
        lock (_gate) _tasks.Clear();
    }

    /// <summary>Stops recording (what was recorded stays).</summary>
    public void Dispose() => _registration?.Dispose();

    void IComputeListener.OnComputeStarted(ExecutionPlan plan)
    {
        var timeline = new Timeline(plan);
        lock (_gate) _running[plan] = timeline;
        _last = timeline;
    }

    void IComputeListener.OnTaskStarted(ExecutionPlan plan, int node, string worker)
    {
        if (TimelineOf(plan) is { } t) t.Start[node] = Stopwatch.GetTimestamp();
    }

    void IComputeListener.OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
    {
        if (TimelineOf(plan) is not { } t) return;
        t.End[node] = Stopwatch.GetTimestamp();
        t.Worker[node] = worker;
        t.Failed[node] = failed;
    }

    void IComputeListener.OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed, long started, long ended)
    {
        if (TimelineOf(plan) is not { } t) return;
        t.Start[node] = started;
        t.End[node] = ended;
        t.Worker[node] = worker;
        t.Failed[node] = failed;
    }

    void IComputeListener.OnComputeFinished(ExecutionPlan plan, Exception? error)
    {
        Timeline? t;
        lock (_gate)
        {
            if (!_running.Remove(plan, out t)) return;
        }
        if (ReferenceEquals(_last, t)) _last = null;
        // Keys and function names become strings here, once per computation, not on the workers' hot path.
        var records = new List<TaskRecord>();
        for (int node = 0; node < plan.Count; node++)
        {
            if (t.Worker[node] is not { } worker) continue;
            long end = t.End[node], start = t.Start[node] == 0 ? end : t.Start[node];
            records.Add(new TaskRecord(plan.KeyOf(node).ToString(), plan.FunctionOf(node), worker, DiagnosticsClock.At(start), DiagnosticsClock.At(end), t.Failed[node]));
        }
        lock (_gate) _tasks.AddRange(records);
    }

    private Timeline? TimelineOf(ExecutionPlan plan)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.Plan, plan)) return last;
        lock (_gate) return _running.GetValueOrDefault(plan);
    }

    /// <summary>A short summary: how many tasks, on how many workers.</summary>
    public override string ToString()
    {
        lock (_gate) return $"Profiler({_tasks.Count} tasks on {_tasks.Select(t => t.Worker).Distinct().Count()} workers)";
    }

    /// <summary>
    /// Raw times of one running computation, indexed by node: each node runs at most once per computation, so
    /// workers write their own slots without locking. A finish reported without a start counts as instantaneous.
    /// </summary>
    private sealed class Timeline(ExecutionPlan plan)
    {
        public readonly ExecutionPlan Plan = plan;
        public readonly long[] Start = new long[plan.Count];
        public readonly long[] End = new long[plan.Count];
        public readonly string?[] Worker = new string?[plan.Count];
        public readonly bool[] Failed = new bool[plan.Count];
    }
}
