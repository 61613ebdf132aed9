using System.Diagnostics;

namespace TaskGraph.Diagnostics;

/// <summary>
/// Samples CPU and memory while computations run, like Dask's <c>ResourceProfiler</c>: this process (<c>main</c>)
/// and every worker process of a scheduler that lists them (<see cref="IWorkerProcessSource"/>: the one given to
/// the constructor, or the current default scheduler when it is one). Sampling starts with the first computation
/// and stops when the last one ends; a sample is always taken at both ends, so even a short computation has a plot.
/// </summary>
[TypeFormatterSource(typeof(ResourceProfilerFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public sealed class ResourceProfiler : IComputeListener, IDisposable
{
    private readonly object _gate = new();
    private readonly List<ResourceSample> _samples = [];
    private readonly Dictionary<int, Previous> _previous = [];
    private readonly TimeSpan _interval;
    private readonly IWorkerProcessSource? _workers;
    private readonly IDisposable? _registration;
    private IWorkerProcessSource? _schedulerWorkers;
    private int _active;
    private Thread? _thread;
    private ManualResetEventSlim? _stop;

    /// <summary>
    /// Starts listening for computations. <paramref name="interval"/>: time between samples (default 100 ms).
    /// <paramref name="workers"/>: worker processes to sample besides this one.
    /// <paramref name="register"/> false: listen only to computations it is passed to in <see cref="ComputeOptions.Listeners"/>.
    /// </summary>
    public ResourceProfiler(TimeSpan? interval = null, IWorkerProcessSource? workers = null, bool register = true)
    {
        _interval = interval ?? TimeSpan.FromMilliseconds(100);
        if (_interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "The sampling interval must be positive.");
        _workers = workers;
        using (var self = Process.GetCurrentProcess()) _previous[self.Id] = new Previous(DiagnosticsClock.Now, self.TotalProcessorTime);
        if (register) _registration = ComputeListeners.Register(this);
    }

    /// <summary>The samples taken so far, by time.</summary>
    public IReadOnlyList<ResourceSample> Samples
    {
        get
        {
            lock (_samples) return [.. _samples];
        }
    }

    /// <summary>Forgets the samples taken so far.</summary>
    public void Clear()
    {
        lock (_samples) _samples.Clear();
    }

    /// <summary>Takes one sample of every tracked process now (sampling also runs by itself during computations).</summary>
    public void Sample()
    {
        var now = DiagnosticsClock.Now;
        var taken = new List<ResourceSample>();
        using (var self = Process.GetCurrentProcess()) Measure(self, "main", now, taken);
        foreach (var w in Workers())
        {
            try
            {
                using var p = Process.GetProcessById(w.ProcessId);
                Measure(p, w.Name, now, taken);
            }
            catch (ArgumentException) { /* the worker exited between listing and sampling */ }
            catch (InvalidOperationException) { }
        }
        lock (_samples) _samples.AddRange(taken);
    }

    /// <summary>Stops listening; a sampling loop still running stops now.</summary>
    public void Dispose()
    {
        _registration?.Dispose();
        StopSampling();
    }

    void IComputeListener.OnComputeStarted(ExecutionPlan plan)
    {
        lock (_gate)
        {
            if (_active++ > 0) return;
            // Read on the caller's thread: a scoped scheduler (Scheduler.Use) is visible only there.
            _schedulerWorkers = TaskGraphOptions.CurrentScheduler as IWorkerProcessSource;
            Sample();
            var stop = new ManualResetEventSlim();
            _stop = stop;
            _thread = new Thread(() => { while (!stop.Wait(_interval)) Sample(); }) { IsBackground = true, Name = "taskgraph-resources" };
            _thread.Start();
        }
    }

    void IComputeListener.OnComputeFinished(ExecutionPlan plan, Exception? error)
    {
        lock (_gate)
        {
            if (_active == 0 || --_active > 0) return;
        }
        StopSampling();
        Sample();
    }

    private void StopSampling()
    {
        Thread? thread;
        lock (_gate)
        {
            _stop?.Set();
            thread = _thread;
            _thread = null;
            _stop = null;
        }
        thread?.Join(TimeSpan.FromSeconds(5));
    }

    private IEnumerable<WorkerProcess> Workers()
    {
        var seen = new HashSet<int>();
        foreach (var source in new[] { _workers, _schedulerWorkers })
        {
            if (source is null) continue;
            foreach (var w in source.WorkerProcesses)
                if (seen.Add(w.ProcessId)) yield return w;
        }
    }

    private void Measure(Process p, string name, TimeSpan now, List<ResourceSample> into)
    {
        p.Refresh();
        if (p.HasExited) return;
        var cpu = p.TotalProcessorTime;
        double memory = p.WorkingSet64 / (1024.0 * 1024.0);
        double percent = 0;
        lock (_previous)
        {
            if (_previous.TryGetValue(p.Id, out var prev) && now > prev.Time)
                percent = Math.Max(0, (cpu - prev.Cpu).TotalSeconds / (now - prev.Time).TotalSeconds * 100);
            _previous[p.Id] = new Previous(now, cpu);
        }
        into.Add(new ResourceSample(now, name, p.Id, percent, memory));
    }

    /// <summary>A process's CPU time at its previous sample, to turn the next one into a rate.</summary>
    private readonly record struct Previous(TimeSpan Time, TimeSpan Cpu);
}
