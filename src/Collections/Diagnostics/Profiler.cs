using System.Collections.Concurrent;

namespace TaskGraph;

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
    private readonly ConcurrentDictionary<(ExecutionPlan Plan, int Node), TimeSpan> _running = new();
    private readonly List<TaskRecord> _tasks = [];
    private readonly IDisposable? _registration;

    /// <summary>Starts recording every computation (<paramref name="register"/> false: only those it is passed to in <see cref="ComputeOptions.Listeners"/>).</summary>
    public Profiler(bool register = true)
    {
        if (register) _registration = ComputeListeners.Register(this);
    }

    /// <summary>The tasks recorded so far, by start time.</summary>
    public IReadOnlyList<TaskRecord> Tasks
    {
        get
        {
            lock (_tasks) return [.. _tasks.OrderBy(t => t.Start).ThenBy(t => t.Worker, StringComparer.Ordinal)];
        }
    }

    /// <summary>The report of the tasks recorded so far, with <paramref name="resources"/>' samples when given.</summary>
    public ProfileReport Report(ResourceProfiler? resources = null) => new(Tasks, resources?.Samples ?? []);

    /// <summary>Forgets the tasks recorded so far.</summary>
    public void Clear()
    {
        lock (_tasks) _tasks.Clear();
    }

    /// <summary>Stops recording (what was recorded stays).</summary>
    public void Dispose() => _registration?.Dispose();

    void IComputeListener.OnTaskStarted(ExecutionPlan plan, int node, string worker) => _running[(plan, node)] = DiagnosticsClock.Now;

    void IComputeListener.OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
    {
        var end = DiagnosticsClock.Now;
        // A remote scheduler may report a finish whose start it never reported: count it as instantaneous.
        var start = _running.TryRemove((plan, node), out var s) ? s : end;
        var record = new TaskRecord(plan.KeyOf(node).ToString(), plan.FunctionOf(node), worker, start, end, failed);
        lock (_tasks) _tasks.Add(record);
    }

    /// <summary>A short summary: how many tasks, on how many workers.</summary>
    public override string ToString()
    {
        lock (_tasks) return $"Profiler({_tasks.Count} tasks on {_tasks.Select(t => t.Worker).Distinct().Count()} workers)";
    }
}
