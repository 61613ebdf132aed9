namespace TaskGraph;

/// <summary>
/// Observes computations (progress bars, profilers). Called from worker threads, concurrently: implementations
/// must be thread-safe and quick. Every method has an empty default, so a listener implements only what it needs.
/// </summary>
public interface IComputeListener
{
    /// <summary>
    /// <c>Compute</c> hands <paramref name="plan"/> to <paramref name="scheduler"/> (before <see cref="OnComputeStarted"/>;
    /// not called when a scheduler is driven directly). Lets diagnostics find the scheduler's worker processes.
    /// </summary>
    void OnComputeScheduled(ExecutionPlan plan, IScheduler scheduler) { }

    /// <summary>A computation of <paramref name="plan"/> starts.</summary>
    void OnComputeStarted(ExecutionPlan plan) { }

    /// <summary>Task <paramref name="node"/> starts on worker <paramref name="worker"/> (a thread or process name).</summary>
    void OnTaskStarted(ExecutionPlan plan, int node, string worker) { }

    /// <summary>Task <paramref name="node"/> finished (<paramref name="failed"/> when it threw).</summary>
    void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed) { }

    /// <summary>
    /// Task <paramref name="node"/> finished on a worker that measured when it really ran (a process pool's
    /// worker: tasks are sent in batches, so the start reported by <see cref="OnTaskStarted"/> is when the batch
    /// was sent). <paramref name="started"/> and <paramref name="ended"/> are <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamps of this process; the intervals of one worker's tasks do not overlap. By default this calls
    /// <see cref="OnTaskFinished(ExecutionPlan, int, string, bool)"/>, so a listener that does not need the times implements only that.
    /// </summary>
    void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed, long started, long ended)
        => OnTaskFinished(plan, node, worker, failed);

    /// <summary>
    /// A worker in another process or machine reported its CPU time and memory (a cluster worker, with its results).
    /// Diagnostics show these for workers they cannot sample themselves.
    /// </summary>
    void OnWorkerReport(ExecutionPlan plan, WorkerReport report) { }

    /// <summary>The computation ended: <paramref name="error"/> is null on success.</summary>
    void OnComputeFinished(ExecutionPlan plan, Exception? error) { }
}
